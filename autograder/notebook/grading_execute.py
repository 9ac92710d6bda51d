"""nbgrader's Execute step as the grader runs it: which cell is running, and the per-cell
timeout charged on the kernel's clock (`kernel/clock.py`) instead of the wall clock."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from nbclient.util import ensure_async
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

from autograder.kernel.clock import KernelClock, tree_pids


class GradingExecute(Execute):
    """nbgrader's Execute, remembering which cell is running (to know what never ran), with the
    per-cell timeout charged on a `KernelClock`: a busy machine does not cut an honest cell.

    nbclient's own wall-clock timeout stays, at `MAX_STRETCH` times the limit, as the backstop.
    """

    cell_limit = 0  # seconds per cell on the kernel's clock; 0 = none
    pidfile = ""
    check_seconds = 2  # how often the running cell's clock is read

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.running_cell = None
        self.cell_clock = None
        self.timed_out: set[int] = set()  # cells interrupted on the kernel's clock

    def on_cell_start(self, **kwargs):
        self.running_cell = kwargs["cell_index"]
        self.cell_clock = KernelClock(self.cell_limit, self.pidfile) if self.cell_limit else None

    async def _async_check_alive(self) -> None:  # nbclient calls it while a cell runs
        await super()._async_check_alive()
        clock = self.cell_clock
        if clock is not None and clock.spent():
            self.cell_clock = None  # one interrupt per cell; the backstop does the rest
            self.timed_out.add(self.running_cell)
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
