"""The grade files the LMSs import, one per purpose, with the columns their importers read.

Every rule below is checked against the importer's own source; docs/lms-formats.md cites it.

- Canvas (`GradebookImporter`): the header must start `Student, ID` and, for the SIS columns to
  be read, `SIS User ID, SIS Login ID`; the identity block ends with `Section`. EVERY later
  column that is not one of Canvas's own totals is an assignment (unknown titles are created),
  so canvas-grades.csv has exactly the identity columns and one column per graded assignment.
  A row whose first cell is "Points Possible" gives each new assignment its maximum. Students
  are matched by Canvas id, then SIS User ID, then SIS Login ID, then by name: ID stays empty
  (we do not know Canvas's numeric ids) and SIS Login ID carries the login or the e-mail.
- Moodle assignment, "Upload grading worksheet" (`assignfeedback_offline`): reads the columns
  named "Identifier" ("Participant N"), "Grade", "Last modified (grade)" and, per feedback
  plugin, its editor's name ("Feedback comments"), in the uploader's language; others are
  ignored. A grade is skipped when Moodle's own is newer than "Last modified (grade)" + 60 s
  (strtotime("-") is 0, so "-" skipped every student already graded) or when it exceeds the
  assignment's maximum grade; the grade is absolute points.
- Moodle gradebook, "Import > CSV file": any columns; the instructor maps users (by e-mail
  address or username) and each column to a grade item in the import form.
"""

from __future__ import annotations

import csv
import datetime
import html
import io

from autograder import messages
from autograder.outputs.class_results import ClassResults, Submission

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_LOGINS = ("id", "email")  # what SIS Login ID carries
FINAL, PROVISIONAL = "final", "provisional"  # the status column of the other files

# Moodle finds the worksheet's columns, and reads "Participant N", in the uploader's language
WORKSHEET_PARTICIPANT = {"en": "Participant", "es": "Participante"}
WORKSHEET_HEADERS = {
    "en": ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum grade",
           "Last modified (grade)", "Feedback comments"),
    "es": ("Identificador", "Nombre completo", "Dirección de correo", "Estado", "Calificación",
           "Calificación máxima", "Última modificación (calificación)",
           "Comentarios de retroalimentación"),
}


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def per_test_column(assignment: str, grade_id: str) -> str:
    return f"{assignment} · {grade_id}"


def status_of(submission: Submission) -> str:
    return PROVISIONAL if submission.pending_cells else FINAL


def graded_assignments(results: ClassResults) -> list[str]:
    """Assignments with at least one submission: an empty one would be a junk LMS column."""
    return [a for a in results.assignments if results.of(a)]


def display_name(person: dict, fallback: str) -> str:
    if person.get("last_name") and person.get("first_name"):
        return f"{person['last_name']}, {person['first_name']}"
    return person.get("first_name") or person.get("last_name") or fallback


def _by_student(results: ClassResults) -> dict[str, dict[str, Submission]]:
    by_student: dict[str, dict[str, Submission]] = {}
    for submission in results.submissions:
        by_student.setdefault(submission.student, {})[submission.assignment] = submission
    return dict(sorted(by_student.items(),
                       key=lambda item: display_name(results.students[item[0]], item[0])))


def _write(rows: list[list[str]]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(rows)
    return stream.getvalue()


def canvas_csv(results: ClassResults, login: str = "id") -> str:
    assignments = graded_assignments(results)
    maxima = {a: sum(points for _, _, points in results.tests[a]) for a in assignments}
    rows = [CANVAS_IDENTITY + assignments,
            ["Points Possible", "", "", "", ""] + [number(maxima[a]) for a in assignments]]
    for student, submissions in _by_student(results).items():
        person = results.students[student]
        sis_login = person["email"] if login == "email" else student
        rows.append([display_name(person, student), "", "", sis_login, ""]
                    + [number(submissions[a].points) if a in submissions else ""
                       for a in assignments])
    return _write(rows)


def detail_csv(results: ClassResults) -> str:
    """Per-test points and status, for the instructor (not for an LMS import)."""
    assignments = graded_assignments(results)
    header = ["Student", "ID", "Email address"]
    for a in assignments:
        header += [a, f"{a} · status", f"{a} · pending"]
        header += [per_test_column(a, test) for _, test, _ in results.tests[a]]
    rows = [header]
    for student, submissions in _by_student(results).items():
        person = results.students[student]
        row = [display_name(person, student), student, person["email"]]
        for a in assignments:
            s = submissions.get(a)
            if s is None:
                row += ["", "", ""] + [""] * len(results.tests[a])
                continue
            points = {t.grade_id: t.points for t in s.tests}
            row += [number(s.points), status_of(s), " ".join(s.pending_cells)]
            row += [number(points.get(grade_id)) for _, grade_id, _ in results.tests[a]]
        rows.append(row)
    return _write(rows)


def moodle_gradebook_csv(results: ClassResults) -> str:
    """For Moodle's gradebook import: map users by e-mail or username, columns to grade items."""
    assignments = graded_assignments(results)
    rows = [["Email address", "Username", "Full name"] + assignments]
    for student, submissions in _by_student(results).items():
        person = results.students[student]
        rows.append([person["email"], student, display_name(person, student)]
                    + [number(submissions[a].points) if a in submissions else ""
                       for a in assignments])
    return _write(rows)


def feedback_comment(submission: Submission) -> str:
    """The text for Moodle's "Feedback comments": the instructor's words first, then problems.

    Moodle stores it as HTML (assignfeedback_comments' set_editor_text: FORMAT_HTML): escaped,
    one paragraph per line, so that "<" in a comment about code stays text.
    """
    parts = [f"{grade_id}: {text}" for grade_id, text in submission.all_comments]
    parts += [problem.message for problem in submission.problems]
    if submission.pending_cells:
        parts.append(messages.provisional_note(submission.pending_cells))
    return "".join(f"<p>{html.escape(part, quote=False)}</p>" for part in parts)


def moodle_worksheet(submissions: list[Submission], language: str,
                     modified: datetime.datetime | None = None) -> str:
    # a real time: Moodle skips a row whose grade in Moodle is newer than this (+ 60 s)
    modified = modified or datetime.datetime.now(datetime.timezone.utc)
    stamp = modified.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000")
    rows = [list(WORKSHEET_HEADERS[language])]
    for s in sorted(submissions, key=lambda s: int(s.moodle_id or 0)):
        identifier = f"{WORKSHEET_PARTICIPANT[language]} {s.moodle_id}"
        rows.append([identifier, s.name, s.email, status_of(s), number(s.points),
                     number(s.max_points), stamp, feedback_comment(s)])
    return _write(rows)
