"""Write one `SubmissionResult` into nbgrader's gradebook, as SaveAutoGrades would have.

Only the main process calls this, one result at a time: the gradebook has a single writer. Values
are set, not added, so recording the same result twice leaves the gradebook unchanged; manual
scores given in formgrader are kept, and so is the instructor's decision on them: a hand-graded
cell keeps its `needs_manual_grade` flag as formgrader left it (nbgrader's SaveAutoGrades would
raise it again on every regrade, which made a finished hand grade look pending).
"""

from __future__ import annotations

import warnings

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from autograder.results import SubmissionResult


def record(gradebook: Gradebook, result: SubmissionResult) -> None:
    with warnings.catch_warnings():
        # nbgrader's models trip SQLAlchemy 2's autoflush warnings; the rows are written anyway
        warnings.simplefilter("ignore", SAWarning)
        _record(gradebook, result)


def _record(gradebook: Gradebook, result: SubmissionResult) -> None:
    gradebook.update_or_create_student(result.student)
    timestamp = _parse_time(result.timestamp)
    if timestamp is not None:
        gradebook.update_or_create_submission(
            result.assignment, result.student, timestamp=timestamp
        )
    else:
        gradebook.update_or_create_submission(result.assignment, result.student)
    for notebook in result.notebooks:
        for cell in notebook.cells:
            try:
                grade = gradebook.find_grade(
                    cell.grade_id, notebook.name, result.assignment, result.student
                )
            except MissingEntry:
                continue  # a cell the released assignment does not grade: nothing to record
            grade.auto_score = cell.points
            if grade.manual_score is None:  # a hand grade and its flag are the instructor's
                grade.needs_manual_grade = cell.points is None
        for grade_id, text in notebook.comments.items():
            try:
                comment = gradebook.find_comment(
                    grade_id, notebook.name, result.assignment, result.student
                )
            except MissingEntry:
                continue
            comment.auto_comment = text
    gradebook.db.commit()


def _parse_time(text: str | None):
    if not text:
        return None
    try:
        return utils.parse_utc(text)
    except (ValueError, OverflowError):
        return None  # an unreadable timestamp.txt must not cost the student their grade


def is_recorded(gradebook: Gradebook, assignment: str, student: str) -> bool:
    """Whether the gradebook still has this submission (an instructor may have reset it)."""
    try:
        gradebook.find_submission(assignment, student)
    except MissingEntry:
        return False
    return True
