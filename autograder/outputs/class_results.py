"""A class's grades as feedback, export and report read them: gradebook first, messages second.

Points come from nbgrader's gradebook, so that scores an instructor changes in formgrader (written
answers, overrides) show up everywhere; what went wrong — per-test messages and problems — comes
from the grading results (grading/<assignment>/results/), and who is who (names, emails, Moodle
participant numbers and folders) from the gradebook and the collect manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nbgrader.api import Gradebook, MissingEntry

from autograder.batch.state import result_file
from autograder.course import AutograderError, Course
from autograder.intake.manifest import Manifest
from autograder.notebook.source import read_sources_in_order
from autograder.results import FAILED, MANUAL, NOT_RUN, PARTIAL, PASSED, Problem, SubmissionResult


@dataclass
class TestRow:
    notebook: str
    grade_id: str
    max_points: float
    points: float | None  # None: written answer waiting for manual grading
    status: str
    message: str = ""
    comment: str = ""  # what the instructor wrote on this cell in formgrader
    pending: bool = False  # nbgrader's needs_manual_grade: the points are not final yet
    hand_graded: bool = False  # the points are the instructor's (formgrader's manual score)


@dataclass
class Submission:
    """One student's graded assignment."""

    student: str
    assignment: str
    name: str = ""
    email: str = ""
    moodle_id: str = ""
    moodle_folder: str = ""
    tests: list[TestRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    graded_at: str = ""
    # instructor comments on cells that are not graded cells (code answers), grade_id -> text
    comments: dict[str, str] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return sum(test.points or 0.0 for test in self.tests)

    @property
    def max_points(self) -> float:
        return sum(test.max_points for test in self.tests)

    @property
    def pending_manual(self) -> int:
        return len(self.pending_cells)

    @property
    def pending_cells(self) -> list[str]:
        """Cells whose points are provisional: formgrader still lists them as to be graded."""
        return [test.grade_id for test in self.tests if test.pending]

    @property
    def all_comments(self) -> list[tuple[str, str]]:
        """Every comment the instructor wrote, in notebook order: (grade_id, text)."""
        on_tests = [(test.grade_id, test.comment) for test in self.tests if test.comment]
        return on_tests + sorted(self.comments.items())


@dataclass
class ClassResults:
    assignments: list[str]
    # per assignment, its graded cells in notebook order: (notebook, grade_id, max points)
    tests: dict[str, list[tuple[str, str, float]]]
    submissions: list[Submission]
    students: dict[str, dict]  # id -> first_name, last_name, email (everyone in the gradebook)

    def of(self, assignment: str) -> list[Submission]:
        return [s for s in self.submissions if s.assignment == assignment]


def load_class(course: Course, assignments: list[str] | None = None) -> ClassResults:
    with Gradebook(course.db_url, course.course_id) as gradebook:
        known = [a.name for a in gradebook.assignments]
        for name in assignments or []:
            if name not in known:
                raise AutograderError(f"la tarea {name!r} no está en el libro de notas")
        chosen = [name for name in sorted(known) if not assignments or name in assignments]
        students = {
            s.id: {"first_name": s.first_name or "", "last_name": s.last_name or "",
                   "email": s.email or ""}
            for s in gradebook.students
        }
        tests, submissions = {}, []
        for assignment in chosen:
            sources = read_sources_in_order(course, assignment)
            tests[assignment] = [
                (s.name, cell.grade_id, cell.points or 0.0) for s in sources
                for cell in s.graded_cells
            ]
            manifest = Manifest.read(course, assignment)
            for student in sorted(students):
                try:
                    stored = gradebook.find_submission(assignment, student)
                except MissingEntry:
                    continue
                submissions.append(
                    _submission(course, stored, tests[assignment], students[student], manifest)
                )
    return ClassResults(chosen, tests, submissions, students)


def _submission(course, stored, tests, person, manifest) -> Submission:
    assignment, student = stored.assignment.name, stored.student.id
    result_path = result_file(course.grading_dir / assignment, student)
    result = SubmissionResult.load(result_path) if result_path.is_file() else None
    verdicts = {
        (nb.name, cell.grade_id): cell for nb in (result.notebooks if result else [])
        for cell in nb.cells
    }
    collected = manifest.student(student)
    name = " ".join(p for p in (person["first_name"], person["last_name"]) if p)
    submission = Submission(
        student, assignment, name or collected.get("name", ""),
        person["email"] or collected.get("email", ""),
        collected.get("moodle_id", ""), collected.get("folder", ""),
        problems=result.all_problems if result else [],
        graded_at=result.graded_at if result else "",
    )
    grades = {
        (nb.name, grade.name): grade for nb in stored.notebooks for grade in nb.grades
    }
    comments = {
        (nb.name, comment.name): comment.manual_comment.strip()
        for nb in stored.notebooks for comment in nb.comments
        if comment.manual_comment and comment.manual_comment.strip()
    }
    for notebook, grade_id, max_points in tests:
        grade = grades.get((notebook, grade_id))
        verdict = verdicts.get((notebook, grade_id))
        row = _test_row(notebook, grade_id, max_points, grade, verdict)
        row.comment = comments.pop((notebook, grade_id), "")
        row.pending = bool(grade.needs_manual_grade) if grade is not None else row.points is None
        row.hand_graded = grade is not None and grade.manual_score is not None
        submission.tests.append(row)
    submission.comments = {grade_id: text for (_, grade_id), text in comments.items()}
    return submission


def _test_row(notebook, grade_id, max_points, grade, verdict) -> TestRow:
    if grade is None or (grade.manual_score is None and grade.auto_score is None):
        if verdict is not None and verdict.status == MANUAL:
            return TestRow(notebook, grade_id, max_points, None, MANUAL)
        message = verdict.message if verdict else "sin corregir"
        return TestRow(notebook, grade_id, max_points, 0.0, NOT_RUN, message)
    points = float(grade.score)
    message = verdict.message if verdict else ""
    if verdict is not None and verdict.status == NOT_RUN and grade.manual_score is None:
        status = NOT_RUN
    elif points >= max_points:
        status, message = PASSED, ""
    else:
        status = PARTIAL if points > 0 else FAILED
    return TestRow(notebook, grade_id, max_points, points, status, message)
