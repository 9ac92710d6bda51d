"""Start a grading kernel under resource limits: `python -m autograder.kernel.launcher -- CMD...`.

The grading worker puts this in front of the kernel's own command (see `kernel.py`). It applies the
limits to itself and then becomes the kernel with `exec`, so the limits, the process group and the
parent-death signal all belong to the kernel process and are inherited by anything it starts:

- AUTOGRADER_MAX_MEMORY_MB caps the kernel's data segment (RLIMIT_DATA: heap and anonymous
  mappings, which is where a runaway array lives; unlike RLIMIT_AS it does not count the large
  address-space reservations TensorFlow makes), so a memory blow-up is a MemoryError in the
  student's cell instead of the machine swapping or the OOM killer picking a victim;
- AUTOGRADER_MAX_CPU_SECONDS caps the CPU time of each process (RLIMIT_CPU): a kernel that
  spins on many threads is stopped even before the wall-clock budget runs out;
- AUTOGRADER_MAX_PROCESSES caps the processes and threads of the kernel and everything it starts,
  so a fork bomb fails with an error instead of filling the machine: a `pids` cgroup when this
  process may create one (root, cgroup v1), else RLIMIT_NPROC on top of what the user already
  runs (Linux ignores RLIMIT_NPROC for root, and cgroup v2 needs delegation: then no cap);
- AUTOGRADER_KERNEL_PIDFILE receives the kernel's pid (= its process group, jupyter_client starts
  kernels in a new session) so the worker and the main process can kill the whole group;
- on Linux the kernel is killed when its worker dies, so no kernel outlives a killed batch;
- AUTOGRADER_SANDBOX (JSON, see `sandbox.py`) runs the kernel inside bubblewrap;
- the kernel gets a clean environment: only the variables listed in `environment.py`.

Only the standard library is imported: this runs before every kernel.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

from autograder.kernel.environment import kernel_variables
from autograder.kernel.sandbox import SANDBOX_VARIABLE, wrap

MEMORY_VARIABLE = "AUTOGRADER_MAX_MEMORY_MB"
CPU_VARIABLE = "AUTOGRADER_MAX_CPU_SECONDS"
PROCESSES_VARIABLE = "AUTOGRADER_MAX_PROCESSES"
PIDS_CGROUPS = "/sys/fs/cgroup/pids"  # cgroup v1 pids controller
PIDFILE_VARIABLE = "AUTOGRADER_KERNEL_PIDFILE"
_PR_SET_PDEATHSIG = 1


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def limit_cpu(seconds: int) -> None:
    # SIGXCPU (fatal by default) at the soft limit, SIGKILL a few seconds later
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def kernel_cgroup(pid: int) -> str:
    return os.path.join(PIDS_CGROUPS, f"autograder-{pid}")


def limit_processes(count: int) -> None:
    """Cap the tasks (processes and threads) of this process and its descendants."""
    if _join_pids_cgroup(count) or os.geteuid() == 0:
        return  # capped by the cgroup, or root: Linux would ignore RLIMIT_NPROC
    tasks = _tasks_of(os.getuid())  # RLIMIT_NPROC counts all of the user's tasks
    resource.setrlimit(resource.RLIMIT_NPROC, (tasks + count, tasks + count))


def process_cap_available() -> bool:
    """Whether `limit_processes` can cap anything here (Linux; a pids cgroup, or not root)."""
    return sys.platform.startswith("linux") and (
        os.access(PIDS_CGROUPS, os.W_OK) or os.geteuid() != 0)


def _join_pids_cgroup(count: int) -> bool:
    if not os.access(PIDS_CGROUPS, os.W_OK):
        return False
    for stale in os.listdir(PIDS_CGROUPS):  # left by kernels that were killed: empty now
        if stale.startswith("autograder-"):
            try:
                os.rmdir(os.path.join(PIDS_CGROUPS, stale))
            except OSError:
                pass
    folder = kernel_cgroup(os.getpid())
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "pids.max"), "w") as stream:
            stream.write(str(count))
        with open(os.path.join(folder, "cgroup.procs"), "w") as stream:
            stream.write(str(os.getpid()))
    except OSError:
        return False
    return True


def _tasks_of(uid: int) -> int:
    tasks = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    tasks += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return tasks


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
        sys.exit("usage: python -m autograder.kernel.launcher -- KERNEL COMMAND...")
    command = argv[argv.index("--") + 1:]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing kernel leaves no core file
    megabytes = os.environ.pop(MEMORY_VARIABLE, "")
    if megabytes:
        limit_memory(int(megabytes))
    cpu_seconds = os.environ.pop(CPU_VARIABLE, "")
    if cpu_seconds:
        limit_cpu(int(cpu_seconds))
    processes = os.environ.pop(PROCESSES_VARIABLE, "")
    if processes and sys.platform.startswith("linux"):
        limit_processes(int(processes))
    sandbox = os.environ.pop(SANDBOX_VARIABLE, "")
    if sandbox:  # bwrap becomes the kernel's parent, in the same process group
        command = wrap(command, sandbox)
    # In its own pid namespace the kernel's parent is pid 1, which ipykernel's parent poller
    # takes for "my parent died": kernel_variables drops JPY_PARENT_PID there, and bwrap's
    # --die-with-parent does that job instead.
    environment = kernel_variables(os.environ, json.loads(sandbox) if sandbox else None)
    pidfile = os.environ.pop(PIDFILE_VARIABLE, "")
    if pidfile:
        with open(pidfile, "w") as stream:
            stream.write(str(os.getpid()))
    die_with_parent()
    os.execve(command[0], command, environment)


if __name__ == "__main__":
    main(sys.argv[1:])
