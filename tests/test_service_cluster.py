"""The service's grader on a Dask cluster (`autograder serve --scheduler`): a LocalCluster on
127.0.0.1 grades the queued submissions through `grade`'s cluster executor, same points; a
worker killed mid-task has its task retried elsewhere, as with `grade --scheduler`."""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import time

import nbformat
import pytest
from conftest import TinyClass, gradebook_points, wait_for

from autograder.kernel import sandbox

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow


SLOW_ADD = "import time\ntime.sleep(4)\ndef add(a, b):\n    return a + b"


def kill_the_worker_grading(local, marker: str) -> bool:
    """SIGKILL the worker whose task key holds `marker`, well inside its slow notebook."""
    client = distributed.Client(local.scheduler_address, set_as_default=False)
    try:
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            for address, keys in client.processing().items():
                if any(marker in str(key) for key in keys):
                    time.sleep(2)
                    os.kill(pids[address], signal.SIGKILL)
                    return True
            time.sleep(0.2)
        return False
    finally:
        client.close()


def test_queued_submissions_are_graded_on_the_cluster(_released_tiny_course, tmp_path):
    from autograder.batch.access import scheduler_access
    from autograder.batch.job import DEFAULT_NOTEBOOK_GRADER
    from autograder.course import Course
    from autograder.notebook.limits import Limits
    from autograder.service.grading import Grader
    from autograder.service.store import GRADED, Store

    course_dir = tmp_path / "course"
    shutil.copytree(_released_tiny_course, course_dir)
    tiny = TinyClass(course_dir)
    store = Store(course_dir / "service")
    now = datetime.datetime.now(datetime.timezone.utc)
    submitted = {
        student: store.accept(student, "tiny", "tiny.ipynb", nbformat.writes(nb).encode(), now,
                              False, True, lambda recent: None).id
        for student, nb in (("ana", tiny.complete(add=SLOW_ADD)),
                            ("beto", tiny.complete(mul="def mul(a, b):\n    return a + b")))}
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", resources={"kernels": 1}, silence_logs=40)
    killed = []
    grader = Grader(Course.open(course_dir), store, workers=None, limits=Limits(cell_timeout=20),
                    access=scheduler_access(local.scheduler_address),
                    allow_unsandboxed=sandbox.bwrap_path() is None,
                    notebook_grader=DEFAULT_NOTEBOOK_GRADER)
    try:
        grader.start()
        killed.append(kill_the_worker_grading(local, "/ana-"))
        assert wait_for(lambda: all(store.get(i).status == GRADED for i in submitted.values()),
                        300), [store.get(i) for i in submitted.values()]
    finally:
        grader.stop()
        local.close()
    points = {s: store.get(i).result for s, i in submitted.items()}
    assert {s: sum(c["points"] or 0 for nb in r["notebooks"] for c in nb["cells"])
            for s, r in points.items()} == {"ana": 5, "beto": 3}
    recorded = gradebook_points(course_dir, "tiny")
    assert recorded["beto"]["test_mul"] == 0 and recorded["ana"]["test_mul"] == 2
    assert killed == [True], "no worker was grading ana's submission"
    assert not [p for r in points.values() for p in r["problems"]
                if p["code"] == "grading_error"]  # retried on the other worker, not lost
    assert store.gradings() == {i: 1 for i in submitted.values()}
    executed = course_dir / "autograded" / "beto" / "tiny" / "tiny.ipynb"
    assert '"outputs"' in executed.read_text(encoding="utf-8")
    # both were in flight at once, and both are recorded in grade's state: nothing to regrade
    from autograder.api import grade

    summary = grade(course_dir, show_progress=False)
    assert (len(summary.graded), summary.recorded_only, summary.skipped) == (0, 0, 2)
