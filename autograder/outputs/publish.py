"""`autograder publish`: everything that follows grading, in one go — feedback, export, report.

So that a Moodle zip becomes grades, feedback and a class report in three commands:
`autograder collect`, `autograder grade`, `autograder publish`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from autograder.course import Course
from autograder.outputs.class_results import load_class
from autograder.outputs.export import Exported, export, pending_cells, refuse_provisional
from autograder.outputs.feedback import FeedbackPages, feedback
from autograder.outputs.report import Report, report


@dataclass
class Published:
    feedback: FeedbackPages
    export: Exported
    report: Report


def publish(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    moodle_language: str = "en",
    canvas_login: str = "id",
    final: bool = False,
) -> Published:
    """Write the feedback pages, the grade files and the class report of `assignments`.

    With `final`, nothing is written while a grade is still provisional (hand grading pending).
    """
    if final:  # checked before the feedback pages go out, not after
        refuse_provisional(pending_cells(load_class(Course.open(course_dir), assignments)))
    return Published(
        feedback(course_dir, assignments),
        export(course_dir, assignments, moodle_language=moodle_language,
               canvas_login=canvas_login, final=final),
        report(course_dir, assignments),
    )
