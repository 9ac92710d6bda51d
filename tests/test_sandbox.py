"""The bubblewrap sandbox's allow-list and the kernel's clean environment, checked with plain
Python processes (no kernel, fast). `test_sandbox_secrets.py` grades real submissions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.kernel import mounts, sandbox
from autograder.kernel.environment import KERNEL_VARIABLE, kernel_variables
from autograder.kernel.manager import kernel_environment

REPO = Path(__file__).resolve().parents[1]
NEVER = ("/home", "/srv", "/opt", "/mnt", "/media", "/var", "/boot", "/run", "/sys")
needs_bwrap = pytest.mark.skipif(not sandbox.bwrap_path(), reason="bubblewrap is not installed")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def test_the_mounts_are_python_libraries_and_the_autograder_never_answers(tmp_path):
    spec = sandbox.specification(tmp_path / "course", tmp_path / "course" / "a", tmp_path / "s")
    read = [Path(p).resolve() for p in spec["read"]]
    # Python and the autograder package may live anywhere (pyenv in /root, a clone in /var/tmp)
    python = [*mounts.prefixes(), *mounts.import_roots(), mounts.autograder_package()]
    assert mounts.autograder_package() in read
    for path in read:
        assert not any(_inside(path, Path(f)) for f in NEVER) or any(
            _inside(path, p) for p in python), path  # a conda in /opt, a clone in /var: fine
        for secret in ("solutions", "exercises", "tests", "course"):
            assert not _inside(REPO / secret, path) or str(REPO / secret) in spec["hide"], path
        if _inside(path, Path.home()):
            assert any(_inside(path, p) for p in python), path  # pyenv's Python, never the home
    assert REPO.resolve() not in read and Path("/") not in read
    assert spec["environment"]["HOME"].startswith("/tmp/")
    # matplotlib's font list comes along: no kernel spends a second rebuilding it
    assert [name for name in spec["home"].values() if name.startswith(".cache/matplotlib/")]


def test_answers_inside_a_bound_folder_are_covered(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    (site / "solutions").mkdir(parents=True)
    (site / "numpy").mkdir()
    checkout = tmp_path / "clone"
    (checkout / "solutions").mkdir(parents=True)
    monkeypatch.setattr(mounts, "answer_folders", lambda: [site / "solutions",
                                                             checkout / "solutions"])
    monkeypatch.setattr(mounts, "python_folders", lambda: [site])
    mounts.needed.cache_clear()
    try:
        needed = mounts.needed()
    finally:
        mounts.needed.cache_clear()
    assert needed["hide"] == [str(site / "solutions")]  # a wheel install: bound, covered
    assert mounts.holds_answers(checkout) and not mounts.holds_answers(site / "numpy")


def test_the_kernel_environment_is_an_explicit_list():
    launched = {
        **kernel_environment(max_memory_mb=0, pidfile=Path("/x/pid"), threads=1),
        "AUTOGRADER_SERVICE_KEY": "s1", "AWS_SECRET_ACCESS_KEY": "s2", "JUPYTER_TOKEN": "s3",
        "PATH": "/usr/bin", "HOME": "/root", "JPY_SESSION_NAME": "a.ipynb", "JPY_PARENT_PID": "7",
    }
    inside = kernel_variables(launched, {"environment": {"HOME": "/tmp/home", "PATH": "/p"}})
    assert not {"s1", "s2", "s3", "/root", "/x/pid"} & set(inside.values())
    assert inside["NBGRADER_EXECUTION"] == "autograde" and inside["TF_CPP_MIN_LOG_LEVEL"]
    assert inside["OMP_NUM_THREADS"] == "1" and inside["JPY_SESSION_NAME"] == "a.ipynb"
    assert "JPY_PARENT_PID" not in inside and KERNEL_VARIABLE not in inside
    assert (inside["HOME"], inside["PATH"]) == ("/tmp/home", "/p")
    unsandboxed = kernel_variables(launched, None)
    assert unsandboxed["HOME"] == "/root" and "AWS_SECRET_ACCESS_KEY" not in unsandboxed


def test_the_program_loader_is_read_from_the_interpreter():
    loader = mounts.elf_interpreter(str(Path(sys.executable).resolve()))
    assert loader is None or Path(loader).exists()
    assert mounts.elf_interpreter(__file__) is None  # not an ELF file


def test_a_course_folder_around_the_project_keeps_python_visible(tmp_path):
    # the repository is itself a course folder (nbgrader_config.py, exercises/): grading there
    # must still show the kernel its venv and the autograder package, and nothing else of it
    spec = sandbox.specification(REPO, REPO / "autograded" / "ana" / "a", tmp_path)
    assert str(mounts.autograder_package()) in spec["read"] and str(REPO) not in spec["read"]


@needs_bwrap
def test_inside_the_sandbox_only_python_and_the_workdir_exist(tmp_path):
    course = tmp_path / "course"
    workdir = course / "autograded" / "ana" / "a1"
    workdir.mkdir(parents=True)
    (course / "gradebook.db").write_text("secreto")
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    spec = sandbox.specification(course, workdir, sockets)
    probe = (
        "import json, os, socket\n"
        f"seen = {{'gradebook': os.path.exists({str(course / 'gradebook.db')!r}),\n"
        f"        'project': sorted(os.listdir({str(REPO)!r})),\n"
        "        'root': sorted(os.listdir('/')),\n"
        "        'capabilities': open('/proc/self/status').read().split('CapEff:')[1].split()[0],\n"
        "        'processes': [p for p in os.listdir('/proc') if p.isdigit()]}\n"
        f"open({str(workdir / 'escrito.txt')!r}, 'w').write('ok')\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=2); seen['network'] = True\n"
        "except OSError:\n"
        "    seen['network'] = False\n"
        "try:\n"
        "    from solutions import kl_divergence; seen['solutions'] = True\n"
        "except Exception:\n"
        "    seen['solutions'] = False\n"
        "import autograder.observe\n"
        "print(json.dumps(seen))\n"
    )
    command = sandbox.wrap([sys.executable, "-c", probe], json.dumps(spec))
    environment = kernel_variables({}, spec)
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=300,
                          env=environment)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert (seen["gradebook"], seen["network"], seen["solutions"]) == (False, False, False)
    assert set(seen["project"]) <= {"autograder", ".venv", "venv"}  # only what Python needs
    assert set(seen["root"]) <= {"dev", "etc", "lib", "lib32", "lib64", "libx32", "bin", "sbin",
                                 "proc", "tmp", "usr", *[Path(p).parts[1] for p in spec["read"]],
                                 *[Path(p).parts[1] for p in spec["writable"]]}
    assert seen["capabilities"] == "0000000000000000"
    assert len(seen["processes"]) <= 3  # bwrap's init, the probe: no process of the machine
    assert (workdir / "escrito.txt").read_text() == "ok"
    assert (course / "gradebook.db").read_text() == "secreto"
