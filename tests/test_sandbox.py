"""The bubblewrap sandbox's mounts, checked with a plain Python process (no kernel, fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.kernel import sandbox


def test_folders_the_kernel_needs_to_run_are_never_hidden(tmp_path):
    spec = sandbox.specification(Path("/"), tmp_path, tmp_path / "sockets")
    assert "/" not in spec["hide"]  # it holds Python itself
    spec = sandbox.specification(tmp_path / "course", tmp_path / "course" / "a", tmp_path / "s")
    assert str((tmp_path / "course").resolve()) in spec["hide"]
    assert {p.name for p in sandbox.project_secrets()} >= {"solutions", "exercises", "tests"}
    assert all(str(p) in spec["hide"] for p in sandbox.project_secrets())


@pytest.mark.skipif(not sandbox.bwrap_path(), reason="bubblewrap (bwrap) is not installed")
def test_inside_the_sandbox_the_course_is_hidden_the_workdir_writable_and_no_network(tmp_path):
    course = tmp_path / "course"
    workdir = course / "autograded" / "ana" / "a1"
    workdir.mkdir(parents=True)
    (course / "gradebook.db").write_text("secreto")
    sockets = tmp_path / "sockets"
    sockets.mkdir()
    spec = sandbox.specification(course, workdir, sockets)
    probe = (
        "import json, os, socket\n"
        f"seen = {{'gradebook': os.path.exists({str(course / 'gradebook.db')!r})}}\n"
        f"open({str(workdir / 'escrito.txt')!r}, 'w').write('ok')\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=2); seen['network'] = True\n"
        "except OSError:\n"
        "    seen['network'] = False\n"
        "try:\n"
        "    from solutions import kl_divergence; seen['solutions'] = True\n"
        "except Exception:\n"
        "    seen['solutions'] = False\n"
        "print(json.dumps(seen))\n"
    )
    command = sandbox.wrap([sys.executable, "-c", probe], json.dumps(spec))
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"gradebook": False, "network": False, "solutions": False}
    assert (workdir / "escrito.txt").read_text() == "ok"
    assert (course / "gradebook.db").read_text() == "secreto"
