"""`autograder publish`: everything that follows grading, in one go — feedback, export, report.

So that a Moodle zip becomes grades, feedback and a class report in three commands:
`autograder collect`, `autograder grade`, `autograder publish`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from autograder.outputs.export import Exported, export
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
) -> Published:
    """Write the feedback pages, the grade files and the class report of `assignments`."""
    return Published(
        feedback(course_dir, assignments),
        export(course_dir, assignments, moodle_language=moodle_language),
        report(course_dir, assignments),
    )
