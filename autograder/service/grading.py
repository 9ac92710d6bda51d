"""The owner: queued submissions to the grading engine, results into the gradebook.

It runs in a process of its own (`owner.py`), started by the web process.

It is the service's only gradebook writer and the only thread that touches submitted/,
grading/ and autograded/. Each queued submission is graded exactly as `autograder grade` grades
a collected one: its bytes go to submitted/<student>/<assignment>/, `grade.py` plans it and
builds its job, the same executor runs it (the local worker pool, or a Dask cluster), and the
result is recorded with `grade.py`'s recorder. A student's submissions are graded one at a time,
in the order they came, so the gradebook ends with the last one that counts. A submission that
does not count (late, with `late = "feedback_only"`) is graded for the student's history, and
the one that counts is put back in submitted/, results/ and autograded/ afterwards.
"""

from __future__ import annotations

import datetime
import queue
import shutil
import threading
import time

from nbgrader.api import Gradebook

from autograder.batch import grade as engine
from autograder.batch.measured_limits import limits_for
from autograder.batch.pool import Outcome
from autograder.batch.state import GradingState, result_file
from autograder.course import AutograderError, Course
from autograder.intake.manifest import Manifest
from autograder.intake.roster import split_name
from autograder.results import SubmissionResult, write_json_atomically
from autograder.service.logs import log
from autograder.service.store import FAILED, GRADED, GRADING, Store, Submission


class Grader:
    def __init__(self, course: Course, store: Store, *, workers: int | None, limits,
                 access, allow_unsandboxed: bool, notebook_grader: str,
                 limit_overrides: dict | None = None):
        # limits: one `Limits` for every assignment, or None: each one's measured limits
        # (`autograder limits`, read again for each job), with `limit_overrides` on top
        self.course, self.store, self.limits = course, store, limits
        self.limit_overrides = limit_overrides
        self.workers, self.access = workers, access  # access: SchedulerAccess or None (local pool)
        self.allow_unsandboxed, self.notebook_grader = allow_unsandboxed, notebook_grader
        self.events: queue.Queue = queue.Queue()
        self.in_flight: dict[str, tuple[Submission, engine.Plan]] = {}  # job id -> ...
        self.stopping = threading.Event()
        self.pool = None
        self.threads: list[threading.Thread] = []
        self.dask_jobs: queue.Queue = queue.Queue()
        self.registered: set[str] = set()  # students whose name is in the gradebook

    # Life cycle -------------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        """Jobs handed out at once: two per local worker, so that a worker finds its next job
        waiting while the owner records the last one (the owner's work is serial)."""
        return 2 * self.pool.size if self.pool is not None else 10_000

    def running(self) -> int:
        """Jobs handed to the executor (being graded, or next in line for a worker)."""
        return len(self.in_flight)

    def slots(self) -> int:
        """Local workers (0 on a cluster: its size is the scheduler's)."""
        return self.pool.size if self.pool is not None else 0

    def elapsed(self) -> dict[str, float]:
        """Submission id -> seconds its job has run on a local worker so far (jobs waiting for
        a worker, and jobs on a cluster, are not in it)."""
        if self.pool is None:
            return {}
        now = time.monotonic()
        found = {}
        for slot, job in list(self.pool.running.items()):
            started, entry = self.pool.started.get(slot), self.in_flight.get(job.id)
            if started is not None and entry is not None:
                found[entry[0].id] = now - started
        return found

    def start(self) -> None:
        for submission in self.store.requeue_unfinished():  # graded by a killed run: record
            try:
                plan = self._plan(submission)
                result = SubmissionResult.from_json(submission.result)
                self._conclude(submission, plan, result, ok=True)
            except (AutograderError, OSError, ValueError, KeyError) as error:
                log("cannot_record", id=submission.id, error=str(error))
                self.store.finish(submission.id, FAILED)
        if self.access:
            self.threads.append(threading.Thread(target=self._cluster_loop, daemon=True))
        else:
            self.pool = engine._executor(self.course, self.workers, None, False)
            self.pool.done = self.events  # the pool's slots report straight to the owner
            self.pool.log_dir.mkdir(parents=True, exist_ok=True)
            self.threads += [threading.Thread(target=self.pool._slot, args=(n,), daemon=True)
                             for n in range(self.pool.size)]
        self.owner = threading.Thread(target=self._own, daemon=True, name="gradebook-owner")
        for thread in [*self.threads, self.owner]:
            thread.start()
        self.wake()

    def wake(self) -> None:
        self.events.put("wake")

    def stop(self) -> None:
        """Running jobs are stopped with their kernels and go back to the queue."""
        self.stopping.set()
        self.wake()
        self.owner.join(timeout=30)
        if self.pool is not None:
            self.pool.shutdown()
        for thread in self.threads:
            thread.join(timeout=30)
        interrupted = len(self.store.with_status(GRADING))
        self.store.requeue_unfinished()  # those with a stored result are recorded on next start
        log("grader_stopped", back_to_queue=interrupted)

    # The owner loop -----------------------------------------------------------------------------

    def _own(self) -> None:
        while not self.stopping.is_set():
            try:
                event = self.events.get(timeout=2)
            except queue.Empty:
                event = None
            if self.stopping.is_set():
                break
            try:
                if isinstance(event, Outcome):
                    self._finish(event)
                elif isinstance(event, tuple) and event[0] == "requeue":
                    submission, _ = self.in_flight.pop(event[1].id)
                    self.store.finish(submission.id, "queued")
                self._dispatch()
            except Exception as error:  # the service goes on; the instructor reads the log
                log("owner_error", error=f"{type(error).__name__}: {error}")
                time.sleep(1)

    def _dispatch(self) -> None:
        while len(self.in_flight) < self.capacity and not self.stopping.is_set():
            busy = {(s.student, s.assignment) for s, _ in self.in_flight.values()}
            submission = self.store.claim(busy)
            if submission is None:
                return
            started = time.monotonic()
            try:
                plan = self._prepare(submission)
                limits = self.limits_of(submission.assignment)
                job = engine._jobs(self.course, [plan], {plan.assignment: limits},
                                   self.notebook_grader)[0]
            except (AutograderError, OSError, ValueError) as error:
                log("cannot_grade", id=submission.id, error=str(error))
                self.store.finish(submission.id, FAILED)
                continue
            self.in_flight[job.id] = (submission, plan)
            log("grading", id=submission.id, student=submission.student,
                assignment=submission.assignment,
                prepare_ms=round(1000 * (time.monotonic() - started), 1))
            (self.dask_jobs if self.access else self.pool.jobs).put(job)

    def _finish(self, outcome: Outcome) -> None:
        submission, plan = self.in_flight.pop(outcome.job.id)
        started = time.monotonic()
        result = engine._result_of(outcome, plan)
        self.store.save_result(submission.id, result.to_json(), outcome.ok)
        self._keep_autograded(submission)
        self._conclude(submission, plan, result, outcome.ok)
        log("graded", id=submission.id, student=submission.student,
            assignment=submission.assignment, points=result.points,
            max_points=result.max_points, seconds=result.seconds, ok=outcome.ok,
            record_ms=round(1000 * (time.monotonic() - started), 1))

    def _conclude(self, submission: Submission, plan, result: SubmissionResult, ok: bool):
        if submission.counts:
            # state.json as it is now: another job, planned later, may have been recorded since
            plan.state = GradingState(plan.state.folder)
            with Gradebook(self.course.db_url, self.course.course_id) as gradebook:
                engine._record(gradebook, plan, result)
        else:
            self._put_back_counting(submission)
        self.store.finish(submission.id, GRADED if ok else FAILED)

    def limits_of(self, assignment: str):
        return limits_for(self.course, assignment, self.limits, self.limit_overrides)[0]

    # Files ---------------------------------------------------------------------------------------

    def _submitted(self, submission: Submission):
        return self.course.submitted_dir / submission.student / submission.assignment

    def _prepare(self, submission: Submission) -> engine.Plan:
        notebooks = self.course.source_notebooks(submission.assignment)
        if len(notebooks) != 1:
            raise AutograderError(f"{submission.assignment} tiene {len(notebooks)} cuadernos; "
                                  "el servicio corrige tareas de un solo cuaderno")
        self._write_submitted(submission, notebooks[0])
        person = self.store.person(submission.student)
        name = person.name if person else ""
        email = person.email if person else ""
        manifest = Manifest.read(self.course, submission.assignment)
        earlier = manifest.students.get(submission.student, {})
        manifest.students[submission.student] = {
            "student": submission.student, "folder": earlier.get("folder", ""),
            "name": name or earlier.get("name", ""), "email": email or earlier.get("email", ""),
            "moodle_id": earlier.get("moodle_id", ""), "files": [submission.filename],
            "extra_files": [], "notebooks": {notebooks[0]: submission.filename},
            "timestamp": submission.received_at, "problems": [],
        }
        manifest.write(self.course)
        if submission.student not in self.registered:  # names and e-mail for export
            first, last = split_name(name)
            with Gradebook(self.course.db_url, self.course.course_id) as gradebook:
                details = {"first_name": first or None, "last_name": last or None}
                if email:
                    details["email"] = email
                gradebook.update_or_create_student(submission.student, **details)
            self.registered.add(submission.student)
        return self._plan(submission)

    def _plan(self, submission: Submission) -> engine.Plan:
        return engine._plan(self.course, submission.assignment, [submission.student], True,
                            False, self.notebook_grader)

    def _write_submitted(self, submission: Submission, notebook: str) -> None:
        folder = self._submitted(submission)
        if folder.is_dir():  # as with collect: the newest submission replaces the folder
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        shutil.copyfile(self.store.upload_path(submission.id), folder / f"{notebook}.ipynb")
        received = datetime.datetime.fromisoformat(submission.received_at)
        (folder / "timestamp.txt").write_text(
            received.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC\n"),
            encoding="utf-8")

    def _graded_copy(self, submission: Submission):
        return self.store.folder / "graded" / submission.id

    def _keep_autograded(self, submission: Submission) -> None:
        """The executed notebooks of every submission, to put back the one that counts."""
        source = self.course.autograded_dir / submission.student / submission.assignment
        target = self._graded_copy(submission)
        if target.exists():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target)

    def _put_back_counting(self, submission: Submission) -> None:
        counting = [s for s in self.store.of_student(submission.student)
                    if s.assignment == submission.assignment and s.counts
                    and s.result is not None]
        folder = self._submitted(submission)
        results = result_file(self.course.grading_dir / submission.assignment,
                              submission.student)
        autograded = self.course.autograded_dir / submission.student / submission.assignment
        for path in (folder, autograded):
            if path.is_dir():
                shutil.rmtree(path)
        results.unlink(missing_ok=True)
        if not counting:
            return
        last = counting[0]  # newest first
        self._write_submitted(last, self.course.source_notebooks(last.assignment)[0])
        write_json_atomically(results, last.result)
        if self._graded_copy(last).is_dir():
            shutil.copytree(self._graded_copy(last), autograded)

    # Dask -----------------------------------------------------------------------------------------

    def _cluster_loop(self) -> None:
        """Batches of whatever is waiting, each through `grade`'s cluster executor."""
        while not self.stopping.is_set():
            try:
                jobs = [self.dask_jobs.get(timeout=1)]
            except queue.Empty:
                continue
            while True:
                try:
                    jobs.append(self.dask_jobs.get_nowait())
                except queue.Empty:
                    break
            done = set()
            try:
                executor = engine._executor(self.course, None, self.access, self.allow_unsandboxed)
                for outcome in executor.outcomes(jobs):
                    done.add(outcome.job.id)
                    self.events.put(outcome)
            except AutograderError as error:
                log("cluster_error", error=str(error))
                for job in jobs:
                    if job.id not in done:
                        self.events.put(("requeue", job))
                time.sleep(10)
