"""Time limits that a busy machine does not eat: wall seconds minus the time the kernel waited
for a CPU.

On a machine shared with other jobs a kernel can be ready to run and still wait for a core: the
same honest notebook then takes three times as long in wall seconds, and a wall-clock limit cuts
it. Linux counts that wait per thread (`/proc/<pid>/task/<tid>/schedstat`, second field: time
spent runnable on a run queue). A `KernelClock` charges a limit with the wall seconds since it
started minus the longest such wait of any thread of the kernel's process tree, so:

- an honest notebook on a busy machine is charged about what it would take on an idle one;
- an infinite loop is charged the time it ran, and stopped after `limit` seconds of running;
- a kernel that sleeps or blocks waits for no CPU and is charged every wall second, as before;
- whatever happens, `limit * MAX_STRETCH` wall seconds stop it (a kernel that keeps one thread
  always runnable under load, or a system without schedstat files, cannot hold a batch forever).

Standard library only; on systems without /proc the clock is the wall clock.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

MAX_STRETCH = 6  # wall seconds a limit may last at most, in units of the limit


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as stream:
            return stream.read()
    except OSError:
        return ""


def tree_pids(root: int) -> list[int]:
    """`root` and its descendants (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def run_queue_waits(root: int) -> dict[int, float]:
    """Seconds each thread of the process tree under `root` has waited for a CPU."""
    waits = {}
    for pid in tree_pids(root):
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            fields = _read(f"/proc/{pid}/task/{tid}/schedstat").split()
            if len(fields) >= 2:
                waits[int(tid)] = int(fields[1]) / 1e9
    return waits


class KernelClock:
    """Seconds charged to one limit since `start()`, for the kernel whose pid is in `pidfile`."""

    def __init__(self, limit: float, pidfile: Path | str):
        self.limit = float(limit)
        self.pidfile = Path(pidfile)
        self.start()

    def start(self) -> None:
        self.started = time.monotonic()
        pid = self._kernel()  # no kernel yet: every wait of its threads is after the start
        self.baseline = run_queue_waits(pid) if pid is not None else {}

    def _kernel(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def waited(self) -> float:
        """The longest wait for a CPU of any kernel thread since the clock started."""
        pid = self._kernel()
        if pid is None:
            return 0.0
        waits = run_queue_waits(pid)
        return max((w - self.baseline.get(tid, 0.0) for tid, w in waits.items()), default=0.0)

    def charged(self) -> float:
        wall = time.monotonic() - self.started
        return max(0.0, wall - self.waited())

    def spent(self) -> bool:
        """Whether the limit is used up (always after `limit * MAX_STRETCH` wall seconds)."""
        if not self.limit:
            return False
        wall = time.monotonic() - self.started
        if wall < self.limit:
            return False
        return wall >= self.limit * MAX_STRETCH or self.charged() >= self.limit
