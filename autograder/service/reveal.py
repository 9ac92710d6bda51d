"""What a student may read of one graded submission, as the assignment's policy says.

Views: "full" (points, status and message of every test, and the submission's problems),
"points" (points and status per test, no messages), "visible" (only the tests without a hidden
part, with their messages; no total). Whatever the view, before the deadline a message of a test
with hidden parts never shows the numbers it compares with: they can be the reference's
(README, "Limits, honestly"), and collecting them over many submissions would let a student
fabricate the observations the protocol documents. What the student's own code produced
("se obtuvo ...") stays readable.
"""

from __future__ import annotations

import re

from autograder.messages.service import GRADER_FAILED
from autograder.results import MANUAL, SubmissionResult

HIDDEN_MARK = "BEGIN HIDDEN TESTS"
NUMBER = re.compile(r"(?<![\w\[])[-+]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?(?![\w\]])")
OWN_VALUE = re.compile(r"\bse (?:obtuvo|obtuvieron|añadió)\b|\bfue\b")
MASK = "…"
PRE_DEADLINE_NOTE = " (antes del plazo no se muestran los valores con los que se compara)"


def mask_reference_values(message: str) -> str:
    """Numbers before 'se obtuvo' (or the whole message, when there is no such part) masked."""
    own = OWN_VALUE.search(message)
    head, tail = (message[:own.start()], message[own.start():]) if own else (message, "")
    masked = NUMBER.sub(MASK, head)
    if masked == head:
        return message
    return masked + tail + PRE_DEADLINE_NOTE


def hidden_cells(sources) -> set[tuple[str, str]]:
    """(notebook, grade_id) of the test cells with a hidden part, from the gradebook's copy."""
    return {(notebook.name, cell.grade_id) for notebook in sources for cell in notebook.cells
            if HIDDEN_MARK in (cell.source or "")}


def student_view(result: dict, view: str, before_deadline: bool,
                 hidden: set[tuple[str, str]], student: bool = True) -> dict:
    """The JSON a student gets for a graded submission's `result` (SubmissionResult.to_json).
    A grader failure reaches a student as one sentence, without the error's details (the
    instructor, `student=False`, reads them whole)."""
    graded = SubmissionResult.from_json(result)
    tests = []
    for notebook in graded.notebooks:
        for cell in notebook.cells:
            is_hidden = (notebook.name, cell.grade_id) in hidden
            if view == "visible" and is_hidden:
                continue
            message = "" if view == "points" else cell.message
            if before_deadline and is_hidden and message:
                message = mask_reference_values(message)
            tests.append({
                "notebook": notebook.name, "test": cell.grade_id, "status": cell.status,
                "points": None if cell.status == MANUAL else cell.points,
                "max_points": cell.max_points, "message": message,
            })
    shown = view != "visible"
    return {
        "view": view,
        "points": graded.points if shown else None,
        "max_points": graded.max_points if shown else None,
        "tests": tests,
        "problems": [GRADER_FAILED if student and problem.code == "grading_error"
                     else problem.message for problem in graded.all_problems] if shown else [],
    }
