"""Progress of a grading batch: a bar with counts and ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class GradingProgress:
    """`advance(line)` after each submission; the line is printed above the bar."""

    def __init__(self, total: int, description: str, enabled: bool = True):
        self.total = total
        self.done = 0
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
                TextColumn("· quedan"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.task = self.bar.add_task(description, total=total)
            self.bar.start()

    def advance(self, line: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
            self.bar.advance(self.task)
            return
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.done * (self.total - self.done)
        print(
            f"[{self.done}/{self.total}] {line} · {elapsed:.0f} s, quedan ~{remaining:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
