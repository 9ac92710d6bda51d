"""`autograder export`: grades as CSV for the LMS gradebook, plus the full detail as JSON.

export/grades.csv — one row per student: Canvas's identity columns (Student, ID, SIS User ID,
SIS Login ID, Section), the email (what Moodle's gradebook CSV import maps users by), each
assignment's total, then each test's points ("<assignment> · <test>"; map or ignore them in the
import). Points use a dot as decimal mark; an empty cell is "no submission".

export/<assignment>-moodle-worksheet.csv — when the submissions came from a Moodle zip: Moodle's
"offline grading worksheet" (Identifier "Participant N", Grade, Last modified (grade)), which the
assignment's "Upload grading worksheet" maps by participant number; Moodle matches its column
names in the language of the session uploading it (--moodle-language).

export/grades.json — everything: per test points, statuses, messages and problems.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.course import AutograderError, Course
from autograder.outputs.class_results import ClassResults, Submission, load_class
from autograder.results import write_text_atomically

IDENTITY_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Email address"]
# Moodle finds the worksheet's columns, and reads "Participant N", in the uploader's language
WORKSHEET_PARTICIPANT = {"en": "Participant", "es": "Participante"}
WORKSHEET_HEADERS = {
    "en": ("Identifier", "Full name", "Email address", "Grade", "Maximum grade",
           "Last modified (grade)", "Feedback comments"),
    "es": ("Identificador", "Nombre completo", "Dirección de correo", "Calificación",
           "Calificación máxima", "Última modificación (calificación)",
           "Comentarios de retroalimentación"),
}


@dataclass
class Exported:
    csv: Path
    json: Path
    moodle_worksheets: list[Path]


def per_test_column(assignment: str, grade_id: str) -> str:
    return f"{assignment} · {grade_id}"


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def export(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    out: str | os.PathLike | None = None,
    moodle_language: str = "en",
) -> Exported:
    """Write grades.csv, grades.json and, for Moodle submissions, one worksheet per assignment."""
    if moodle_language not in WORKSHEET_HEADERS:
        raise AutograderError(f"--moodle-language must be one of {', '.join(WORKSHEET_HEADERS)}")
    course = Course.open(course_dir)
    results = load_class(course, assignments)
    if not results.submissions:
        raise AutograderError("no graded submissions: run `autograder grade` first")
    folder = Path(out) if out else course.root / "export"
    csv_path = folder / "grades.csv"
    json_path = folder / "grades.json"
    write_text_atomically(csv_path, grades_csv(results))
    write_text_atomically(json_path, json.dumps(grades_json(course, results), ensure_ascii=False,
                                                indent=1))
    worksheets = []
    for assignment in results.assignments:
        rows = [s for s in results.of(assignment) if s.moodle_id]
        if rows:
            path = folder / f"{assignment}-moodle-worksheet.csv"
            write_text_atomically(path, moodle_worksheet(rows, moodle_language))
            worksheets.append(path)
    return Exported(csv_path, json_path, worksheets)


def _display_name(person: dict, fallback: str) -> str:
    if person.get("last_name") and person.get("first_name"):
        return f"{person['last_name']}, {person['first_name']}"
    return person.get("first_name") or person.get("last_name") or fallback


def grades_csv(results: ClassResults) -> str:
    header = list(IDENTITY_COLUMNS) + list(results.assignments)
    if len(results.assignments) > 1:
        header.append("Total")
    for assignment in results.assignments:
        header += [per_test_column(assignment, test) for _, test, _ in results.tests[assignment]]
    by_student: dict[str, dict[str, Submission]] = {}
    for submission in results.submissions:
        by_student.setdefault(submission.student, {})[submission.assignment] = submission
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for student in sorted(by_student, key=lambda s: _display_name(results.students[s], s)):
        person = results.students[student]
        submissions = by_student[student]
        row = [_display_name(person, student), student, student, person["email"] or student, "",
               person["email"]]
        row += [number(submissions[a].points) if a in submissions else ""
                for a in results.assignments]
        if len(results.assignments) > 1:
            row.append(number(sum(s.points for s in submissions.values())))
        for assignment in results.assignments:
            points = {t.grade_id: t.points for t in submissions[assignment].tests} \
                if assignment in submissions else {}
            row += [number(points.get(grade_id)) for _, grade_id, _ in results.tests[assignment]]
        writer.writerow(row)
    return stream.getvalue()


def grades_json(course: Course, results: ClassResults) -> dict:
    return {
        "course": course.course_id,
        "exported_at": datetime.datetime.now().isoformat(timespec="seconds"),
        "assignments": {
            assignment: {
                "max_points": sum(points for _, _, points in results.tests[assignment]),
                "tests": [
                    {"notebook": notebook, "grade_id": grade_id, "max_points": points}
                    for notebook, grade_id, points in results.tests[assignment]
                ],
            }
            for assignment in results.assignments
        },
        "submissions": [
            {
                "student": s.student,
                "name": s.name,
                "email": s.email,
                "assignment": s.assignment,
                "moodle_id": s.moodle_id,
                "points": s.points,
                "max_points": s.max_points,
                "pending_manual": s.pending_manual,
                "graded_at": s.graded_at,
                "tests": [asdict(test) for test in s.tests],
                "problems": [asdict(problem) for problem in s.problems],
            }
            for s in results.submissions
        ],
    }


def moodle_worksheet(submissions: list[Submission], language: str) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(WORKSHEET_HEADERS[language])
    for s in sorted(submissions, key=lambda s: int(s.moodle_id or 0)):
        comment = "; ".join(problem.message for problem in s.problems)
        identifier = f"{WORKSHEET_PARTICIPANT[language]} {s.moodle_id}"
        writer.writerow([identifier, s.name, s.email, number(s.points), number(s.max_points), "-",
                         comment])
    return stream.getvalue()
