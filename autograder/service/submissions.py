"""Handing in and reading back: the checks before an upload is accepted, and what a caller
reads of a submission (its status, queue position, ETA, and the result as the policy allows)."""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass, field

from autograder.batch import eta
from autograder.course import AutograderError, Course
from autograder.messages import service as said
from autograder.notebook.notebook_file import parse_notebook
from autograder.notebook.source import read_sources_in_order
from autograder.service import reveal
from autograder.service.logs import log
from autograder.service.policy import CLOSED, LATE, NOT_OPEN, Policy, load_policy
from autograder.service.store import (
    GRADED,
    GRADING,
    INSTRUCTOR,
    QUEUED,
    Holder,
    Store,
    Submission,
    now,
)
from autograder.service.upload import Refusal, check_file_name


@dataclass
class Service:
    course: Course
    store: Store
    max_upload: int
    secret: bytes
    grader: object | None = None  # owner.OwnerProcess (None: accepting only, in some tests)
    _hidden: dict[str, set] = field(default_factory=dict)

    @property
    def folder(self):
        return self.store.folder

    def assignments(self) -> list[str]:
        """Released assignments of one notebook (the gradebook has their source cells)."""
        return [a for a in self.course.source_assignments()
                if len(self.course.source_notebooks(a)) == 1 and self.hidden_cells(a) is not None]

    def hidden_cells(self, assignment: str) -> set | None:
        if assignment not in self._hidden:
            try:
                self._hidden[assignment] = reveal.hidden_cells(
                    read_sources_in_order(self.course, assignment))
            except AutograderError:
                return None  # not released: not offered
        return self._hidden[assignment]

    def policy(self, assignment: str) -> Policy:
        try:
            return load_policy(self.folder, assignment)
        except AutograderError as error:
            log("policy_error", assignment=assignment, error=str(error))
            raise Refusal(503, said.POLICY_BROKEN.format(assignment=assignment)) from None


def accept(service: Service, holder: Holder, assignment: str, filename: str,
           data: bytes) -> Submission:
    """Check an upload and store it, or raise the Refusal that says why not."""
    started = time.monotonic()
    known = service.assignments()
    if assignment not in known:
        raise Refusal(404, said.UNKNOWN_ASSIGNMENT.format(
            assignment=assignment[:80], known=", ".join(known) or "ninguna"))
    policy = service.policy(assignment)
    received = now()
    state = policy.state(received)
    if state == NOT_OPEN:
        raise Refusal(403, said.NOT_OPEN.format(assignment=assignment,
                                                opens=policy.local(policy.opens)))
    if state == CLOSED:
        raise Refusal(403, said.CLOSED.format(assignment=assignment,
                                              closed=policy.local(policy.late_until)))
    check_file_name(filename, assignment)
    notebook = service.course.source_notebooks(assignment)[0]
    _, problem = parse_notebook(data, notebook)
    if problem is not None:
        raise Refusal(422, said.refused_notebook(problem.message))
    late = state == LATE

    def allowed(recent: list[datetime.datetime]):
        if len(recent) < policy.per_hour:
            return None
        if policy.per_hour == 0:
            return Refusal(429, said.TOO_MANY.format(count=len(recent), assignment=assignment,
                                                     limit=0, next_time="—"))
        next_time = recent[-policy.per_hour] + datetime.timedelta(hours=1)
        wait = max(1, math.ceil((next_time - received).total_seconds()))
        return Refusal(429, said.TOO_MANY.format(
            count=len(recent), assignment=assignment, limit=policy.per_hour,
            next_time=policy.local(next_time)), {"Retry-After": str(wait)},
            {"next_allowed_at": next_time.isoformat()})

    counts = not late or policy.late == "counts"
    checked = time.monotonic()
    submission = service.store.accept(holder.who, assignment, filename, data, received, late,
                                      counts, allowed)
    log("accepted", id=submission.id, student=holder.who, assignment=assignment,
        bytes=submission.size, sha256=submission.sha256, late=late,
        check_ms=round(1000 * (checked - started), 1),
        store_ms=round(1000 * (time.monotonic() - checked), 1))
    if service.grader is not None:
        service.grader.wake()
    return submission


def own_submission(service: Service, holder: Holder, submission_id: str) -> Submission:
    """The submission if the caller may see it; otherwise the same 404 as for none at all."""
    submission = service.store.get(submission_id) if len(submission_id) < 64 else None
    if submission is None or (holder.role != INSTRUCTOR and submission.student != holder.who):
        raise Refusal(404, said.NO_SUCH_SUBMISSION)
    return submission


def queue_place(service: Service, submission: Submission) -> tuple[int | None, float | None]:
    """(position in the queue, seconds until its feedback) from measured grading times,
    counting the jobs still running: one running far past the mean (a looping notebook) holds
    its worker until its budget stops it (`batch/eta.py`)."""
    measured = service.store.measured_seconds()
    mean = sum(measured) / len(measured) if measured else None
    grader = service.grader
    slots = max(1, grader.slots() if grader is not None else 1)
    running = grader.elapsed() if grader is not None else {}
    if submission.status not in (GRADING, QUEUED):
        return None, None
    ahead = 0
    if submission.status == QUEUED:
        ahead = 1 + sum(1 for s in service.store.with_status(QUEUED) if s.seq < submission.seq)
    if mean is None:
        return ahead, None
    try:
        budget = grader.limits_of(submission.assignment).notebook_budget if grader else 0
    except AutograderError:  # a damaged limits.json: the owner logs it; the ETA goes on
        budget = 0
    if submission.id in running:
        return 0, eta.running_left(running[submission.id], mean, budget)
    # handed to a worker's line but not started yet, or waiting in the queue: behind the jobs
    # handed out and not started, and those queued before it
    handed = grader.running() - len(running) if grader is not None else 0
    waiting = max(0, handed - (1 if submission.status == GRADING else 0)) + max(0, ahead - 1)
    _, ends = eta.finish_times(mean, waiting + 1, list(running.values()), slots, budget)
    return ahead, ends[-1]


def describe(service: Service, submission: Submission, holder: Holder) -> dict:
    """The API's JSON for one submission, as this caller may read it."""
    policy = service.policy(submission.assignment)
    moment = now()
    position, seconds = queue_place(service, submission)
    data = {
        "id": submission.id, "assignment": submission.assignment, "student": submission.student,
        "status": submission.status, "received_at": submission.received_at,
        "file_name": submission.filename, "size": submission.size, "sha256": submission.sha256,
        "late": submission.late, "counts": submission.counts,
        "status_url": f"/api/submissions/{submission.id}",
        "feedback_url": f"/estudiante/entregas/{submission.id}",
        "queue_position": position, "eta_seconds": None if seconds is None else round(seconds),
        "points": None, "max_points": None, "tests": [], "problems": [],
    }
    if submission.result is not None and submission.status != QUEUED:
        if holder.role == INSTRUCTOR:
            view = reveal.student_view(submission.result, "full", False, set(), student=False)
        else:
            view = reveal.student_view(
                submission.result, policy.view(moment), not policy.past_deadline(moment),
                service.hidden_cells(submission.assignment) or set())
        data.update(view)
    data["graded"] = submission.status == GRADED
    return data
