"""`autograder feedback`: one Spanish HTML page per student and assignment.

feedback/<student>/<assignment>/informe.html shows, per test, the points earned and possible and
the failure message — never the source of a hidden test, since messages are only the error's name
and text — plus everything that went wrong with the submission (collect, tampering, timeouts,
kernel deaths). feedback/index.html links every page, and when the submissions came from Moodle,
feedback/<assignment>-moodle.zip holds the pages in Moodle's folder names, ready for the
assignment's "Upload multiple feedback files in a zip".
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.course import AutograderError, Course
from autograder.intake.collect import MOODLE_FOLDER
from autograder.outputs.class_results import Submission, load_class
from autograder.outputs.templates import FEEDBACK, FEEDBACK_INDEX, render
from autograder.results import write_text_atomically

PAGE_NAME = "informe.html"


@dataclass
class FeedbackPages:
    pages: list[Path]
    index: Path
    moodle_zips: list[Path]


def feedback(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    students: list[str] | None = None,
) -> FeedbackPages:
    """Write the feedback pages of every graded submission (or of `students` only)."""
    course = Course.open(course_dir)
    results = load_class(course, assignments)
    submissions = [s for s in results.submissions if not students or s.student in students]
    if not submissions:
        raise AutograderError("no hay entregas corregidas: ejecuta antes `autograder grade`")
    written = _written_answers(course, results.assignments)
    pages = [_write_page(course, submission, written) for submission in submissions]
    # the index links every graded submission, also when only some pages were rewritten
    index = _write_index(course, [s for s in results.submissions
                                  if page_path(course, s.student, s.assignment).is_file()])
    zips = [
        _moodle_zip(course, assignment, results.of(assignment))
        for assignment in results.assignments
        if came_from_moodle(results.of(assignment))
    ]
    return FeedbackPages(pages, index, zips)


def came_from_moodle(submissions: list[Submission]) -> bool:
    """Only Moodle's download has folders named after participant numbers: a folder-per-student
    class (even with moodle_id in its roster) gets no zip Moodle could not map back."""
    return any(s.moodle_folder and MOODLE_FOLDER.match(s.moodle_folder.rstrip("/"))
               for s in submissions)


def page_path(course: Course, student: str, assignment: str) -> Path:
    return course.feedback_dir / student / assignment / PAGE_NAME


def _written_answers(course: Course, assignments: list[str]) -> frozenset[tuple[str, str]]:
    """(notebook, grade_id) of every answer graded by hand, from the gradebook's source cells."""
    from autograder.notebook.source import read_source_notebooks

    return frozenset(
        (notebook.name, cell.grade_id)
        for assignment in assignments
        for notebook in read_source_notebooks(course.db_url, assignment)
        for cell in notebook.cells
        if cell.graded_by_hand
    )


def render_page(submission: Submission, written: frozenset[tuple[str, str]] = frozenset()) -> str:
    """The page; `written` names the hand-graded answers, whose points are shown apart."""
    by_hand = [t for t in submission.tests
               if (t.notebook, t.grade_id) in written or t.points is None]
    automatic = [t for t in submission.tests if t not in by_hand]
    return render(
        FEEDBACK,
        assignment=submission.assignment,
        student=submission.student,
        name=submission.name,
        graded_at=submission.graded_at.replace("T", " "),
        points=submission.points,
        max_points=submission.max_points,
        auto_points=sum(t.points or 0.0 for t in automatic),
        auto_max=sum(t.max_points for t in automatic),
        written_points=sum(t.points or 0.0 for t in by_hand),
        written_max=sum(t.max_points for t in by_hand),
        pending=submission.pending_manual,
        problems=submission.problems,
        tests=submission.tests,
        several_notebooks=len({test.notebook for test in submission.tests}) > 1,
        comments=sorted(submission.comments.items()),  # the per-test ones sit in their rows
    )


def _write_page(course: Course, submission: Submission, written=frozenset()) -> Path:
    path = page_path(course, submission.student, submission.assignment)
    write_text_atomically(path, render_page(submission, written))
    return path


def _write_index(course: Course, submissions: list[Submission]) -> Path:
    path = course.feedback_dir / "index.html"
    pages = [
        {
            "link": f"{s.student}/{s.assignment}/{PAGE_NAME}",
            "student": s.student,
            "name": s.name,
            "assignment": s.assignment,
            "points": s.points,
            "max_points": s.max_points,
            "problems": len(s.problems),
            "pending": s.pending_manual,
        }
        for s in sorted(submissions, key=lambda s: (s.assignment, s.name or s.student))
    ]
    write_text_atomically(path, render(FEEDBACK_INDEX, pages=pages))
    return path


def _moodle_zip(course: Course, assignment: str, submissions: list[Submission]) -> Path:
    """Pages under the folder names of Moodle's download, which Moodle maps back to students."""
    target = course.feedback_dir / f"{assignment}-moodle.zip"
    temporary = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for submission in submissions:
            page = page_path(course, submission.student, assignment)
            if submission.moodle_folder and page.is_file():
                archive.write(page, f"{submission.moodle_folder.rstrip('/')}/{PAGE_NAME}")
    temporary.replace(target)
    return target
