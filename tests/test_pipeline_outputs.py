"""feedback, export and report on a small graded class (collected from a Moodle zip)."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import TinyClass, gradebook_points

from autograder.api import collect, export, feedback, grade, report
from autograder.outputs.export import IDENTITY_COLUMNS, per_test_column

pytestmark = pytest.mark.slow  # grades a class once for the module

ASSIGNMENT = "tiny"
TESTS = ["test_add", "test_add_hidden", "test_mul", "answer"]
STUDENTS = {  # login: (name, participant, kind)
    "ana": ("Ana García", 2001, "complete"),
    "bruno": ("Bruno Díaz", 2002, "bug"),
    "carmen": ("Carmen Ruiz", 2003, "blank"),
    "david": ("David Mora", 2004, "corrupt"),
    "elena": ("Elena Sanz", 2005, "duplicated"),
}


def _submission(k: TinyClass, kind: str) -> bytes:
    if kind == "complete":
        return nbformat.writes(k.complete()).encode()
    if kind == "bug":
        return nbformat.writes(k.complete(add="def add(a, b):\n    return a - b")).encode()
    if kind == "blank":
        return nbformat.writes(k.notebook()).encode()
    if kind == "corrupt":
        return nbformat.writes(k.complete()).encode()[:250]
    nb = k.complete()
    nb.cells.append(nbformat.from_dict(json.loads(json.dumps(nb.cells[3]))))
    nb.cells[-1]["id"] = "copia"
    return nbformat.writes(nb).encode()


@pytest.fixture(scope="module")
def graded(_released_tiny_course, tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("outputs") / "course"
    shutil.copytree(_released_tiny_course, course)
    k = TinyClass(course)
    archive = course.parent / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, number, kind in STUDENTS.values():
            zipped.writestr(f"{name}_{number}_assignsubmission_file_/tiny.ipynb",
                            _submission(k, kind))
    roster = course.parent / "roster.csv"
    roster.write_text("id,name,email,moodle_id\n" + "".join(
        f"{login},{name},{login}@upm.es,{number}\n"
        for login, (name, number, _) in STUDENTS.items()), encoding="utf-8")
    collect(archive, ASSIGNMENT, course, roster=roster)
    grade(course, workers=2, show_progress=False)
    return course


def _page(course: Path, student: str) -> str:
    return (course / "feedback" / student / ASSIGNMENT / "informe.html").read_text("utf-8")


def test_feedback_pages_show_points_and_messages_but_no_hidden_test(graded):
    pages = feedback(graded)

    assert len(pages.pages) == len(STUDENTS)
    bruno = _page(graded, "bruno")
    # automatic and written points apart (5 automatic + 1 written, still ungraded)
    assert "Pruebas automáticas:\n<strong>2 / 5</strong> puntos" in bruno
    assert "respuestas escritas: 0 /\n1 puntos" in bruno and "total: 2 /\n6" in bruno
    assert "add(1, 2) debe valer 3" in bruno  # a visible test's message
    assert "add con decimales falla" in bruno  # a hidden test's message, not its code
    for student in STUDENTS:
        page = _page(graded, student)
        assert "assert add(2.5, 2.5)" not in page and "HIDDEN TESTS" not in page
        assert all(f"<code>{test}</code>" in page for test in TESTS)
    assert _page(graded, "david").count("no es JSON válido") == 1  # said once, not per step
    assert "aparecía 2 veces" in _page(graded, "elena")
    assert "Corrección manual pendiente" in _page(graded, "ana")
    index = pages.index.read_text("utf-8")
    assert all(f"{student}/{ASSIGNMENT}/informe.html" in index for student in STUDENTS)
    with zipfile.ZipFile(pages.moodle_zips[0]) as zipped:
        assert sorted(zipped.namelist()) == sorted(
            f"{name}_{number}_assignsubmission_file_/informe.html"
            for name, number, _ in STUDENTS.values())


def test_export_csv_round_trips_to_the_gradebook(graded, tmp_path):
    exported = export(graded, out=tmp_path / "export")

    with open(exported.csv, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    header = list(rows[0])
    assert header[:len(IDENTITY_COLUMNS)] == IDENTITY_COLUMNS
    assert ASSIGNMENT in header
    points = gradebook_points(graded, ASSIGNMENT)
    assert {row["ID"] for row in rows} == set(points)
    for row in rows:
        recorded = points[row["ID"]]
        assert float(row[ASSIGNMENT]) == sum(v or 0 for v in recorded.values())
        for test in TESTS:
            cell = row[per_test_column(ASSIGNMENT, test)]
            assert (float(cell) if cell else None) == recorded[test]
        assert row["Email address"] == f"{row['ID']}@upm.es"
    assert {row["ID"]: row["Student"] for row in rows}["ana"] == "García, Ana"

    data = json.loads(exported.json.read_text("utf-8"))
    assert data["assignments"][ASSIGNMENT]["max_points"] == 6
    by_student = {s["student"]: s for s in data["submissions"]}
    assert by_student["bruno"]["points"] == 2
    assert {p["code"] for p in by_student["david"]["problems"]} == {"corrupt_json"}

    worksheet = list(csv.DictReader(open(exported.moodle_worksheets[0], encoding="utf-8")))
    assert {row["Identifier"]: float(row["Grade"]) for row in worksheet} == {
        f"Participant {number}": sum(v or 0 for v in points[login].values())
        for login, (_, number, _) in STUDENTS.items()}
    assert "Last modified (grade)" in worksheet[0]


def test_a_manual_grade_in_the_gradebook_reaches_feedback_and_export(graded, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        gradebook.find_grade("answer", ASSIGNMENT, ASSIGNMENT, "ana").manual_score = 1
        gradebook.db.commit()

    feedback(course, students=["ana"])
    exported = export(course)

    assert "<strong>6 / 6</strong>" in _page(course, "ana")
    rows = {row["ID"]: row for row in csv.DictReader(open(exported.csv, encoding="utf-8"))}
    assert rows["ana"][ASSIGNMENT] == "6"
    assert rows["ana"][per_test_column(ASSIGNMENT, "answer")] == "1"


def test_report_has_plots_failures_and_submissions_needing_attention(graded, tmp_path):
    written = report(graded, out=tmp_path / "report")

    html = written.html.read_text("utf-8")
    assert len(written.images) == 3
    for image in written.images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{image.name}"' in html
    assert "add(1, 2) debe valer 3" in html  # among the most frequent failures
    attention = html.split("Entregas que requieren atención")[1]
    assert "David Mora" in attention and "Elena Sanz" in attention
    assert "Ana García" not in attention


def test_publish_cli_is_feedback_export_and_report_in_one_command(graded, tmp_path,
                                                                  run_autograder):
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    for folder in ("feedback", "export", "report"):
        shutil.rmtree(course / folder, ignore_errors=True)

    done = run_autograder("publish", "--course-dir", str(course), cwd=course)

    assert done.returncode == 0, done.stderr
    assert (course / "feedback" / "index.html").is_file()
    assert (course / "feedback" / f"{ASSIGNMENT}-moodle.zip").is_file()
    assert (course / "export" / "grades.csv").is_file()
    assert (course / "export" / f"{ASSIGNMENT}-moodle-worksheet.csv").is_file()
    assert (course / "report" / "index.html").is_file()
    assert "class report: report/index.html" in done.stdout
