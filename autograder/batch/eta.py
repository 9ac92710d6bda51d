"""How long until grading jobs end, counting those still running (`grade`'s progress line, the
service's queue).

Each running job is expected to take the mean measured grading time; one already running longer
than that (a slow or looping notebook) is expected to run as long again as it has run, but not
past its notebook budget. Waiting jobs each take the mean, on the first slot to come free.
"""

from __future__ import annotations

import heapq

LATE_FLOOR = 1.0  # seconds still expected of a job past its budget (it is being stopped)


def running_left(elapsed: float, mean: float, budget: float = 0.0) -> float:
    """Seconds a job that has run `elapsed` seconds is still expected to take."""
    if elapsed < mean:
        return mean - elapsed
    left = elapsed  # longer than usual: as long again, for all we know
    if budget:
        left = min(left, max(LATE_FLOOR, budget - elapsed))
    return left


def finish_times(mean: float, waiting: int, running: list[float], slots: int,
                 budget: float = 0.0) -> tuple[list[float], list[float]]:
    """(seconds until each running job ends, until each waiting job ends, in queue order)."""
    running_ends = [running_left(elapsed, mean, budget) for elapsed in running]
    free = sorted(running_ends)[:max(1, slots)]
    free += [0.0] * max(0, slots - len(free))
    heapq.heapify(free)
    waiting_ends = []
    for _ in range(waiting):
        end = heapq.heappop(free) + mean
        waiting_ends.append(end)
        heapq.heappush(free, end)
    return running_ends, waiting_ends


def seconds_left(mean: float, waiting: int, running: list[float], slots: int,
                 budget: float = 0.0) -> float:
    """Seconds until the last of the running and waiting jobs ends."""
    running_ends, waiting_ends = finish_times(mean, waiting, running, slots, budget)
    return max([0.0, *running_ends, *waiting_ends])
