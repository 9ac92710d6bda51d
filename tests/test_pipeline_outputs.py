"""feedback, export and report on a small graded class (collected from a Moodle zip)."""

from __future__ import annotations

import csv
import datetime
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import TinyClass, gradebook_points, venv_environment
from nbgrader.api import Gradebook

from autograder.api import collect, export, feedback, grade, report
from autograder.course import AutograderError, Course
from autograder.outputs.class_results import load_class
from autograder.outputs.lms import CANVAS_IDENTITY, per_test_column
from autograder.outputs.report import pass_rates

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
    assert "respuestas escritas: 0 /\n1 puntos" in bruno
    assert "total:\n<strong>2 / 6</strong>" in bruno
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


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_export_files_round_trip_to_the_gradebook(graded, tmp_path):
    exported = export(graded, out=tmp_path / "export")

    points = gradebook_points(graded, ASSIGNMENT)
    totals = {login: sum(v or 0 for v in recorded.values()) for login, recorded in points.items()}
    # Canvas: exactly its identity columns and one column per graded assignment (no e-mail, no
    # per-test or total column: GradebookImporter would create each as a new assignment)
    with open(exported.canvas, newline="", encoding="utf-8") as stream:
        canvas = list(csv.reader(stream))
    assert canvas[0] == CANVAS_IDENTITY + [ASSIGNMENT]
    assert canvas[1][0] == "Points Possible" and canvas[1][-1] == "6"
    by_login = {row[3]: row for row in canvas[2:]}
    assert set(by_login) == set(points)
    assert all(row[1] == "" for row in canvas[2:])  # we do not know Canvas's numeric ids
    assert {login: float(row[-1]) for login, row in by_login.items()} == totals
    assert by_login["ana"][0] == "García, Ana"
    with_email = export(graded, out=tmp_path / "by-email", canvas_login="email")
    assert {row["SIS Login ID"] for row in _csv(with_email.canvas)[1:]} == {
        f"{login}@upm.es" for login in STUDENTS}

    detail = {row["ID"]: row for row in _csv(exported.detail)}
    for login, recorded in points.items():
        for test in TESTS:
            cell = detail[login][per_test_column(ASSIGNMENT, test)]
            assert (float(cell) if cell else None) == recorded[test]
        assert detail[login]["Email address"] == f"{login}@upm.es"
    # no written answer is graded yet: every grade is provisional and says why, except where
    # there is nothing to grade by hand (0 as nbgrader gives: a blank answer, an unreadable file)
    readable = set(STUDENTS) - {"carmen", "david"}
    assert {login for login, row in detail.items()
            if row[f"{ASSIGNMENT} · status"] == "provisional"} == readable
    assert detail["ana"][f"{ASSIGNMENT} · pending"] == "answer"
    assert set(exported.pending) == {(login, ASSIGNMENT) for login in readable}

    moodle = {row["Email address"]: row for row in _csv(exported.moodle_gradebook)}
    assert {email: float(row[ASSIGNMENT]) for email, row in moodle.items()} == {
        f"{login}@upm.es": total for login, total in totals.items()}

    data = json.loads(exported.json.read_text("utf-8"))
    assert data["assignments"][ASSIGNMENT]["max_points"] == 6
    by_student = {s["student"]: s for s in data["submissions"]}
    assert by_student["bruno"]["points"] == 2
    assert by_student["bruno"]["status"] == "provisional"
    assert {p["code"] for p in by_student["david"]["problems"]} == {"corrupt_json"}

    worksheet = _csv(exported.moodle_worksheets[0])
    assert {row["Identifier"]: float(row["Grade"]) for row in worksheet} == {
        f"Participant {number}": totals[login] for login, (_, number, _) in STUDENTS.items()}
    assert {row["Maximum grade"] for row in worksheet} == {"6"}
    assert exported.max_points == {ASSIGNMENT: 6}
    # a time PHP's strtotime reads (Moodle skips a row whose grade is newer than it): not "-"
    for row in worksheet:
        modified = datetime.datetime.strptime(row["Last modified (grade)"],
                                              "%Y-%m-%d %H:%M:%S %z")
        assert abs((datetime.datetime.now(datetime.timezone.utc) - modified).total_seconds()) < 600
        if row["Identifier"] not in ("Participant 2003", "Participant 2004"):
            assert row["Status"] == "provisional" and "answer" in row["Feedback comments"]


def test_final_refuses_while_hand_grading_is_pending(graded, tmp_path, run_autograder):
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    shutil.rmtree(course / "export", ignore_errors=True)
    shutil.rmtree(course / "feedback", ignore_errors=True)

    with pytest.raises(AutograderError, match="corrección manual pendiente"):
        export(course, final=True)
    refused = run_autograder("publish", "--final", "--course-dir", str(course), cwd=course)
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0
    assert "ana · tiny: answer" in refused.stderr
    assert not (course / "export").exists() and not (course / "feedback").exists()

    warned = run_autograder("export", "--course-dir", str(course), cwd=course)
    assert warned.returncode == 0, warned.stderr
    assert "PROVISIONAL" in warned.stdout and "  - ana · tiny: answer" in warned.stdout
    assert "calificación máxima" in warned.stdout  # said where the instructor reads it

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for login in STUDENTS:
            grade = gradebook.find_grade("answer", ASSIGNMENT, ASSIGNMENT, login)
            grade.manual_score, grade.needs_manual_grade = 0, False
        gradebook.db.commit()
    assert export(course, final=True).pending == {}


def _hand_grade(course: Path, student: str, score: float, comments: dict[str, str]) -> None:
    """What formgrader's API handlers do when the instructor saves a score and comments."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade("answer", ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = score
        grade.needs_manual_grade = False
        for grade_id, text in comments.items():
            gradebook.find_comment(grade_id, ASSIGNMENT, ASSIGNMENT, student).manual_comment = text
        gradebook.db.commit()


def test_a_hand_grade_and_comments_reach_every_output_and_survive_a_regrade(graded, tmp_path,
                                                                          run_autograder):
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    feedback(course)  # everyone's page, before the instructor's hand grading
    _hand_grade(course, "ana", 1, {"answer": "Bien explicado, aunque breve.",
                                   "mul": "Revisa los negativos.", "add": "Código claro."})

    pages = feedback(course, students=["ana"])
    exported = export(course)

    page = _page(course, "ana")
    assert "<strong>6 / 6</strong>" in page
    assert "Bien explicado, aunque breve." in page and "Revisa los negativos." in page
    assert "Código claro." in page  # comments on code answers, which are not graded cells
    assert "provisional" not in page.split("<table>")[1]
    index = pages.index.read_text("utf-8")  # --student rewrote one page, not the index's list
    assert all(f"{student}/{ASSIGNMENT}/informe.html" in index for student in STUDENTS)
    with zipfile.ZipFile(pages.moodle_zips[0]) as zipped:
        member = next(n for n in zipped.namelist() if n.startswith("Ana García_2001"))
        assert "Bien explicado, aunque breve." in zipped.read(member).decode("utf-8")
    canvas = {row["SIS Login ID"]: row for row in _csv(exported.canvas)[1:]}
    assert canvas["ana"][ASSIGNMENT] == "6"
    assert {row["ID"]: row for row in _csv(exported.detail)}["ana"][
        per_test_column(ASSIGNMENT, "answer")] == "1"
    worksheet = {row["Identifier"]: row for row in _csv(exported.moodle_worksheets[0])}
    ana = worksheet["Participant 2001"]
    assert ana["Grade"] == "6" and ana["Status"] == "final"
    assert "answer: Bien explicado, aunque breve." in ana["Feedback comments"]
    data = {s["student"]: s for s in json.loads(exported.json.read_text("utf-8"))["submissions"]}
    assert {"grade_id": "answer", "text": "Bien explicado, aunque breve."} in data["ana"][
        "comments"]
    assert data["ana"]["status"] == "final" and data["ana"]["pending_cells"] == []

    # `grade --force` after hand grading keeps the hand grade, its flag and the comments
    done = run_autograder("grade", "--student", "ana", "--force", "--no-progress",
                          "--course-dir", str(course), cwd=course)
    assert done.returncode == 0, done.stderr
    assert "con la corrección a mano: ana · tiny: 6/6" in done.stdout  # what export will say
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        answer = gradebook.find_grade("answer", ASSIGNMENT, ASSIGNMENT, "ana")
        assert answer.manual_score == 1 and answer.needs_manual_grade is False
        assert gradebook.find_submission(ASSIGNMENT, "ana").needs_manual_grade is False
        comment = gradebook.find_comment("answer", ASSIGNMENT, ASSIGNMENT, "ana")
        assert comment.manual_comment == "Bien explicado, aunque breve."
    assert export(course).pending.get(("ana", ASSIGNMENT)) is None


def test_report_has_plots_failures_and_submissions_needing_attention(graded, tmp_path):
    written = report(graded, out=tmp_path / "report")

    html = written.html.read_text("utf-8")
    assert len(written.images) == 3
    for image in written.images:
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{image.name}"' in html
    assert "add(1, 2) debe valer 3" in html  # among the most frequent failures
    # the written answer nobody has hand-graded yet is "pending", not a 0 % pass rate
    rates = dict(pass_rates(load_class(Course.open(graded)), ASSIGNMENT))
    assert rates["answer (3 pendientes)"] == 0 and rates["test_mul"] == 3 / 5
    assert "Sin entregas" not in html
    attention = html.split("Entregas que requieren atención")[1]
    assert "David Mora" in attention and "Elena Sanz" in attention
    assert "Ana García" not in attention
    # the similarity report ran: Ana's and Elena's identical one-line answers flag no pair
    assert "Parecido entre entregas · tiny" in attention
    assert "Ninguna pareja por encima del umbral" in attention
    assert (tmp_path / "report" / "similarity-tiny.html").is_file()


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
    assert (course / "export" / "canvas-grades.csv").is_file()
    assert (course / "export" / f"{ASSIGNMENT}-moodle-worksheet.csv").is_file()
    assert (course / "report" / "index.html").is_file()
    assert "informe de la clase: report/index.html" in done.stdout


def _autograded(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                         as_version=4)


def _cell(nb: nbformat.NotebookNode, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def test_the_autograded_notebook_shows_verdicts_and_no_hidden_test(graded, tmp_path):
    bruno = _autograded(graded, "bruno")
    hidden = _cell(bruno, "test_add_hidden")
    assert [o.output_type for o in hidden.outputs] == ["stream"]
    assert hidden.outputs[0].text.startswith("✘ 0 / 2 puntos · No superada")
    assert "add con decimales falla" in hidden.outputs[0].text  # the reason, not a traceback
    assert _cell(bruno, "test_mul").outputs[0].text.startswith("✔ 2 / 2 puntos · Superada")
    for student in STUDENTS:
        text = nbformat.writes(_autograded(graded, student))
        assert "assert add(2.5, 2.5)" not in text and "BEGIN HIDDEN TESTS" not in text
    # the unreadable submission has a notebook too (formgrader lists it), saying what happened
    david = _autograded(graded, "david")
    assert "No se pudo leer esta entrega" in david.cells[0].source
    assert "no es JSON válido" in david.cells[0].source
    assert "0 / 2 puntos" in _cell(david, "test_mul").outputs[0].text

    # nbgrader's own feedback, made from these notebooks, shows the reason and hides the tests
    course = tmp_path / "course"
    shutil.copytree(graded, course)
    done = run_nbgrader("generate_feedback", ASSIGNMENT, "--force", cwd=course)
    assert done.returncode == 0, done.stderr[-2000:]
    html = (course / "feedback" / "bruno" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text("utf-8")
    assert "add con decimales falla" in html and "assert add(2.5, 2.5)" not in html
    assert (course / "feedback" / "david" / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()


def run_nbgrader(*args: str, cwd: Path):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd,
                          env=venv_environment(), capture_output=True, text=True, timeout=300)
