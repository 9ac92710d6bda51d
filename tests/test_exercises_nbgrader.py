"""The exercises graded for real: nbgrader generate_assignment, validate and autograde.

One course folder per assignment (so that the autograde runs, done in parallel, each have their
own gradebook), with a class of submissions made from the release as a student would: the
reference answers, a blank release, a partial one, end-to-end mutants and alternative styles.
Exercise 04 grades only the reference, the blank release and one mutant (training its
convolutional model is what costs; the other mutants and styles run in process).
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from exercise_notebooks import (
    ASSIGNMENTS,
    EXERCISES,
    ROOT,
    cell,
    graded_code_cells,
    mutated,
    nbgrader,
    nbgrader_metadata,
    source_notebook,
    with_sources,
)
from mutants import ALTERNATIVES, END_TO_END_ALTERNATIVES, MUTANTS

pytestmark = pytest.mark.slow

# Solution cells left as stubs in the partial submission, and the test cells that then fail
# (the cells of those parts, and of the parts built on them). An exercise not listed gets none.
PARTIAL = {
    "01-autoencoder": (
        {"add_noise", "train_denoising", "choose_threshold"},
        {"test_add_noise", "test_denoising", "test_choose_threshold"},
    ),
    "02-stacked-autoencoder": ({"few_labels_experiment"}, {"test_few_labels_experiment"}),
    "03-vae": (
        {"vae_class", "interpolate"},
        {"test_vae_encoder_decoder", "test_vae_kl_loss", "test_vae_generate",
         "test_trained_vae", "test_interpolate"},
    ),
}


def solution_cell_ids(notebook):
    return [
        nbgrader_metadata(c)["grade_id"] for c in notebook.cells
        if c.cell_type == "code" and nbgrader_metadata(c).get("solution")
    ]


def submission_from_release(release, answers, stubs=()):
    """The release with each solution cell answered from `answers`, except those in `stubs`."""
    return with_sources(release, {
        grade_id: cell(answers, grade_id).source
        for grade_id in solution_cell_ids(answers) if grade_id not in stubs
    })


def build_class(course: Path, assignment: str) -> dict[str, set[str]]:
    """Write the submissions; return student id -> test cells that must fail."""
    release = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    source = source_notebook(assignment)
    every_test = set(graded_code_cells(source))
    students = {
        "reference": (submission_from_release(release, source), set()),
        "blank": (release, every_test),
    }
    if assignment in PARTIAL:
        stubs, partial_failures = PARTIAL[assignment]
        students["partial"] = (submission_from_release(release, source, stubs), partial_failures)
    for mutant in MUTANTS:
        if mutant.end_to_end and mutant.assignment == assignment:
            answers = mutated(source, mutant.grade_id, mutant.old, mutant.new)
            students[f"mutant-{mutant.name}"] = (
                submission_from_release(release, answers), mutant.loses | mutant.trained_loses)
    for name in END_TO_END_ALTERNATIVES:
        alternative_assignment, sources = ALTERNATIVES[name]
        if alternative_assignment == assignment:
            students[f"alternative-{name}"] = (
                submission_from_release(release, with_sources(source, sources)), set())
    for student, (notebook, _) in students.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")
    return {student: failures for student, (_, failures) in students.items()}


def scores(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            submission.student.id: {
                grade.name: grade.score for grade in submission.notebooks[0].grades
                if grade.cell.cell_type == "code"
            }
            for submission in gradebook.assignment_submissions(assignment)
        }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate, validate and autograde every assignment; one course folder each, two at a time."""
    courses, expected = {}, {}
    for assignment in ASSIGNMENTS:
        course = tmp_path_factory.mktemp(assignment)
        shutil.copytree(EXERCISES, course / "exercises")
        shutil.copy(ROOT / "nbgrader_config.py", course)
        nbgrader("generate_assignment", assignment, "--force", cwd=course)
        expected[assignment] = build_class(course, assignment)
        courses[assignment] = course

    def validate(assignment):
        notebook = EXERCISES / assignment / f"{assignment}.ipynb"
        return nbgrader("validate", str(notebook), cwd=courses[assignment], check=False)

    with ThreadPoolExecutor(max_workers=2) as pool:
        validations = {a: pool.submit(validate, a) for a in ASSIGNMENTS}
        gradings = {a: pool.submit(nbgrader, "autograde", a, "--force", cwd=courses[a])
                    for a in ASSIGNMENTS}
        for future in gradings.values():
            future.result()
        validated = {a: f.result() for a, f in validations.items()}
    return {
        a: {"course": courses[a], "expected": expected[a], "scores": scores(courses[a], a),
            "validation": validated[a]}
        for a in ASSIGNMENTS
    }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_passes_nbgrader_validate(graded, assignment):
    validation = graded[assignment]["validation"]
    assert validation.returncode == 0
    assert "Success! Your notebook passes all the tests." in validation.stdout


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_submission_loses_exactly_the_points_of_what_it_breaks(graded, assignment):
    points = graded_code_cells(source_notebook(assignment))
    got = graded[assignment]["scores"]
    assert set(got) == set(graded[assignment]["expected"])
    mismatches = {}
    for student, failures in graded[assignment]["expected"].items():
        wanted = {g: (0.0 if g in failures else p) for g, p in points.items()}
        if got[student] != wanted:
            mismatches[student] = {g: (got[student].get(g), wanted[g]) for g in wanted
                                   if got[student].get(g) != wanted[g]}
    assert mismatches == {}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_blank_release_runs_every_test_cell_and_scores_zero(graded, assignment):
    course = graded[assignment]["course"]
    notebook = nbformat.read(
        course / "autograded" / "blank" / assignment / f"{assignment}.ipynb", as_version=4)
    for grade_id in graded_code_cells(notebook):
        executed = cell(notebook, grade_id)
        assert executed.execution_count is not None, f"{grade_id} was not executed"
        assert any(o.output_type == "error" for o in executed.outputs), grade_id
    assert sum(graded[assignment]["scores"]["blank"].values()) == 0


REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_contains_no_solution_and_no_hidden_test(graded, assignment):
    course = graded[assignment]["course"]
    release_text = (course / "release" / assignment / f"{assignment}.ipynb").read_text()
    release_lines = {
        line.strip()
        for c in nbformat.reads(release_text, as_version=4).cells
        for line in c.source.splitlines()
    }
    source_cells = source_notebook(assignment).cells
    secret_lines = {
        line.strip()
        for c in source_cells
        for _, region in REGION.findall(c.source)
        for line in region.splitlines()
        if len(line.strip()) > 3
    }
    # Lines that the source also shows outside those regions (e.g. `verbose=VERBOSE)`) are public.
    public_lines = {
        line.strip() for c in source_cells for line in REGION.sub("", c.source).splitlines()
    }
    secret_lines -= public_lines
    assert secret_lines, "the source notebook should have solution and hidden-test regions"
    assert secret_lines & release_lines == set()
    assert "BEGIN SOLUTION" not in release_text and "BEGIN HIDDEN TESTS" not in release_text


def printed(course: Path, assignment: str, grade_id: str) -> str:
    """What cell `grade_id` printed when the reference submission was graded (the fast mode's
    data and epochs, which a student running the notebook also gets)."""
    notebook = nbformat.read(
        course / "autograded" / "reference" / assignment / f"{assignment}.ipynb", as_version=4)
    return "".join(o.get("text", "") for o in cell(notebook, grade_id).outputs
                   if o.output_type == "stream")


def numbers(text: str) -> list[float]:
    """The figures in a printed line, in order ("8x8", the digits' size, is not one)."""
    return [float(n) for n in re.findall(r"\d+\.\d+|\d+", text.replace("8x8", ""))]


def test_the_figures_the_training_cells_promise_are_the_ones_they_print(graded):
    """Each training cell says what to expect on the digits; the reference must print it."""
    course = graded["01-autoencoder"]["course"]
    text = printed(course, "01-autoencoder", "plot_training")
    mse, baseline, low, high, approximate = numbers(text)[:5]
    assert "entre 0.5 y 0.7 veces" in text and "≈ 0.048" in text, text
    assert low <= mse / baseline <= high and abs(mse - approximate) <= 0.1 * approximate, text

    text = printed(course, "01-autoencoder", "plot_denoising")
    noisy, denoised, approximate = numbers(text)[:3]
    assert "cerca de la mitad" in text and "≈ 0.030" in text, text
    assert 0.4 <= denoised / noisy <= 0.6 and abs(denoised - approximate) <= 0.1 * approximate

    text = printed(graded["03-vae"]["course"], "03-vae", "train_vae")
    negative_elbo, approximate = numbers(text)[:2]
    assert "se espera ≈ 26" in text and "ATENCIÓN" not in text, text
    assert abs(negative_elbo - approximate) <= 0.1 * approximate, text
