"""A grading worker: a process that grades one submission at a time for the main process.

Protocol: the main process writes one JSON job per line on the worker's stdin; the worker grades
it, writes the `SubmissionResult` to `job["result_path"]` (atomically) and answers one JSON line
`{"id": ..., "ok": true}` on its stdout. Anything else the worker prints goes to stderr (a log
file). When stdin closes — the main process finished or was killed — the worker stops, killing
the kernel it may be running, so that no grading outlives its batch.

Workers never touch the main gradebook: nbgrader's sanitizers read a snapshot of it, and the main
process is the only one that writes grades (SQLite does not like concurrent writers).
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import queue
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

from autograder.batch.job import GradingJob, canonical_grader
from autograder.course import Course
from autograder.kernel.manager import kernel_pidfile, kill_process_group
from autograder.notebook.grader import NotebookTask
from autograder.notebook.limits import Limits
from autograder.notebook.source import SourceNotebook
from autograder.notebook.verdicts import prepare_in_background
from autograder.results import Problem, SubmissionResult


def load_grader(dotted: str):
    """`package.module:function` -> the function."""
    module_name, _, function_name = canonical_grader(dotted).partition(":")
    return getattr(importlib.import_module(module_name), function_name or "grade_notebook")


def prepare_workdir(course: Course, assignment: str, student: str) -> Path:
    """autograded/<student>/<assignment>, fresh: the student's extra files, then the course's.

    Like `nbgrader autograde`, files of the source folder (data, helper modules) overwrite the
    student's copies; notebooks are written by the grader.
    """
    workdir = course.autograded_dir / student / assignment
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    for origin in (course.submitted_dir / student / assignment, course.source_dir / assignment):
        if not origin.is_dir():
            continue
        for path in origin.rglob("*"):
            relative = path.relative_to(origin)
            if path.is_file() and _is_extra_file(relative):
                (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, workdir / relative)
    return workdir


def _is_extra_file(relative: Path) -> bool:
    return (
        relative.suffix != ".ipynb"
        and relative.name != "timestamp.txt"
        and ".ipynb_checkpoints" not in relative.parts
    )


def read_timestamp(course: Course, assignment: str, student: str) -> str | None:
    path = course.submitted_dir / student / assignment / "timestamp.txt"
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").strip() or None


def grade_submission(job: GradingJob) -> SubmissionResult:
    """Grade every notebook of one student's assignment."""
    started = time.monotonic()
    course = Course.open(job.course_dir)
    assignment, student = job.assignment, job.student
    grade_notebook = load_grader(job.notebook_grader)
    limits = Limits(**job.limits)
    workdir = prepare_workdir(course, assignment, student)
    submitted = course.submitted_dir / student / assignment
    result = SubmissionResult(
        assignment,
        student,
        job.fingerprint,
        problems=[Problem(**p) for p in job.problems],
        timestamp=read_timestamp(course, assignment, student),
    )
    for source_json in job.sources:
        source = SourceNotebook.from_json(source_json)
        task = NotebookTask(
            assignment=assignment,
            student=student,
            notebook=source.name,
            submitted_path=str(submitted / f"{source.name}.ipynb"),
            workdir=str(workdir),
            output_path=str(workdir / f"{source.name}.ipynb"),
            source=source,
            db_url=job.db_url,
            config=course.config,
            limits=limits,
            scratch=job.scratch,
            course_dir=str(course.root),
        )
        graded = grade_notebook(task)
        # collect already told the student about an unreadable or missing notebook
        told = {(problem.code, problem.notebook) for problem in result.problems}
        graded.problems = [p for p in graded.problems if (p.code, p.notebook) not in told]
        result.notebooks.append(graded)
    result.seconds = round(time.monotonic() - started, 2)
    result.graded_at = datetime.datetime.now().isoformat(timespec="seconds")
    return result


class _Jobs:
    """Reads jobs from stdin in a thread, so that a closed stdin is noticed mid-job."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue()
        self.current: GradingJob | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            if line.strip():
                self.queue.put(line)
        # the main process is gone or done: stop now, with the kernel of any job in progress
        if self.current is not None:
            kill_process_group(kernel_pidfile(self.current.scratch, self.current.student))
            os._exit(3)
        self.queue.put(None)


def main() -> None:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray prints (nbgrader, student code echoes) must not break the protocol
    jobs = _Jobs()
    while (line := jobs.queue.get()) is not None:
        job = GradingJob.from_line(line)
        jobs.current = job
        if job.uses_default_grader:
            prepare_in_background(job.sources)
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
