"""Run grading jobs on N worker processes; hand every outcome to the caller's thread.

One thread per slot feeds its worker (`python -m autograder.batch.worker`) one job at a time and
waits for the answer with a deadline. A worker that misses the deadline or dies is killed with its
whole process group and its kernel's, its job is reported as lost, and a fresh worker takes the
next job: one bad submission never stops the batch. Outcomes arrive on one queue, so a single
thread (the caller's) writes the gradebook.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from autograder import messages
from autograder.batch.job import GradingJob
from autograder.kernel.manager import kernel_pidfile, kill_process_group


@dataclass
class Outcome:
    job: GradingJob
    ok: bool
    reason: str = ""  # why the job was lost, for the student's feedback (Spanish)


class WorkerProcess:
    """One `python -m autograder.batch.worker` in its own process group."""

    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.replies: queue.Queue = queue.Queue()

    def start(self) -> None:
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.batch.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            bufsize=1,
            start_new_session=True,  # killpg reaches it and everything it started
        )
        log.close()
        self.replies = queue.Queue()
        threading.Thread(target=self._read, args=(self.process, self.replies), daemon=True).start()

    @staticmethod
    def _read(process: subprocess.Popen, replies: queue.Queue) -> None:
        for line in process.stdout:
            replies.put(line)
        replies.put(None)  # the worker exited

    def run(self, job: GradingJob, deadline: float) -> Outcome:
        if self.process is None or self.process.poll() is not None:
            self.start()
        try:
            self.process.stdin.write(job.to_line() + "\n")
            self.process.stdin.flush()
            line = self.replies.get(timeout=deadline)
        except (BrokenPipeError, OSError):
            line = None
        except queue.Empty:
            self.kill(job)
            return Outcome(job, False, messages.WORKER_DEADLINE.format(seconds=deadline))
        if line is None:
            self.kill(job)
            return Outcome(job, False, messages.WORKER_DIED)
        reply = json.loads(line)
        if not reply.get("ok"):
            detail = reply.get("error", "")[-300:]
            return Outcome(job, False, messages.WORKER_ERROR.format(detail=detail))
        return Outcome(job, True)

    def kill(self, job: GradingJob | None = None) -> None:
        # may run in the main thread (Ctrl-C) while the slot thread uses the worker: local refs
        process, self.process = self.process, None
        if job is not None:
            kill_process_group(kernel_pidfile(job.scratch, job.student))
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

    def stop(self) -> None:
        """Close stdin (the worker exits by itself) and reap it."""
        process = self.process
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        self.process = None


class WorkerPool:
    """`size` workers sharing a job queue; `outcomes()` yields results as they finish."""

    def __init__(self, size: int, log_dir: Path, deadline: Callable[[dict], float]):
        self.size = max(1, size)
        self.log_dir = Path(log_dir)
        self.deadline = deadline
        self.jobs: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.workers = [
            WorkerProcess(self.log_dir / f"worker-{number + 1}.log") for number in range(self.size)
        ]
        self.running: dict[int, dict] = {}
        self.started: dict[int, float] = {}  # slot -> monotonic time its job started
        self.stopping = threading.Event()

    def running_seconds(self) -> list[float]:
        """How long each running job has run so far (for the estimate of the time left)."""
        now = time.monotonic()
        return [now - started for started in list(self.started.values())]

    def _slot(self, number: int) -> None:
        worker = self.workers[number]
        while not self.stopping.is_set():
            job = self.jobs.get()
            if job is None or self.stopping.is_set():
                break
            self.running[number] = job
            self.started[number] = time.monotonic()
            outcome = worker.run(job, self.deadline(job))
            self.started.pop(number, None)
            self.running.pop(number, None)
            self.done.put(outcome)
        worker.stop()

    def outcomes(self, jobs: list[dict]) -> Iterator[Outcome]:
        """Grade `jobs`; yield each outcome in the calling thread, as soon as it is known."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for job in jobs:
            self.jobs.put(job)
        slots = min(self.size, len(jobs))
        for _ in range(slots):
            self.jobs.put(None)
        threads = [
            threading.Thread(target=self._slot, args=(number,), daemon=True)
            for number in range(slots)
        ]
        for thread in threads:
            thread.start()
        try:
            for _ in jobs:
                yield self.done.get()
        finally:
            self.shutdown()
            for thread in threads:  # each stops (and reaps) its worker: none outlives the batch
                thread.join(timeout=60)

    def shutdown(self) -> None:
        """Stop now (also on Ctrl-C): running jobs are killed with their kernels; each slot
        thread then stops its own worker."""
        self.stopping.set()
        while True:  # jobs nobody started stay ungraded (a re-run picks them up)
            try:
                self.jobs.get_nowait()
            except queue.Empty:
                break
        for _ in self.workers:
            self.jobs.put(None)  # wake the slot threads waiting for a job
        for number, worker in enumerate(self.workers):
            job = self.running.get(number)
            if job is not None:
                worker.kill(job)
