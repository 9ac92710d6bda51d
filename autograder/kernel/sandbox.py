"""Run each grading kernel inside a bubblewrap sandbox (Linux, `bwrap` from the OS packages).

The kernel's file system is built from nothing (an allow-list, see `mounts.py`):

- read-only: the Python it runs on and its packages, the autograder package, the system
  libraries and the few `/etc` files the loader reads; inside those, any answer package
  (`solutions`) is covered by an empty folder;
- writable: its own working folder (the student's autograded folder) and the folder of its ZMQ
  sockets; a private, empty `/tmp`, with the kernel's HOME in it;
- its own minimal `/dev` and the `/proc` of its own pid namespace (`--unshare-pid`): it sees no
  other process, and when bwrap dies (the whole group is killed at the end of each notebook)
  everything in the sandbox dies with it, even a child that left the process group;
- no network (`--unshare-net`): the kernel talks to the grader over unix sockets (ZMQ's IPC
  transport); no System V IPC nor host name of the machine (`--unshare-ipc`, `--unshare-uts`).

Nothing else exists in there: not the instructor's home, `/home`, `/srv`, `/opt`, `/mnt`, `/var`,
the course folder, other checkouts of this project, nor the grader's temporary files. The
environment is rebuilt from an explicit list by the launcher (`environment.py`). Where `bwrap`
is missing grading goes on unsandboxed with a warning: see `bwrap_path()` and `WARNING`.

`wrap` uses only the standard library: the kernel launcher calls it before every kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path, PurePosixPath

SANDBOX_VARIABLE = "AUTOGRADER_SANDBOX"  # JSON: {"read": [...], "hide": [...], "writable": ...}
OFF_VARIABLE = "AUTOGRADER_NO_SANDBOX"  # set to 1 to grade without sandbox on purpose
HOME = "/tmp/home"  # the kernel's HOME, inside its private /tmp
CONNECTION_FILE = "/tmp/kernel-connection.json"  # where the kernel reads its connection file
WARNING = (
    "AVISO: bubblewrap (bwrap) no está instalado: los cuadernos se corrigen sin aislamiento. "
    "El código de cada alumno podrá leer todo lo que pueda leer el usuario que corrige (su "
    "carpeta personal y sus claves, el curso con las entregas de los demás, las soluciones) "
    "y usar la red. En Debian/Ubuntu: sudo apt-get install bubblewrap"
)


def bwrap_path() -> str | None:
    if not sys.platform.startswith("linux") or os.environ.get(OFF_VARIABLE) == "1":
        return None
    return shutil.which("bwrap")


def specification(course_dir: Path, workdir: Path, socket_dir: Path) -> dict:
    """The mounts of one kernel: what it reads, what stays covered, where it writes."""
    from autograder.kernel import mounts

    needed = mounts.needed()
    course = Path(course_dir).resolve()
    read = needed["read"]  # a venv inside the course folder shows that venv, not the course
    # A course folder inside something bound (unusual: a course inside a venv) stays covered.
    hide = [*needed["hide"], *([str(course)] if any(
        _under(course, Path(p).resolve()) for p in read) else [])]
    environment = {"HOME": HOME, "TMPDIR": "/tmp",
                   "PATH": os.pathsep.join(_bin_folders())}
    python_path = mounts.kernel_python_path()
    if python_path:
        environment["PYTHONPATH"] = os.pathsep.join(python_path)
    return {"read": read, "hide": hide, "environment": environment, "home": needed["home"],
            "writable": [str(Path(workdir).resolve()), str(socket_dir)]}


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _bin_folders() -> list[str]:
    folders = [os.path.dirname(sys.executable), os.path.join(sys.prefix, "bin"),
               os.path.join(sys.base_prefix, "bin")]
    return list(dict.fromkeys(folders))


def wrap(command: list[str], spec_text: str) -> list[str]:
    """The kernel command prefixed with bwrap and the mounts of `spec_text` (JSON)."""
    spec = json.loads(spec_text)
    bwrap = shutil.which("bwrap") or "bwrap"
    arguments = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 "--hostname", "sandbox", "--die-with-parent", "--cap-drop", "ALL",
                 "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", HOME]
    links: dict[str, str] = {}
    binds: list[str] = []
    for path in spec["read"]:
        real = _walk_links(path, links)
        if real is not None:
            binds.append(real)
    for real in _outermost(binds):
        arguments += ["--ro-bind", real, real]
    for location, target in sorted(links.items()):
        if not any(_under(PurePosixPath(location), PurePosixPath(b)) for b in binds):
            arguments += ["--symlink", target, location]
    for source, name in spec.get("home", {}).items():  # read-only files in the private HOME
        if os.path.isfile(source):
            arguments += ["--ro-bind", source, f"{HOME}/{name}"]
    for path in spec.get("hide", []):
        if os.path.isdir(path):
            arguments += ["--tmpfs", path]
    for path in spec["writable"]:
        arguments += ["--bind", path, path]  # the kernel's own folder and its sockets
    if "-f" in command[:-1]:  # the connection file jupyter_client wrote, at a fixed place
        at = command.index("-f") + 1
        arguments += ["--ro-bind", command[at], CONNECTION_FILE]
        command = [*command[:at], CONNECTION_FILE, *command[at + 1:]]
    try:
        arguments += ["--chdir", os.getcwd()]  # the kernel's folder, bound above
    except OSError:
        pass  # no working folder (removed): bwrap starts in /
    return [*arguments, "--", *command]


def _walk_links(path: str, links: dict[str, str]) -> str | None:
    """The real location of `path`; each symbolic link met on the way goes into `links`
    (location -> target), so that the path works in the sandbox as it does outside."""
    remaining = list(PurePosixPath(os.path.abspath(path)).parts[1:])
    current = PurePosixPath("/")
    for _ in range(256):  # a bound on link hops and components, against loops
        if not remaining:
            return str(current) if os.path.exists(current) else None
        candidate = current / remaining.pop(0)
        if os.path.islink(candidate):
            target = os.readlink(candidate)
            links[str(candidate)] = target
            resolved = os.path.normpath(os.path.join(str(current), target))
            remaining = [*PurePosixPath(resolved).parts[1:], *remaining]
            current = PurePosixPath("/")
        else:
            current = candidate
    return None


def _outermost(paths: list[str]) -> list[str]:
    """Each path once, without those inside another one (already visible through it)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(_under(PurePosixPath(path), PurePosixPath(k)) for k in kept):
            kept.append(path)
    return sorted(kept)
