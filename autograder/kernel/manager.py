"""The kernel manager grading uses: jupyter_client's, started through `kernel_launcher`.

nbclient creates kernels from a kernel manager class; this one only changes the command line, so
everything else (connection, interrupts on cell timeout, shutdown) is jupyter_client's own.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from autograder.kernel.environment import KERNEL_VARIABLE
from autograder.kernel.launcher import (
    CPU_VARIABLE,
    MEMORY_VARIABLE,
    PIDFILE_VARIABLE,
    PROCESSES_VARIABLE,
    kernel_cgroup,
)
from autograder.kernel.sandbox import SANDBOX_VARIABLE
from autograder.observation import OUTSIDE_VARIABLE

# as autograder/keras_quiet.py sets them; the grader's own values win when it has them
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
                    "KERAS_BACKEND": "tensorflow"}


class LimitedKernelManager(AsyncKernelManager):
    """Starts the kernel through `python -m autograder.kernel.launcher` (limits, pidfile)."""

    def format_kernel_cmd(self, extra_arguments=None):
        command = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-m", "autograder.kernel.launcher", "--", *command]


def kernel_environment(
    *, max_memory_mb: int, pidfile: Path, threads: int, sandbox: dict | None = None,
    max_cpu_seconds: int = 0, max_processes: int = 0,
) -> dict[str, str]:
    """Environment variables for the next kernel: limits for the launcher, and, in one JSON
    variable, the only variables the kernel itself gets (see `kernel/environment.py`).

    PYTHONSAFEPATH keeps the kernel's working folder off `sys.path` (IPython respects it), so a
    `numpy.py` or `keras.py` handed in next to the notebook shadows nothing.

    The thread counts make each kernel use `threads` cores for numerical work, so that N workers on
    N cores do not fight over them (TensorFlow and BLAS default to one thread per core each).
    TensorFlow's quiet settings come with the kernel: a log line on stderr costs nbgrader points.
    """
    kernel = {
        "NBGRADER_EXECUTION": "autograde",
        OUTSIDE_VARIABLE: "1",  # hidden tests hand out observations; verdicts.py judges them
        "PYTHONSAFEPATH": "1",
        "LANG": "C.UTF-8",
        "USER": "student",
        "LOGNAME": "student",
        **{name: os.environ.get(name, default) for name, default in QUIET_TENSORFLOW.items()},
    }
    if threads:
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
            kernel[name] = str(threads)
    environment = {PIDFILE_VARIABLE: str(pidfile), KERNEL_VARIABLE: json.dumps(kernel)}
    if max_cpu_seconds:
        environment[CPU_VARIABLE] = str(max_cpu_seconds)
    if max_processes:
        environment[PROCESSES_VARIABLE] = str(max_processes)
    if max_memory_mb:
        environment[MEMORY_VARIABLE] = str(max_memory_mb)
    if sandbox:
        environment[SANDBOX_VARIABLE] = json.dumps(sandbox)
    return environment


def kernel_pidfile(scratch: str | Path, student: str) -> Path:
    """Where the kernel grading `student` writes its pid (known to worker and main process)."""
    return Path(scratch) / f".kernel-{student}.pid"


def kill_process_group(pidfile: Path) -> bool:
    """SIGKILL the kernel whose pid is in `pidfile`, with everything it started. True if sent."""
    try:
        pid = int(Path(pidfile).read_text().strip())
    except (OSError, ValueError):
        return False
    _kill_cgroup(pid)  # its children that left the process group (setsid) are still in there
    if not _is_kernel(pid):
        return False  # gone, and its pid may belong to someone else by now
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def _kill_cgroup(pid: int) -> None:
    folder = Path(kernel_cgroup(pid))
    try:
        members = (folder / "cgroup.procs").read_text().split()
    except OSError:
        return  # no cgroup for this kernel (not root, or already removed)
    for member in members:
        try:
            os.kill(int(member), signal.SIGKILL)
        except (ProcessLookupError, PermissionError, ValueError):
            pass
    try:
        folder.rmdir()
    except OSError:
        pass  # still exiting: the next kernel launch removes it


def _is_kernel(pid: int) -> bool:
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self/cmdline").exists():
        return True  # no /proc (macOS): trust the pidfile, which is removed after each notebook
    try:
        return b"kernel" in cmdline.read_bytes()
    except OSError:
        return False
