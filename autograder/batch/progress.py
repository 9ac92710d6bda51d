"""Progress of a grading batch: a bar with counts and ETA on a terminal, plain lines otherwise.

The time left is estimated from the measured grading time of the notebooks finished so far
(their mean, times those left, shared among the workers), not from the wall clock since the
start: with N workers the first result arrives after one notebook's time, and "elapsed / done
x left" then overestimates by about N (4-5x with the default workers on a class). Jobs still
running count (`eta.py`): one running far longer than the mean (a notebook looping until its
budget) keeps the estimate up, and the estimate is refreshed while nothing finishes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from autograder.batch import eta

REFRESH_SECONDS = 2  # the bar's estimate, while nothing finishes
QUIET_LINE_SECONDS = 60  # without a terminal: a line when nothing finished for this long


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "calculando…"
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class GradingProgress:
    """`advance(line, seconds)` after each submission; the line is printed above the bar."""

    def __init__(self, total: int, description: str, enabled: bool = True, workers: int = 1,
                 running: Callable[[], list[float]] | None = None, budget: float = 0.0):
        """running: seconds each running job has run so far (None: unknown, e.g. on a
        cluster); budget: the longest notebook budget, past which no job is expected to run."""
        self.total = total
        self.running = running
        self.budget = budget
        self.last_line = time.monotonic()
        self.stopped = threading.Event()
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
        if enabled and total and running is not None:
            threading.Thread(target=self._tick, daemon=True).start()

    def seconds_left(self) -> float | None:
        """The running jobs' expected rest, then the waiting ones at the mean measured time."""
        left = self.total - self.done
        if left <= 0:
            return 0.0
        measured = [s for s in self.measured if s > 0]
        if not measured:
            return None
        mean = sum(measured) / len(measured)
        if self.running is None:  # mean time x submissions left, over the workers they use
            return mean * left / min(self.workers, left)
        running = self.running()[:left]
        return eta.seconds_left(mean, left - len(running), running, self.workers, self.budget)

    def _tick(self) -> None:
        while not self.stopped.wait(REFRESH_SECONDS):
            if self.bar is not None:
                self.bar.update(self.task, left=_duration(self.seconds_left()))
            elif time.monotonic() - self.last_line >= QUIET_LINE_SECONDS:
                running = self.running() if self.running else []
                longest = f", la más larga lleva {_duration(max(running))}" if running else ""
                self._print(f"corrigiendo {len(running)} entrega(s){longest}")

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
        self._print(line)

    def _print(self, line: str) -> None:
        self.last_line = time.monotonic()
        elapsed = self.last_line - self.started
        print(
            f"[{self.done}/{self.total}] {line} · {elapsed:.0f} s, "
            f"quedan ~{_duration(self.seconds_left())}",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        self.stopped.set()
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
