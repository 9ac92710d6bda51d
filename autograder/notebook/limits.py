"""How long and how much one submission may take (standard library only: the CLI reads it)."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Limits derived from the reference solution's measured grading time (`autograder limits`,
# batch/measured_limits.py): FACTOR times what the reference takes, never under the floors.
FACTOR = 10.0
CELL_FLOOR = 30  # seconds per cell: a reference cell of milliseconds still leaves room
NOTEBOOK_FLOOR = 120  # seconds per notebook: kernel start and imports on a slow machine


@dataclass
class Limits:
    """How long and how much one submission may take."""

    # both time limits are charged on the kernel's clock (kernel/clock.py): wall seconds minus
    # the time the kernel waited for a CPU, at most MAX_STRETCH times the limit in wall seconds
    cell_timeout: int = 300  # seconds per cell (nbgrader's Execute.timeout)
    notebook_budget: int = 900  # seconds for the whole notebook, kernel start included
    max_memory_mb: int = 4096  # kernel data segment; 0 = no limit
    kernel_threads: int = 1  # cores each kernel's numerical libraries may use; 0 = their default
    max_processes: int = 512  # processes and threads of a kernel and its children; 0 = no cap
    # when the time limits were derived from the reference: at least this many times what the
    # reference takes (said in the feedback when a limit is hit); 0 = not derived
    reference_factor: float = 0.0

    @property
    def max_cpu_seconds(self) -> int:
        """CPU seconds per kernel process: room for its threads within the notebook budget."""
        return 2 * self.notebook_budget if self.notebook_budget else 0


def derived_limits(notebook_seconds: float, slowest_cell_seconds: float, *,
                   factor: float = FACTOR, cell_floor: int = CELL_FLOOR,
                   notebook_floor: int = NOTEBOOK_FLOOR) -> tuple[int, int]:
    """(cell timeout, notebook budget) in seconds: `factor` times the reference's slowest cell
    and slowest notebook, at least the floors; a cell never gets more than its notebook."""
    budget = max(notebook_floor, math.ceil(factor * notebook_seconds))
    cell = max(cell_floor, math.ceil(factor * slowest_cell_seconds))
    return min(cell, budget), budget
