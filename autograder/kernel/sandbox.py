"""Run each grading kernel inside a bubblewrap sandbox (Linux, `bwrap` from the OS packages).

The kernel sees the whole file system read-only, except:

- hidden (an empty tmpfs over them): the course folder — gradebook, sources, other students'
  submissions and results — and the reference package `solutions/`, the exercise sources and the
  tests of this project (which hold answers);
- writable: its own working folder (the student's autograded folder), the folder of its ZMQ
  sockets, and an empty private /tmp (Python and the autograder stay visible even when they
  live under /tmp).

It has no network (`--unshare-net`), so the kernel talks to the grader over unix sockets (ZMQ's
IPC transport) in a short folder bound into the sandbox, and its own process list
(`--unshare-pid`): it sees no other process, and when bwrap dies (the whole group is killed at
the end of each notebook) everything in the sandbox dies with it, even a child that left the
process group. Where `bwrap` is missing (macOS, Windows, a Linux without the package) grading
goes on unsandboxed with a warning: see `bwrap_path()` and `WARNING`.

`wrap` uses only the standard library: the kernel launcher calls it before every kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

SANDBOX_VARIABLE = "AUTOGRADER_SANDBOX"  # JSON: {"hide": [...], "writable": [...]}
OFF_VARIABLE = "AUTOGRADER_NO_SANDBOX"  # set to 1 to grade without sandbox on purpose
WARNING = (
    "AVISO: bubblewrap (bwrap) no está instalado: los cuadernos se corrigen sin aislamiento "
    "(con red y con acceso de lectura a los archivos del profesor). En Debian/Ubuntu: "
    "sudo apt-get install bubblewrap"
)


def bwrap_path() -> str | None:
    if not sys.platform.startswith("linux") or os.environ.get(OFF_VARIABLE) == "1":
        return None
    return shutil.which("bwrap")


def project_secrets() -> list[Path]:
    """Folders of this project a student's kernel must not read: answers and hidden tests."""
    import importlib.util

    found = []
    spec = importlib.util.find_spec("solutions")
    if spec is not None and spec.submodule_search_locations:
        package = Path(next(iter(spec.submodule_search_locations))).resolve()
        found.append(package)
        for sibling in ("exercises", "tests", "course"):
            if (package.parent / sibling).is_dir():
                found.append(package.parent / sibling)
    return found


def autograder_package() -> Path:
    """The autograder package folder (this file sits in its kernel/ subpackage)."""
    import autograder

    return Path(autograder.__file__).resolve().parent


def specification(course_dir: Path, workdir: Path, socket_dir: Path) -> dict:
    hide = [Path(course_dir).resolve(), *project_secrets()]
    # Python, its packages and the autograder: the kernel needs them, even under /tmp (a clone
    # or a virtual environment there), which the sandbox otherwise replaces by an empty one.
    needed = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), autograder_package()]
    # A folder holding what the kernel needs to run (say, a course inside the project) stays.
    hide = [str(p) for p in hide if not any(n == p or p in n.parents for n in needed)]
    return {"hide": hide, "needed": [str(p) for p in needed],
            "writable": [str(Path(workdir).resolve()), str(socket_dir)]}


def wrap(command: list[str], spec_text: str) -> list[str]:
    """The kernel command prefixed with bwrap and the mounts of `spec_text` (JSON)."""
    spec = json.loads(spec_text)
    bwrap = shutil.which("bwrap") or "bwrap"
    arguments = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                 "--tmpfs", "/tmp", "--unshare-net", "--unshare-pid", "--die-with-parent"]
    if "-f" in command[:-1]:  # the connection file jupyter_client wrote (often in /tmp)
        connection = command[command.index("-f") + 1]
        arguments += ["--ro-bind", connection, connection]
    for path in spec.get("needed", []):
        if os.path.isdir(path):
            arguments += ["--ro-bind", path, path]  # back after the private /tmp
    for path in spec["hide"]:
        if os.path.isdir(path):
            arguments += ["--tmpfs", path]
    for path in spec["writable"]:
        arguments += ["--bind", path, path]  # after the tmpfs: the kernel's own folder shows
    return [*arguments, "--", *command]
