"""Score an executed notebook cell by cell, as nbgrader's `determine_grade` does, except where it
misleads: hidden test cells are judged from their observations, cells after a stop score zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nbformat import NotebookNode
from nbgrader import utils

from autograder import messages
from autograder.notebook.notebook_file import cell_grade_id
from autograder.notebook.source import SourceNotebook
from autograder.notebook.verdicts import judge_cell, reported_properties
from autograder.results import (
    FAILED,
    MANUAL,
    NOT_RUN,
    PARTIAL,
    PASSED,
    CellResult,
    Problem,
)

if TYPE_CHECKING:  # the grader imports this module
    from autograder.notebook.grader import NotebookTask, Run


def score(nb: NotebookNode, task: NotebookTask, run: Run, problems: list[Problem]):
    """Per-cell results of an executed notebook, and nbgrader's "No response." comments."""
    cells, comments = [], {}
    for index, cell in enumerate(nb.cells):
        grade_id = cell_grade_id(cell) or ""
        if utils.is_solution(cell) or utils.is_task(cell):
            unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
            comments[grade_id] = "No response." if unchanged and not utils.is_task(cell) else None
        if not utils.is_grade(cell):
            continue
        points, max_points = utils.determine_grade(cell)
        cells.append(_cell_result(cell, index, grade_id, points, max_points, task, run))
    problems += _execution_problems(nb, task)
    return cells, comments


def _cell_result(cell, index, grade_id, points, max_points, task, run) -> CellResult:
    stopped = run.stopped_at is not None
    if cell.cell_type == "code" and not utils.is_solution(cell) and stopped:
        if index > run.stopped_at:
            return CellResult(grade_id, max_points, 0.0, NOT_RUN,
                              messages.NOT_RUN.format(reason="el cuaderno se detuvo antes"))
        if index == run.stopped_at and not _error_output(cell):
            return CellResult(grade_id, max_points, 0.0, FAILED, messages.plain(run.reason))
    if points is None:
        return CellResult(grade_id, max_points, None, MANUAL)
    reported = _reported(cell, grade_id, task)
    if reported:  # hidden tests judged here, from their payloads, whatever the cell's errors say
        verdict = judge_cell(cell, reported)
        if verdict.passed:
            return CellResult(grade_id, max_points, max_points, PASSED)
        return CellResult(grade_id, max_points, 0.0, FAILED,
                          messages.plain(" ".join(verdict.failures), 1500))
    if utils.is_solution(cell) and points == 0:  # an answer cell left as it was released
        return CellResult(grade_id, max_points, 0.0, FAILED, messages.NO_ANSWER)
    if points >= max_points:
        return CellResult(grade_id, max_points, points, PASSED)
    message = _failure_message(cell, task)
    return CellResult(grade_id, max_points, points, PARTIAL if points > 0 else FAILED, message)


def _reported(cell, grade_id, task) -> list[str]:
    """Properties the gradebook's version of this test cell reports (not the submission's)."""
    if cell.cell_type != "code" or utils.is_solution(cell):
        return []
    source = task.source.cell(grade_id)
    return reported_properties(source.source) if source is not None else []


def _error_output(cell) -> bool:
    return any(output.output_type == "error" for output in cell.get("outputs", []))


def _failure_message(cell, task) -> str:
    """Name and message of the error only: a traceback could quote hidden test lines."""
    outputs = cell.get("outputs", [])
    errors = [output for output in outputs if output.output_type == "error"]
    if any(output.ename == "CellTimeoutError" for output in errors):
        return messages.TIMEOUT.format(seconds=task.limits.cell_timeout)
    if errors:
        error = errors[-1]
        text = f"{error.ename}: {error.evalue or messages.ERROR_HINTS.get(error.ename, '')}"
        text = text.rstrip(": ")
        if error.ename == "MemoryError" and task.limits.max_memory_mb:
            text += messages.MEMORY_HINT.format(limit_mb=task.limits.max_memory_mb)
        return messages.plain(text)
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    if stderr:
        return messages.STDERR.format(text=messages.plain("".join(stderr), 300))
    return ""


def _execution_problems(nb: NotebookNode, task: NotebookTask) -> list[Problem]:
    """Cells anywhere in the notebook that hit the per-cell timeout or the memory limit."""
    problems = []
    for cell in nb.cells:
        names = {o.ename for o in cell.get("outputs", []) if o.output_type == "error"}
        grade_id, limits = cell_grade_id(cell) or "", task.limits
        if "CellTimeoutError" in names:
            problems.append(messages.cell_timeout(task.notebook, grade_id, limits.cell_timeout,
                                                  limits.reference_factor))
        elif "MemoryError" in names and limits.max_memory_mb:
            problems.append(
                messages.memory_exhausted(task.notebook, grade_id, limits.max_memory_mb))
    return problems


def zero_cells(source: SourceNotebook) -> list[CellResult]:
    """Every graded cell at zero, for a notebook that could not be run at all."""
    reason = messages.NOT_RUN.format(reason="el cuaderno no se pudo ejecutar")
    return [
        CellResult(cell.grade_id, cell.points or 0.0, 0.0, NOT_RUN, reason)
        for cell in source.graded_cells
    ]
