"""nbgrader's Execute step as the grader runs it: which cell is running, and the per-cell
timeout charged on the kernel's clock (`kernel/clock.py`) instead of the wall clock."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from nbclient.util import ensure_async
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

from autograder.kernel.clock import KernelClock, tree_pids
from autograder.kernel.manager import kill_process_group

UNRESPONSIVE_GRACE = 5  # seconds a kernel has to stop after the interrupt before it is killed


class GradingExecute(Execute):
    """nbgrader's Execute, remembering which cell is running (to know what never ran), with the
    per-cell timeout charged on a `KernelClock`: a busy machine does not cut an honest cell.

    A kernel that ignores the interrupt (SIGINT masked, stuck in C code) is killed
    `UNRESPONSIVE_GRACE` seconds later, so that it costs the cell limit, not the notebook budget;
    nbclient's own wall-clock timeout stays, at `MAX_STRETCH` times the limit, as the backstop.
    Each cell's time on the kernel's clock is kept (`cell_seconds`): `autograder limits` derives
    the limits from the reference's.
    """

    cell_limit = 0  # seconds per cell on the kernel's clock; 0 = none
    pidfile = ""
    check_seconds = 2  # how often the running cell's clock is read

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.running_cell = None
        self.cell_clock = None
        self.timed_out: set[int] = set()  # cells interrupted on the kernel's clock
        self.cell_seconds: dict[int, float] = {}  # cell index -> seconds on the kernel's clock
        self.cell_timer = None
        self.interrupted_at = None  # monotonic time of the running cell's interrupt
        self.unresponsive = None  # the cell whose kernel ignored the interrupt and was killed

    def on_cell_start(self, **kwargs):
        self.running_cell = kwargs["cell_index"]
        self.cell_clock = KernelClock(self.cell_limit, self.pidfile) if self.cell_limit else None
        self.cell_timer = KernelClock(0, self.pidfile) if self.pidfile else None
        self.interrupted_at = None

    def on_cell_executed(self, **kwargs):
        if self.cell_timer is not None:
            self.cell_seconds[kwargs["cell_index"]] = round(self.cell_timer.charged(), 3)

    async def _async_check_alive(self) -> None:  # nbclient calls it while a cell runs
        await super()._async_check_alive()
        if self.interrupted_at is not None:
            if time.monotonic() - self.interrupted_at > UNRESPONSIVE_GRACE:
                self.interrupted_at = None
                self.unresponsive = self.running_cell
                kill_process_group(Path(self.pidfile))  # nbclient then raises DeadKernelError
            return
        clock = self.cell_clock
        if clock is not None and clock.spent():
            self.cell_clock = None  # one interrupt per cell; then the grace, then the kill
            self.timed_out.add(self.running_cell)
            self.interrupted_at = time.monotonic()
            if not _interrupt_python(self.pidfile):
                await ensure_async(self.km.interrupt_kernel())


def _interrupt_python(pidfile: str) -> bool:
    """SIGINT to the kernel's Python process only: in the sandbox the process group also holds
    bubblewrap, which SIGINT would end, and the kernel with it."""
    try:
        root = int(Path(pidfile).read_text().strip())
    except (OSError, ValueError):
        return False
    for pid in tree_pids(root):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if Path(argv[0].decode(errors="replace")).name != "bwrap" and any(
                b"ipykernel" in part for part in argv):
            try:
                os.kill(pid, signal.SIGINT)
            except OSError:
                return False
            return True
    return False


def mark_timeouts(nb: NotebookNode, indexes: set[int]) -> None:
    """Cells interrupted on the kernel's clock read like nbclient's own timeout."""
    for index in indexes:
        for output in nb.cells[index].get("outputs", []) if index is not None else []:
            if output.get("output_type") == "error" and output.get("ename") == "KeyboardInterrupt":
                output.ename, output.evalue = "CellTimeoutError", "cell time limit"
