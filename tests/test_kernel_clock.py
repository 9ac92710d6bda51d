"""The kernel's clock (`autograder/kernel/clock.py`): a busy machine does not eat a limit, a
sleeping or looping kernel is still stopped.

The load is made here, bounded: a few busy processes of the test's own, pinned with the process
under watch to one CPU, killed at the end. Margins are wide: the checks hold however busy the
machine already is, since more load only makes the starved process wait longer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from autograder.kernel.clock import MAX_STRETCH, KernelClock

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "sched_setaffinity") and os.path.exists("/proc/self/schedstat")),
    reason="needs Linux schedstat and CPU affinity")

SPIN = [sys.executable, "-c", "while True:\n    pass"]


def pinned(command, cpu: int) -> subprocess.Popen:
    return subprocess.Popen(command, preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))


@pytest.fixture
def one_cpu():
    return min(os.sched_getaffinity(0))


def clock_for(tmp_path, process: subprocess.Popen, limit: float) -> KernelClock:
    pidfile = tmp_path / "kernel.pid"
    pidfile.write_text(str(process.pid))
    return KernelClock(limit, pidfile)


def wait_until(clock: KernelClock, seconds: float) -> None:
    time.sleep(max(0.0, clock.started + seconds - time.monotonic()))


def test_a_starved_process_is_charged_only_the_time_it_could_run(tmp_path, one_cpu):
    rivals = [pinned(SPIN, one_cpu) for _ in range(3)]
    watched = pinned(SPIN, one_cpu)  # an honest kernel, busy, sharing its CPU with three others
    try:
        clock = clock_for(tmp_path, watched, limit=1.0)
        wait_until(clock, 2.5)
        assert clock.charged() < 1.5  # it had about a quarter of 2.5 s of CPU
        assert not clock.spent()
        wait_until(clock, MAX_STRETCH + 0.5)
        assert clock.spent()  # the backstop: it cannot hold the batch forever
    finally:
        for process in (*rivals, watched):
            process.kill()
            process.wait()


def test_a_sleeping_process_is_charged_every_wall_second(tmp_path):
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        clock = clock_for(tmp_path, sleeper, limit=1.0)
        wait_until(clock, 0.5)
        assert not clock.spent()
        wait_until(clock, 1.2)
        assert clock.charged() >= 1.0 and clock.spent()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_without_a_kernel_the_clock_is_the_wall_clock(tmp_path):
    clock = KernelClock(0.3, tmp_path / "missing.pid")
    time.sleep(0.4)
    assert clock.spent()
    assert not KernelClock(0, tmp_path / "missing.pid").spent()  # 0: no limit
