"""How long and how much one submission may take (standard library only: the CLI reads it)."""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def max_cpu_seconds(self) -> int:
        """CPU seconds per kernel process: room for its threads within the notebook budget."""
        return 2 * self.notebook_budget if self.notebook_budget else 0
