"""`autograder grade --scheduler`: a Dask LocalCluster on 127.0.0.1 grades like the local pool.

Two process workers, one kernel slot each, the tiny assignment, three students. The module's
cluster speaks mutual TLS with certificates from `autograder certificates` (scheduler, workers
and client each with their own), as docs/distributed.md tells instructors to run one: the same
per-test points as local grading, nothing lost when a worker is killed mid-task, a clear refusal
when a worker runs other code, a one-line error and exit 2 when the scheduler is unreachable or
dies mid-run (and the next run resumes; that scheduler is plain TCP on loopback, still
accepted), Ctrl-C stops the kernels running on the workers, and a client without the cluster's
certificate, or with another CA's, is refused with one line and exit 2.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from conftest import venv_environment, wait_for

from autograder.api import certificates, grade
from autograder.batch import cluster as cluster_module
from autograder.batch.access import TLS_OPTIONS
from autograder.course import AutograderError
from autograder.results import SubmissionResult

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # each test runs Python kernels on two Dask workers

ASSIGNMENT = "tiny"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return certificates(tmp_path_factory.mktemp("cluster") / "tls")


@pytest.fixture(scope="module")
def cluster(certs):
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            protocol="tls://", security=certs.security(),
            dashboard_address=None, resources={"kernels": 1}, silence_logs=40,
        )
    yield local
    local.close()


def on(cluster, certs) -> dict:
    """grade()'s keyword arguments for this cluster, with the instructor's client files."""
    return {"scheduler": cluster.scheduler_address, "tls_ca_file": certs.ca,
            "tls_cert": certs.cert("client"), "tls_key": certs.key("client")}


def tls_variables(certs, ca=None) -> dict[str, str]:
    """The same as environment variables, for `autograder grade` in a subprocess."""
    files = {"tls_ca_file": ca or certs.ca, "tls_cert": certs.cert("client"),
             "tls_key": certs.key("client")}
    return {TLS_OPTIONS[name][1]: str(path) for name, path in files.items()}


def client_of(cluster):
    return distributed.Client(cluster.scheduler_address, security=cluster.security,
                              set_as_default=False)


def small_class(k, slow: str = "") -> None:
    k.submit("ana", k.complete())
    k.submit("bea", k.complete(mul=slow + "def mul(a, b):\n    return a + b"))  # test_mul fails
    k.submit("carlos", k.notebook())  # nothing answered


def test_cluster_gives_the_points_of_local_grading(tiny_class, cluster, certs, tmp_path):
    small_class(tiny_class)
    local_copy = tmp_path / "local"
    shutil.copytree(tiny_class.course, local_copy)

    grade(local_copy, workers=2, show_progress=False)
    summary = grade(tiny_class.course, **on(cluster, certs), show_progress=False)

    from conftest import gradebook_points

    on_cluster, local = tiny_class.points(), gradebook_points(local_copy, ASSIGNMENT)
    assert on_cluster == local
    assert on_cluster["ana"]["test_mul"] == 2 and on_cluster["bea"]["test_mul"] == 0
    assert len(summary.graded) == 3
    # what a local worker leaves behind is there too: the executed notebook, the result file
    executed = tiny_class.course / "autograded" / "bea" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert '"outputs"' in executed.read_text()
    result = SubmissionResult.load(tiny_class.course / "grading" / ASSIGNMENT / "results" /
                                   "bea.json")
    assert result.points == local["bea"]["test_add"] + local["bea"]["test_add_hidden"]
    # resumable as today: a second run grades nothing
    again = grade(tiny_class.course, **on(cluster, certs), show_progress=False)
    assert not again.graded and again.skipped == 3


def test_a_worker_killed_mid_batch_loses_nothing(tiny_class, cluster, certs):
    small_class(tiny_class, slow="import time\ntime.sleep(4)\n")
    client = client_of(cluster)
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for address, keys in client.processing().items():
                if any("/bea-" in str(key) for key in keys):
                    time.sleep(2)  # well inside the slow notebook
                    os.kill(pids[address], signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    try:
        summary = grade(tiny_class.course, **on(cluster, certs), show_progress=False)
    finally:
        killer.join(timeout=5)
        client.close()
    assert killed, "no worker was busy with the slow submission"
    points = tiny_class.points()
    assert set(points) == {"ana", "bea", "carlos"}
    assert points["bea"] == {"test_add": 1, "test_add_hidden": 2, "test_mul": 0, "answer": None}
    assert points["ana"]["test_mul"] == 2
    assert not [p for r in summary.graded for p in r.all_problems if p.code == "grading_error"]
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def test_a_worker_with_other_code_is_refused(tiny_class, cluster, certs, monkeypatch):
    tiny_class.submit("ana", tiny_class.complete())
    real = cluster_module.code_identity()
    monkeypatch.setattr(cluster_module, "code_identity",
                        lambda: {"version": "9.9.9", "references": "000000000000"})
    with pytest.raises(AutograderError) as refused:
        grade(tiny_class.course, **on(cluster, certs), show_progress=False)
    message = str(refused.value)
    assert "9.9.9" in message and real["version"] in message and real["references"] in message
    assert "\n" not in message
    assert not tiny_class.points()  # nothing recorded


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tiny_class, monkeypatch):
    tiny_class.submit("ana", tiny_class.complete())
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AUTOGRADER_SCHEDULER_TIMEOUT", "3")
    monkeypatch.setenv("AUTOGRADER_SCHEDULER", f"tcp://127.0.0.1:{port}")
    completed = tiny_class.cli("grade", "--no-progress", timeout=120)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert "no se puede conectar con el planificador de Dask" in lines[0]
    assert not tiny_class.points()


DOOMED_CLUSTER = """
import time
import distributed

if __name__ == "__main__":
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, resources={"kernels": 1}, silence_logs=40)
    print(cluster.scheduler_address, flush=True)
    time.sleep(600)
"""


def start_grading(k, address: str, **variables: str) -> subprocess.Popen:
    """`autograder grade` against `address` in a subprocess of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", "--no-progress", "--course-dir",
         str(k.course)], env=venv_environment(AUTOGRADER_SCHEDULER=address, **variables),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def slow_mul(seconds: int) -> str:
    return f"import time\ntime.sleep({seconds})\ndef mul(a, b):\n    return a * b"


def test_losing_the_scheduler_mid_run_is_one_line_and_the_next_run_resumes(tiny_class, cluster,
                                                                           certs):
    k = tiny_class
    k.submit("ana", k.complete())
    for student in ("bea", "carlos"):
        k.submit(student, k.complete(mul=slow_mul(8)))
    doomed = subprocess.Popen([sys.executable, "-c", DOOMED_CLUSTER], stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    try:
        address = doomed.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        grading = start_grading(k, address, AUTOGRADER_SCHEDULER_TIMEOUT="5")  # reconnect tries
        results = k.course / "grading" / ASSIGNMENT / "results"
        assert wait_for(lambda: len(list(results.glob("*.json"))) >= 1, 120), "nothing graded"
        os.killpg(doomed.pid, signal.SIGKILL)  # the scheduler and its worker, mid-run
        _, stderr = grading.communicate(timeout=180)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()

    assert grading.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "se perdió la conexión con el planificador" in lines[0], stderr
    before = k.points()
    assert 1 <= len(before) < 3, before  # what finished is recorded, the rest is not
    for points in before.values():
        assert points["test_mul"] == 2 and points["test_add"] == 1, before

    again = grade(k.course, **on(cluster, certs), show_progress=False)

    assert again.skipped == len(before) and len(again.graded) == 3 - len(before)
    after = k.points()
    assert set(after) == {"ana", "bea", "carlos"}
    assert all(p["test_mul"] == 2 and p["test_add_hidden"] == 2 for p in after.values()), after


def test_ctrl_c_stops_the_kernels_on_the_workers(tiny_class, cluster, certs):
    k = tiny_class
    k.submit("ana", k.complete(mul=slow_mul(120)))
    client = client_of(cluster)
    try:
        grading = start_grading(k, cluster.scheduler_address, **tls_variables(certs))
        running = lambda: sum(client.run(lambda: len(cluster_module._running)).values())  # noqa: E731
        assert wait_for(lambda: running() == 1, 120), "the slow notebook never started"
        time.sleep(3)  # inside the cell that sleeps
        grading.send_signal(signal.SIGINT)
        _, stderr = grading.communicate(timeout=60)
        assert grading.returncode == 130, stderr
        assert "interrumpido" in stderr
        # the kernel was killed on the worker: the task ends long before its two minutes
        assert wait_for(lambda: running() == 0 and not any(client.processing().values()), 30)
    finally:
        client.close()
    assert not k.points()  # nothing recorded for the interrupted student


def test_only_holders_of_the_clusters_certificates_get_in(tiny_class, cluster, certs, tmp_path):
    """Someone who reaches the port, even with the cluster's CA certificate (not a secret) and a
    certificate of their own, or with a whole set of another CA's, gets one line and exit 2."""
    k = tiny_class
    k.submit("ana", k.complete())
    other = certificates(tmp_path / "other")
    # the command, in a process of its own (so that any log line of Dask's would show)
    grading = start_grading(k, cluster.scheduler_address, AUTOGRADER_SCHEDULER_TIMEOUT="5",
                            **tls_variables(other, ca=certs.ca))
    _, stderr = grading.communicate(timeout=120)
    assert grading.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "no aceptó la conexión TLS" in lines[0], stderr
    # another CA's whole set: this client does not trust the scheduler either
    with pytest.raises(AutograderError, match="no aceptó la conexión TLS") as refused:
        grade(k.course, **on(cluster, other), show_progress=False)
    assert "\n" not in str(refused.value)
    assert not k.points()  # nothing recorded

    # below autograder: plain TCP, and TLS that trusts the CA but shows no certificate
    with pytest.raises(OSError):
        distributed.Client(cluster.scheduler_address.replace("tls://", "tcp://"), timeout=5,
                           set_as_default=False)
    assert not scheduler_keeps_talking(cluster, certs.ca)
    assert scheduler_keeps_talking(cluster, certs.ca, certs.cert("client"), certs.key("client"))


def scheduler_keeps_talking(cluster, ca, cert=None, key=None) -> bool:
    """Open a raw TLS connection and send a few bytes: True if the scheduler keeps it open (it
    waits for the rest of a message), False if it hangs up, as it does on a client that shows no
    certificate of its CA."""
    import ssl

    host, port = cluster.scheduler_address.removeprefix("tls://").rsplit(":", 1)
    context = ssl.create_default_context(cafile=str(ca))
    context.check_hostname = False  # as Dask: the CA is the cluster's own
    if cert:
        context.load_cert_chain(cert, key)
    with socket.create_connection((host, int(port)), timeout=3) as raw:
        try:
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"\0" * 8)
                return tls.recv(1) != b""
        except TimeoutError:
            return True  # still open, waiting for the rest
        except (ssl.SSLError, ConnectionError):
            return False
