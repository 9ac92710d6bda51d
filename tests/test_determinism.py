"""The same submission graded three times gets the same points, test by test.

The submission mixes solved parts (trained models included) and broken ones (twice the noise,
a threshold left unsolved), so a flaky probe, an unseeded reference or a race in the pipeline
would show up as a point that comes and goes. Two students hand it in and are graded at the same
time, on two workers; then one of them is graded again on its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import gradebook_points

from autograder.api import grade, release
from autograder.demo import solution_sources, submission

pytestmark = pytest.mark.slow

ASSIGNMENT = "01-autoencoder"
ROOT = Path(__file__).resolve().parents[1]
WRONG_NOISE = (
    "import numpy as np\n\n"
    "def add_noise(x, noise_factor=0.3, seed=0):\n"
    "    rng = np.random.default_rng(seed)\n"
    "    return np.clip(x + 2 * noise_factor * rng.normal(size=np.shape(x)), 0, 1)"
)


def test_three_gradings_of_one_submission_give_identical_points(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copytree(ROOT / "exercises", course / "exercises")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    release(course, [ASSIGNMENT])
    answers = solution_sources(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    answers["add_noise"] = WRONG_NOISE
    del answers["choose_threshold"]  # left as released
    notebook = submission(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", answers)
    for student in ("alumna", "alumno"):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{ASSIGNMENT}.ipynb")

    grade(course, [ASSIGNMENT], workers=2, show_progress=False)
    together = gradebook_points(course, ASSIGNMENT)
    grade(course, [ASSIGNMENT], students=["alumna"], workers=1, force=True, show_progress=False)
    alone = gradebook_points(course, ASSIGNMENT)["alumna"]

    assert together["alumna"] == together["alumno"] == alone
    lost = {g for g, p in alone.items() if p == 0}
    assert {"test_add_noise", "test_choose_threshold"} <= lost, alone
    assert alone["test_trained_autoencoder"] == 2, alone
