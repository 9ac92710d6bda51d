"""`autograder limits`: each assignment's time limits from its reference solution's grading time.

A notebook that loops forever holds a worker until a limit stops it, so the limits should follow
the work: `autograder limits ASSIGNMENT` grades the solution notebook of `source/` (with the same
grader, sandbox and today's limits as a submission), checks that it gets every automatic point,
and records in `grading/<assignment>/limits.json` (this module owns that file) how long the
slowest notebook took (kernel start included) and the slowest cell (kernel's clock), with the
limits derived from them: `FACTOR` times each, never under the floors (`notebook/limits.py`).

`grade` and `serve` then grade the assignment under those limits. The instructor can fix either
limit in the file (`autograder limits A --cell-timeout S --budget S`), and `--cell-timeout` and
`--budget` of `grade` and `serve` win over both for one run. Without a measurement, or when the
solution changed since it was measured, the limits are today's defaults (the course's
Execute.timeout per cell, `Limits.notebook_budget` per notebook).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.course import AutograderError, Course
from autograder.notebook.limits import CELL_FLOOR, FACTOR, NOTEBOOK_FLOOR, Limits, derived_limits
from autograder.results import MANUAL, SubmissionResult, write_json_atomically

FILE_NAME = "limits.json"
REFERENCE = "_referencia"  # the "student" the reference is graded as (in a temporary folder)
TIME_FIELDS = ("cell_timeout", "notebook_budget")


@dataclass
class MeasuredLimits:
    """What `grading/<assignment>/limits.json` holds."""

    assignment: str
    cell_timeout: int  # derived (or fixed by the instructor), seconds
    notebook_budget: int
    reference_seconds: float  # the slowest reference notebook, wall seconds, kernel start included
    slowest_cell_seconds: float  # the slowest reference cell, kernel's clock
    factor: float
    cell_floor: int
    notebook_floor: int
    sources: str  # SHA-256 of the source notebooks measured: a changed solution is re-measured
    measured_at: str
    load_average: float  # 1-minute load while measuring (a loaded machine measures long)
    fixed_by_instructor: list[str] = dataclasses.field(default_factory=list)  # TIME_FIELDS

    def limits(self, base: Limits) -> Limits:
        """`base` with this assignment's time limits."""
        derived = not self.fixed_by_instructor
        return dataclasses.replace(base, cell_timeout=self.cell_timeout,
                                   notebook_budget=self.notebook_budget,
                                   reference_factor=self.factor if derived else 0.0)


def limits_path(course: Course, assignment: str) -> Path:
    return course.grading_dir / assignment / FILE_NAME


def read(course: Course, assignment: str) -> MeasuredLimits | None:
    path = limits_path(course, assignment)
    if not path.is_file():
        return None
    try:
        return MeasuredLimits(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise AutograderError(f"{path} está dañado ({error}): bórralo y ejecuta "
                              f"`autograder limits {assignment}`") from None


def sources_hash(course: Course, assignment: str) -> str:
    digest = hashlib.sha256()
    for name in course.source_notebooks(assignment):
        digest.update(name.encode() + b"\0")
        digest.update((course.source_dir / assignment / f"{name}.ipynb").read_bytes())
    return digest.hexdigest()


def limits_for(course: Course, assignment: str, given: Limits | None = None,
               overrides: dict | None = None) -> tuple[Limits, str]:
    """The limits `assignment` is graded under, and one console line saying where they come from.

    given: a complete `Limits` (the API's `limits=`): used as it is, nothing measured is read.
    overrides: `Limits` fields that win over the measured ones (the CLI's options).
    """
    if given is not None:
        return given, ""
    overrides = {key: value for key, value in (overrides or {}).items() if value is not None}
    limits = Limits(cell_timeout=course.cell_timeout)
    record = read(course, assignment)
    if record is not None and record.sources != sources_hash(course, assignment):
        origin = (f"la solución cambió desde que se midió: límites por defecto; "
                  f"`autograder limits {assignment}` los vuelve a medir")
    elif record is not None:
        limits = record.limits(limits)
        origin = (f"fijados por el profesor en {FILE_NAME}" if record.fixed_by_instructor else
                  f"{record.factor:g} veces lo que tarda la solución: "
                  f"{record.reference_seconds:g} s, celda más lenta "
                  f"{record.slowest_cell_seconds:g} s")
    else:
        origin = (f"sin medir, por defecto; `autograder limits {assignment}` los ajusta a lo que "
                  "tarda la solución")
    limits = dataclasses.replace(limits, **overrides)
    if any(key in overrides for key in TIME_FIELDS):
        limits.reference_factor = 0.0
        origin = "dados en la orden"
    return limits, (f"{assignment}: {limits.cell_timeout} s por celda, {limits.notebook_budget} s "
                    f"por cuaderno ({origin})")


def limits(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    factor: float = FACTOR,
    min_cell: int = CELL_FLOOR,
    min_notebook: int = NOTEBOOK_FLOOR,
    cell_timeout: int | None = None,
    budget: int | None = None,
    show: bool = False,
) -> list[tuple[MeasuredLimits | None, str]]:
    """Measure each assignment's reference solution and record its limits (default: every
    released assignment); returns (record, console line) per assignment.

    Args:
        factor, min_cell, min_notebook: limits = factor x the reference's time, at least these.
        cell_timeout, budget: fix the limit instead of deriving it (recorded; `grade` and
            `serve` use it until the next `autograder limits` of that assignment).
        show: only say what each assignment is graded under; measure nothing.
    """
    if factor < 1:
        raise AutograderError("--factor debe ser al menos 1: los límites no pueden quedar por "
                              "debajo de lo que tarda la solución")
    course = Course.open(course_dir)
    chosen = list(assignments or course.source_assignments())
    for assignment in chosen:
        course.require_assignment(assignment)
    done = []
    for assignment in chosen:
        if show:
            done.append((read(course, assignment), limits_for(course, assignment)[1]))
            continue
        record = measure(course, assignment, factor=factor, min_cell=min_cell,
                         min_notebook=min_notebook)
        fixed = {"cell_timeout": cell_timeout, "notebook_budget": budget}
        for key, value in fixed.items():
            if value is not None:
                setattr(record, key, int(value))
                record.fixed_by_instructor.append(key)
        record.cell_timeout = min(record.cell_timeout, record.notebook_budget)
        path = limits_path(course, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(path, dataclasses.asdict(record))
        done.append((record, limits_for(course, assignment)[1]))
    return done


def measure(course: Course, assignment: str, *, factor: float = FACTOR,
            min_cell: int = CELL_FLOOR, min_notebook: int = NOTEBOOK_FLOOR) -> MeasuredLimits:
    """Grade the reference solution once, as a submission, under today's default limits."""
    from autograder.batch.job import DEFAULT_NOTEBOOK_GRADER
    from autograder.batch.task import (
        GradingTask,
        extra_files,
        plain_config,
        read_kernelspecs,
        run_task,
    )
    from autograder.notebook.source import read_sources_in_order

    folder = course.source_dir / assignment
    try:
        sources = read_sources_in_order(course, assignment)
    except AutograderError as error:
        raise AutograderError(f"{error} (¿falta `autograder release {assignment}`?)") from None
    task = GradingTask(
        id=f"{assignment}/{REFERENCE}", assignment=assignment, student=REFERENCE,
        fingerprint="reference",
        notebooks={s.name: (folder / f"{s.name}.ipynb").read_bytes() for s in sources},
        files={relative: path.read_bytes() for relative, path in extra_files(folder)},
        sources=[s.to_json() for s in sources],
        kernelspecs=read_kernelspecs(course.db_url, assignment),
        limits=dataclasses.asdict(Limits(cell_timeout=course.cell_timeout)),
        config=plain_config(course.config), notebook_grader=DEFAULT_NOTEBOOK_GRADER,
    )
    with _output_to(course.grading_dir / "logs" / f"limits-{assignment}.log"):
        result = SubmissionResult.from_json(run_task(task).result)
    _require_full_marks(assignment, result)
    notebook_seconds = max(nb.seconds for nb in result.notebooks)
    cell_seconds = max(nb.slowest_cell_seconds for nb in result.notebooks)
    cell, budget = derived_limits(notebook_seconds, cell_seconds, factor=factor,
                                  cell_floor=min_cell, notebook_floor=min_notebook)
    return MeasuredLimits(
        assignment=assignment, cell_timeout=cell, notebook_budget=budget,
        reference_seconds=round(notebook_seconds, 2),
        slowest_cell_seconds=round(cell_seconds, 2), factor=factor, cell_floor=min_cell,
        notebook_floor=min_notebook, sources=sources_hash(course, assignment),
        measured_at=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        load_average=round(os.getloadavg()[0], 2))


@contextlib.contextmanager
def _output_to(path: Path):
    """The kernel's and nbgrader's own lines go to a log file, as a worker's do."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    try:
        with open(path, "ab") as log:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in zip((1, 2), saved):
            os.dup2(original, fd)
            os.close(original)


def _require_full_marks(assignment: str, result: SubmissionResult) -> None:
    """A reference that loses points measured something else than a correct notebook."""
    lost = [f"{cell.grade_id} {cell.points or 0:g}/{cell.max_points:g}"
            for nb in result.notebooks for cell in nb.cells
            if cell.status != MANUAL and (cell.points or 0) < cell.max_points]
    if lost:
        problems = "; ".join(p.message for p in result.all_problems)[:400]
        raise AutograderError(
            f"la solución de {assignment} no obtiene todos los puntos automáticos "
            f"({', '.join(lost)}{'; ' + problems if problems else ''}): no se fijan límites")
