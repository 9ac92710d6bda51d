"""Start a grading kernel under resource limits: `python -m autograder.kernel_launcher -- CMD...`.

The grading worker puts this in front of the kernel's own command (see `kernel.py`). It applies the
limits to itself and then becomes the kernel with `exec`, so the limits, the process group and the
parent-death signal all belong to the kernel process and are inherited by anything it starts:

- AUTOGRADER_MAX_MEMORY_MB caps the kernel's data segment (RLIMIT_DATA: heap and anonymous
  mappings, which is where a runaway array lives; unlike RLIMIT_AS it does not count the large
  address-space reservations TensorFlow makes), so a memory blow-up is a MemoryError in the
  student's cell instead of the machine swapping or the OOM killer picking a victim;
- AUTOGRADER_KERNEL_PIDFILE receives the kernel's pid (= its process group, jupyter_client starts
  kernels in a new session) so the worker and the main process can kill the whole group;
- on Linux the kernel is killed when its worker dies, so no kernel outlives a killed batch;
- AUTOGRADER_SANDBOX (JSON, see `sandbox.py`) runs the kernel inside bubblewrap.

Only the standard library is imported: this runs before every kernel.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys

from autograder.sandbox import SANDBOX_VARIABLE, wrap

MEMORY_VARIABLE = "AUTOGRADER_MAX_MEMORY_MB"
PIDFILE_VARIABLE = "AUTOGRADER_KERNEL_PIDFILE"
_PR_SET_PDEATHSIG = 1


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent exits (kept across exec)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def main(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.exit("usage: python -m autograder.kernel_launcher -- KERNEL COMMAND...")
    command = argv[argv.index("--") + 1:]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing kernel leaves no core file
    megabytes = os.environ.pop(MEMORY_VARIABLE, "")
    if megabytes:
        limit_memory(int(megabytes))
    sandbox = os.environ.pop(SANDBOX_VARIABLE, "")
    if sandbox:  # bwrap becomes the kernel's parent, in the same process group
        command = wrap(command, sandbox)
    pidfile = os.environ.pop(PIDFILE_VARIABLE, "")
    if pidfile:
        with open(pidfile, "w") as stream:
            stream.write(str(os.getpid()))
    die_with_parent()
    os.execv(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
