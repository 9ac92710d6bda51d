"""`autograder grade`: autograde every collected submission, N at a time, resumably.

The main process plans (what is new, what was graded but not recorded, what is done), hands the
new submissions to a pool of worker processes (`pool.py`, `worker.py`), and is the only writer of
the gradebook: each result is recorded as soon as it arrives, then marked done (`state.py`).
Killing a run loses at most the submissions being graded at that moment; the next run grades those
and nothing else.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import messages
from autograder.batch.access import scheduler_access
from autograder.batch.cluster import ClusterExecutor
from autograder.batch.job import DEFAULT_NOTEBOOK_GRADER, GradingJob
from autograder.batch.measured_limits import limits_for
from autograder.batch.pool import Outcome, WorkerPool
from autograder.batch.progress import GradingProgress
from autograder.batch.record import is_recorded, record
from autograder.batch.state import GradingState, fingerprint, settings_of
from autograder.batch.task import read_kernelspecs
from autograder.course import AutograderError, Course
from autograder.intake.manifest import Manifest
from autograder.kernel import sandbox
from autograder.kernel.clock import MAX_STRETCH
from autograder.notebook.limits import Limits
from autograder.notebook.scoring import zero_cells
from autograder.notebook.source import SourceNotebook, read_sources_in_order
from autograder.results import MANUAL, NotebookResult, Problem, SubmissionResult

GRACE_SECONDS = 120  # on top of the notebook budgets: worker start, sanitizing, writing


@dataclass
class GradeSummary:
    graded: list[SubmissionResult] = field(default_factory=list)  # graded in this run
    recorded_only: int = 0  # graded by a killed run, recorded now
    skipped: int = 0  # unchanged since they were graded
    seconds: float = 0.0

    @property
    def attention(self) -> list[SubmissionResult]:
        return [result for result in self.graded if result.all_problems]


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def grade(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    students: list[str] | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    limit_overrides: dict | None = None,
    force: bool = False,
    retry_errors: bool = False,
    notebook_grader: str = DEFAULT_NOTEBOOK_GRADER,
    show_progress: bool = True,
    scheduler: str | None = None,
    tls_ca_file: str | os.PathLike | None = None,
    tls_cert: str | os.PathLike | None = None,
    tls_key: str | os.PathLike | None = None,
    allow_insecure_scheduler: bool = False,
    allow_unsandboxed: bool = False,
) -> GradeSummary:
    """Grade the collected submissions of `assignments` (default: every one with submissions).

    Args:
        students: only these students (default: everyone who submitted).
        workers: submissions graded at the same time (default: number of CPUs).
        limits: per-cell timeout, notebook budget, memory cap, for every assignment (default:
            each assignment's measured limits, `autograder limits`, or without a measurement
            the course's Execute.timeout per cell and `Limits` defaults for the rest).
        limit_overrides: `Limits` fields that win over the measured limits (the CLI's options).
        force: regrade even unchanged, already recorded submissions.
        retry_errors: regrade the submissions whose last grading had a problem.
        notebook_grader: `module:function` grading one notebook (see notebook_grader.py).
        scheduler: address of a Dask scheduler (`tls://HOST:PORT`; default: the
            AUTOGRADER_SCHEDULER variable, if set): grade there, one task per submission
            (`cluster.py`); without one, on `workers` local processes.
        tls_ca_file, tls_cert, tls_key: the cluster's CA certificate and the instructor's
            client certificate and key (`autograder certificates`; default: the
            AUTOGRADER_TLS_CA_FILE, AUTOGRADER_TLS_CERT, AUTOGRADER_TLS_KEY variables).
            A `tls://` scheduler needs all three (`access.py`).
        allow_insecure_scheduler: accept a plain `tcp://` scheduler that is not on loopback
            (anyone reaching it can run code on the workers).
        allow_unsandboxed: on a cluster, let workers without bubblewrap grade.
    """
    course = Course.open(course_dir)
    # checked before the lock is taken or anything written: a refused address changes nothing
    access = scheduler_access(scheduler, tls_ca_file=tls_ca_file, tls_cert=tls_cert,
                              tls_key=tls_key, allow_insecure=allow_insecure_scheduler)
    if access is None and sandbox.bwrap_path() is None:
        print(sandbox.WARNING, file=sys.stderr)  # grading goes on, but the instructor must know
    started = time.monotonic()
    summary = GradeSummary()
    with _exclusive(course):
        plans = [
            _plan(course, assignment, students, force, retry_errors, notebook_grader)
            for assignment in _assignments(course, assignments)
        ]
        chosen = {}
        for plan in plans:
            chosen[plan.assignment], line = limits_for(course, plan.assignment, limits,
                                                       limit_overrides)
            if line and show_progress and plan.grade:
                print(f"límites: {line}", file=sys.stderr)
        with Gradebook(course.db_url, course.course_id) as gradebook:
            for plan in plans:
                summary.skipped += len(plan.skip)
                for student in plan.record_only:
                    _record(gradebook, plan, SubmissionResult.load(plan.state.result_path(student)))
                    summary.recorded_only += 1
            jobs = _jobs(course, plans, chosen, notebook_grader)
            if jobs:
                executor = _executor(course, workers, access, allow_unsandboxed)
                summary.graded = _run(gradebook, plans, jobs, executor, show_progress)
    summary.seconds = round(time.monotonic() - started, 1)
    return summary


# Planning ------------------------------------------------------------------------------------

@dataclass
class Plan:
    assignment: str
    sources: list[SourceNotebook]
    state: GradingState
    fingerprints: dict[str, str]
    collect_problems: dict[str, list[dict]]
    grade: list[str] = field(default_factory=list)
    record_only: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)


def _assignments(course: Course, requested: list[str] | None) -> list[str]:
    if requested:
        for assignment in requested:
            course.require_assignment(assignment)
        return list(requested)
    found = [
        assignment for assignment in course.source_assignments() if _submitters(course, assignment)
    ]
    if not found:
        raise AutograderError(f"no hay entregas en {course.submitted_dir}: "
                              "ejecuta antes `autograder collect`")
    return found


def _submitters(course: Course, assignment: str) -> list[str]:
    if not course.submitted_dir.is_dir():
        return []
    return sorted(
        folder.name
        for folder in course.submitted_dir.iterdir()
        if (folder / assignment).is_dir()
    )


def _plan(course, assignment, students, force, retry_errors, notebook_grader) -> Plan:
    sources = read_sources_in_order(course, assignment)
    state = GradingState(course.grading_dir / assignment)
    collect_problems = _collect_problems(course, assignment)
    settings = settings_of(notebook_grader, sources)
    plan = Plan(assignment, sources, state, {}, collect_problems)
    everyone = _submitters(course, assignment)
    if not everyone:
        raise AutograderError(
            f"no hay entregas de {assignment} en {course.submitted_dir}: "
            "ejecuta antes `autograder collect`"
        )
    unknown = sorted(set(students or []) - set(everyone))
    if unknown:
        raise AutograderError(f"no hay entrega de {assignment} de: {', '.join(unknown)}")
    with Gradebook(course.db_url, course.course_id) as gradebook:
        for student in students or everyone:
            submitted = course.submitted_dir / student / assignment
            settings["collect"] = collect_problems.get(student, [])
            fp = fingerprint(submitted, [s.name for s in sources], settings)
            plan.fingerprints[student] = fp
            last_status = state.recorded.get(student, {}).get("status")
            if force or (retry_errors and last_status not in (None, "ok")):
                plan.grade.append(student)
            elif state.is_recorded(student, fp) and is_recorded(gradebook, assignment, student):
                plan.skip.append(student)
            elif state.has_result(student, fp):
                plan.record_only.append(student)
            else:
                plan.grade.append(student)
    return plan


def _collect_problems(course: Course, assignment: str) -> dict[str, list[dict]]:
    manifest = Manifest.read(course, assignment)
    return {student: manifest.problems_of(student) for student in manifest.students}


def _jobs(course: Course, plans: list[Plan], limits: dict[str, Limits],
          notebook_grader: str) -> list[GradingJob]:
    """limits: each assignment's `Limits`."""
    jobs = []
    for plan in plans:
        kernelspecs = read_kernelspecs(course.db_url, plan.assignment) if plan.grade else {}
        scratch = course.grading_dir / plan.assignment / ".scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        for student in plan.grade:
            jobs.append(GradingJob(
                id=f"{plan.assignment}/{student}",
                course_dir=str(course.root),
                assignment=plan.assignment,
                student=student,
                fingerprint=plan.fingerprints[student],
                result_path=str(plan.state.result_path(student)),
                db_url="",  # workers build a throwaway gradebook from `sources` (task.py)
                sources=[source.to_json() for source in plan.sources],
                limits=dict(limits[plan.assignment].__dict__),
                scratch=str(scratch),
                notebook_grader=notebook_grader,
                problems=plan.collect_problems.get(student, []),
                kernelspecs=kernelspecs,
            ))
    # Longest first: the batch then ends with short notebooks, not one long one on a lone worker.
    jobs.sort(key=lambda job: _code_size(course, job), reverse=True)
    return jobs


def _code_size(course: Course, job: GradingJob) -> int:
    """Characters of code in a submission's notebooks: a cheap guess at how long it runs."""
    folder = course.submitted_dir / job.student / job.assignment
    size = 0
    for source in job.sources:
        try:
            notebook = json.loads((folder / f"{source['name']}.ipynb").read_text(encoding="utf-8"))
            size += sum(len("".join(cell.get("source", ""))) for cell in notebook["cells"]
                        if cell.get("cell_type") == "code")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # missing or broken: it fails fast
    return size


@contextmanager
def _exclusive(course: Course, holder: str = "autograder grade"):
    """One grading run per course at a time: two would both write the gradebook. The lock file
    says who holds it (`grade` or `serve`), for the refusal."""
    course.grading_dir.mkdir(parents=True, exist_ok=True)
    with open(course.grading_dir / ".lock", "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            other = lock.read().strip()[:200] or "autograder grade"
            raise AutograderError(
                f"{course.root} ya lo está corrigiendo `{other}`: solo uno puede escribir el "
                "libro de notas a la vez" + (
                    "; las entregas del servicio se corrigen solas, o páralo antes"
                    if "serve" in other else "")
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{holder} (pid {os.getpid()})\n")
        lock.flush()
        yield lock  # `serve` hands it to its owner process: held while either one lives


# Running and recording -----------------------------------------------------------------------

def _executor(course, workers, access, allow_unsandboxed):
    """Local worker processes (measured faster on one machine: BENCHMARKS.md), or a cluster."""
    if access:
        return ClusterExecutor(access, course, allow_unsandboxed=allow_unsandboxed)
    return WorkerPool(
        workers or default_workers(),
        course.grading_dir / "logs",
        # the kernels' limits may last up to MAX_STRETCH times longer on a busy machine
        # (kernel/clock.py); this outer bound only catches a worker that hangs itself
        deadline=lambda job: MAX_STRETCH * (
            job.limits["notebook_budget"] * len(job.sources) + GRACE_SECONDS),
    )


def _run(gradebook, plans, jobs, executor, show_progress) -> list[SubmissionResult]:
    by_assignment = {plan.assignment: plan for plan in plans}
    written = {plan.assignment: written_answers(plan) for plan in plans}
    on_cluster = isinstance(executor, ClusterExecutor)
    slots = executor.slots() if on_cluster else executor.size
    budget = max(job.limits["notebook_budget"] * len(job.sources) for job in jobs)
    progress = GradingProgress(len(jobs), "Corrigiendo", enabled=show_progress, workers=slots,
                               running=None if on_cluster else executor.running_seconds,
                               budget=budget)
    graded = []
    try:
        for outcome in executor.outcomes(jobs):
            plan = by_assignment[outcome.job.assignment]
            result = _result_of(outcome, plan)
            _record(gradebook, plan, result)
            graded.append(result)
            line = _line(result, written[plan.assignment])
            if on_cluster:
                line += f" · {executor.workers()} trabajadores conectados"
            progress.advance(line, seconds=result.seconds)  # measured: for the ETA
    finally:
        progress.close()
    return graded


def _result_of(outcome: Outcome, plan: Plan) -> SubmissionResult:
    job = outcome.job
    if outcome.ok:
        return SubmissionResult.load(Path(job.result_path))
    # the worker was lost: the student still gets a result, and the instructor a flag
    result = SubmissionResult(
        job.assignment,
        job.student,
        job.fingerprint,
        notebooks=[NotebookResult(s.name, cells=zero_cells(s)) for s in plan.sources],
        problems=[Problem(**p) for p in job.problems] + [messages.worker_lost(outcome.reason)],
    )
    result.save(Path(job.result_path))
    return result


def _record(gradebook: Gradebook, plan: Plan, result: SubmissionResult) -> None:
    record(gradebook, result)
    plan.state.mark_recorded(result.student, result.fingerprint, result.status)


def written_answers(plan: Plan) -> frozenset[tuple[str, str]]:
    """(notebook, grade_id) of the answers graded by hand, as the feedback page counts them."""
    return frozenset((notebook.name, cell.grade_id) for notebook in plan.sources
                     for cell in notebook.cells if cell.graded_by_hand)


def _line(result: SubmissionResult, written: frozenset[tuple[str, str]] = frozenset()) -> str:
    """One console line per student; automatic and written-answer points apart, so that a
    perfect automatic part does not read as points lost, and an unanswered question (scored 0
    by nbgrader, nothing left to grade by hand) is not counted as an automatic test."""
    by_hand, automatic = [], []
    for notebook in result.notebooks:
        for cell in notebook.cells:
            hand_graded = (notebook.name, cell.grade_id) in written or cell.status == MANUAL
            (by_hand if hand_graded else automatic).append(cell)
    score = (f"{sum(c.points or 0.0 for c in automatic):g}/"
             f"{sum(c.max_points for c in automatic):g} automáticos")
    scored = [cell for cell in by_hand if cell.status != MANUAL]
    if scored:
        score += (f", respuestas escritas {sum(c.points or 0.0 for c in scored):g}/"
                  f"{sum(c.max_points for c in scored):g}")
    pending = sum(cell.max_points for cell in by_hand if cell.status == MANUAL)
    if pending:
        score += f", {pending:g} manuales pendientes"
    line = f"{result.student} · {result.assignment}: {score} ({result.seconds:.0f} s)"
    codes = sorted({problem.code for problem in result.all_problems})
    return line + (f" · revisar: {', '.join(codes)}" if codes else "")
