"""The pipeline on a real assignment (01-autoencoder, TensorFlow, fast mode): release, a Moodle
zip with a complete and a blank submission, collect, parallel grade, feedback, export, report,
and a student's `check` on the released notebook alone."""

from __future__ import annotations

import shutil
import zipfile

import nbformat
import pytest
from conftest import gradebook_points

from autograder.api import collect, export, feedback, grade, release, report
from autograder.demo import solution_sources, submission

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-autoencoder"


def test_real_assignment_end_to_end(real_course, tmp_path, run_autograder):
    released = release(real_course, [ASSIGNMENT])
    notebook = released[0].folder / f"{ASSIGNMENT}.ipynb"
    solutions = solution_sources(real_course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for folder, answers in (("Ana García_3001_assignsubmission_file_", solutions),
                                ("Bruno Díaz_3002_assignsubmission_file_", {})):
            zipped.writestr(f"{folder}/{ASSIGNMENT}.ipynb",
                            nbformat.writes(submission(notebook, answers)))

    collected = collect(archive, ASSIGNMENT, real_course)
    summary = grade(real_course, workers=2, show_progress=False)

    assert [s.student for s in collected.students] == ["3001", "3002"]
    assert not any(result.all_problems for result in summary.graded)
    points = gradebook_points(real_course, ASSIGNMENT)
    manual = "answer_autoencoder_vs_pca"
    assert all(v == 0 for v in points["3002"].values())
    complete = {test: value for test, value in points["3001"].items() if test != manual}
    results = {r.student: r for r in summary.graded}
    maxima = {cell.grade_id: cell.max_points for cell in results["3001"].notebooks[0].cells}
    assert complete == {test: maxima[test] for test in complete}  # every autograded test passes
    assert points["3001"][manual] is None  # the written answer waits for the instructor

    pages = feedback(real_course)
    exported = export(real_course)
    written = report(real_course)
    page = pages.pages[0].read_text("utf-8")
    assert "autograder.checks" not in page and "HIDDEN TESTS" not in page
    assert exported.canvas.is_file() and exported.moodle_worksheets and written.html.is_file()

    alone = tmp_path / "alumno"
    alone.mkdir()
    shutil.copy(notebook, alone / f"{ASSIGNMENT}.ipynb")
    checked = run_autograder("check", f"{ASSIGNMENT}.ipynb", cwd=alone)
    assert checked.returncode == 1, checked.stderr
    assert "✗ test_autoencoder_shapes" in checked.stdout
    assert "✗ test_autoencoder_latent_size" in checked.stdout  # every test cell has visible tests
    assert "· " not in checked.stdout
    assert "Pruebas visibles superadas: 0 de" in checked.stdout


def test_the_reference_answers_of_exercises_02_and_03_get_full_marks_through_the_pipeline(
        real_course):
    """The trained-model checks take the grader's copy of the data in a grading kernel: it must
    be the data the notebooks train on (02's few-labels experiment, 03's trained VAE)."""
    assignments = ["02-stacked-autoencoder", "03-vae"]
    released = {r.assignment: r for r in release(real_course, assignments)}
    for assignment in assignments:
        source = real_course / "exercises" / assignment / f"{assignment}.ipynb"
        folder = real_course / "submitted" / "3001" / assignment
        folder.mkdir(parents=True)
        nbformat.write(submission(released[assignment].folder / f"{assignment}.ipynb",
                                  solution_sources(source)), folder / f"{assignment}.ipynb")

    summary = grade(real_course, assignments, workers=2, show_progress=False)

    assert len(summary.graded) == 2 and not any(r.all_problems for r in summary.graded)
    for result in summary.graded:
        cells = result.notebooks[0].cells
        autograded = [cell for cell in cells if cell.status != "manual"]
        assert autograded and all(cell.points == cell.max_points for cell in autograded), [
            (cell.grade_id, cell.message) for cell in autograded if cell.points != cell.max_points]
