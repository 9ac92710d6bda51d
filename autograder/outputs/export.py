"""`autograder export`: the grade files, one per purpose (formats and their sources: lms.py and
docs/lms-formats.md), and the whole detail as JSON.

export/canvas-grades.csv — Canvas's gradebook import: identity columns + one column per graded
assignment, and a "Points Possible" row.
export/moodle-gradebook.csv — Moodle's gradebook CSV import (users mapped by e-mail address).
export/<assignment>-moodle-worksheet.csv — when the submissions came from a Moodle zip: the
assignment's "Upload grading worksheet" (grade, status, feedback comments, a real last-modified).
export/grades-detail.csv — for the instructor: per-test points, status (final / provisional),
the cells still waiting for hand grading.
export/grades.json — everything: per test points, statuses, comments, messages and problems.

While formgrader still lists cells to grade by hand, the grades are provisional: `Exported`
names the submissions and cells, the files mark them, and `final=True` refuses to write anything.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.course import AutograderError, Course
from autograder.outputs import lms
from autograder.outputs.class_results import ClassResults, load_class
from autograder.results import write_text_atomically

CANVAS_NAME = "canvas-grades.csv"
MOODLE_GRADEBOOK_NAME = "moodle-gradebook.csv"
DETAIL_NAME = "grades-detail.csv"
JSON_NAME = "grades.json"


@dataclass
class Exported:
    canvas: Path
    moodle_gradebook: Path
    detail: Path
    json: Path
    moodle_worksheets: list[Path]
    # (student, assignment) -> cells still waiting for hand grading
    pending: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    max_points: dict[str, float] = field(default_factory=dict)  # per worksheet's assignment


def pending_cells(results: ClassResults) -> dict[tuple[str, str], list[str]]:
    return {(s.student, s.assignment): s.pending_cells
            for s in results.submissions if s.pending_cells}


def refuse_provisional(pending: dict[tuple[str, str], list[str]]) -> None:
    """The one-line error of --final while hand grading is not finished."""
    if pending:
        listed = "; ".join(f"{student} · {assignment}: {', '.join(cells)}"
                           for (student, assignment), cells in sorted(pending.items()))
        raise AutograderError(
            f"--final: {len(pending)} entrega(s) con corrección manual pendiente ({listed}); "
            "termina en formgrader o quita --final")


def export(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    out: str | os.PathLike | None = None,
    moodle_language: str = "en",
    canvas_login: str = "id",
    final: bool = False,
) -> Exported:
    """Write the grade files; with `final`, refuse while any grade is provisional."""
    if moodle_language not in lms.WORKSHEET_HEADERS:
        raise AutograderError(
            f"--moodle-language debe ser uno de: {', '.join(lms.WORKSHEET_HEADERS)}")
    if canvas_login not in lms.CANVAS_LOGINS:
        raise AutograderError(f"--canvas-login debe ser uno de: {', '.join(lms.CANVAS_LOGINS)}")
    course = Course.open(course_dir)
    results = load_class(course, assignments)
    if not results.submissions:
        raise AutograderError("no hay entregas corregidas: ejecuta antes `autograder grade`")
    pending = pending_cells(results)
    if final:
        refuse_provisional(pending)
    folder = Path(out) if out else course.root / "export"
    exported = Exported(folder / CANVAS_NAME, folder / MOODLE_GRADEBOOK_NAME,
                        folder / DETAIL_NAME, folder / JSON_NAME, [], pending)
    write_text_atomically(exported.canvas, lms.canvas_csv(results, canvas_login))
    write_text_atomically(exported.moodle_gradebook, lms.moodle_gradebook_csv(results))
    write_text_atomically(exported.detail, lms.detail_csv(results))
    write_text_atomically(exported.json, json.dumps(grades_json(course, results),
                                                    ensure_ascii=False, indent=1))
    for assignment in results.assignments:
        rows = [s for s in results.of(assignment) if s.moodle_id]
        if rows:
            path = folder / f"{assignment}-moodle-worksheet.csv"
            write_text_atomically(path, lms.moodle_worksheet(rows, moodle_language))
            exported.moodle_worksheets.append(path)
            exported.max_points[assignment] = rows[0].max_points
    return exported


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
                "status": lms.status_of(s),
                "pending_manual": s.pending_manual,
                "pending_cells": s.pending_cells,
                "comments": [{"grade_id": g, "text": t} for g, t in s.all_comments],
                "graded_at": s.graded_at,
                "tests": [asdict(test) for test in s.tests],
                "problems": [asdict(problem) for problem in s.problems],
            }
            for s in results.submissions
        ],
    }
