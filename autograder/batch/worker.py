"""A grading worker: a process that grades one submission at a time for the main process.

Protocol: the main process writes one JSON job per line on the worker's stdin; the worker grades
it, writes the `SubmissionResult` to `job["result_path"]` (atomically) and answers one JSON line
`{"id": ..., "ok": true}` on its stdout. Anything else the worker prints goes to stderr (a log
file). When stdin closes — the main process finished or was killed — the worker stops, killing
the kernel it may be running, so that no grading outlives its batch.

Workers never touch the main gradebook: nbgrader's sanitizers read a throwaway gradebook built
from the job's source cells (`task.py`), and the main process is the only one that writes grades
(SQLite does not like concurrent writers).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import traceback
from pathlib import Path

from autograder.batch.job import GradingJob
from autograder.batch.task import Workspace, build_task, run_task
from autograder.course import Course
from autograder.kernel.manager import kernel_pidfile, kill_process_group
from autograder.results import SubmissionResult


def grade_submission(job: GradingJob) -> SubmissionResult:
    """Grade every notebook of one student's assignment, here, with the course folder at hand.

    The very function a Dask worker runs (`task.run_task`), on the task packed from the course
    folder; only the place differs: the kernel works in autograded/<student>/<assignment>.
    """
    course = Course.open(job.course_dir)
    task = build_task(course, job)
    output = run_task(task, Workspace.in_course(course, job))
    return SubmissionResult.from_json(output.result)


class _Jobs:
    """Reads jobs from stdin in a thread, so that a closed stdin is noticed mid-job."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue()
        self.current: GradingJob | None = None
        self.closed = False
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            if line.strip():
                self.queue.put(line)
        # the main process is gone or done: stop now, with the kernel of any job in progress
        with self.lock:
            self.closed = True
            current = self.current
        if current is not None:
            kill_process_group(kernel_pidfile(current.scratch, current.student))
            os._exit(3)
        self.queue.put(None)

    def start(self, job: GradingJob) -> bool:
        """Take `job`, unless stdin has closed: a job read just before the main process died
        must not run (a restarted run grades it, in the same folders, at the same time)."""
        with self.lock:
            if self.closed:
                return False
            self.current = job
            return True


def main() -> None:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints (nbgrader, student code echoes) must not break the protocol
    jobs = _Jobs()
    while (line := jobs.queue.get()) is not None:
        job = GradingJob.from_line(line)
        if not jobs.start(job):
            break
        try:
            grade_submission(job).save(Path(job.result_path))
            reply = {"id": job.id, "ok": True}
        except Exception:
            traceback.print_exc()
            reply = {"id": job.id, "ok": False, "error": traceback.format_exc(limit=3)}
        jobs.current = None
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
