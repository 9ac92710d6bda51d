"""Progress of a grading batch: a bar with counts and ETA on a terminal, plain lines otherwise.

The time left is estimated from the measured grading time of the notebooks finished so far
(their mean, times those left, shared among the workers), not from the wall clock since the
start: with N workers the first result arrives after one notebook's time, and "elapsed / done
x left" then overestimates by about N (4-5x with the default workers on a class).
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "calculando…"
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class GradingProgress:
    """`advance(line, seconds)` after each submission; the line is printed above the bar."""

    def __init__(self, total: int, description: str, enabled: bool = True, workers: int = 1):
        self.total = total
        self.done = 0
        self.workers = max(1, workers)
        self.measured: list[float] = []  # grading time of each finished submission
        self.started = time.monotonic()
        self.enabled = enabled
        self.console = Console(stderr=True)
        self.bar: Progress | None = None
        if enabled and self.console.is_terminal and total:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("·"),
                TimeElapsedColumn(),
                TextColumn("· quedan ~{task.fields[left]}"),
                console=self.console,
            )
            self.task = self.bar.add_task(description, total=total, left=_duration(None))
            self.bar.start()

    def seconds_left(self) -> float | None:
        """Mean measured time x submissions left, over the workers they keep busy."""
        left = self.total - self.done
        if left <= 0:
            return 0.0
        measured = [s for s in self.measured if s > 0]
        if not measured:
            return None
        return sum(measured) / len(measured) * left / min(self.workers, left)

    def advance(self, line: str, seconds: float | None = None) -> None:
        self.done += 1
        if seconds is not None:
            self.measured.append(seconds)
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
            self.bar.update(self.task, advance=1, left=_duration(self.seconds_left()))
            return
        elapsed = time.monotonic() - self.started
        print(
            f"[{self.done}/{self.total}] {line} · {elapsed:.0f} s, "
            f"quedan ~{_duration(self.seconds_left())}",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
