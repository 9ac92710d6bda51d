"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]

# The longest files first (minutes, measured with --durations): with `pytest -n 2 --dist
# loadfile` each file runs whole on one process, and a long one started last would run alone.
LONGEST_FIRST = ("test_exercises_nbgrader", "test_adversarial", "test_visible_checks",
                 "test_course", "test_service", "test_cluster", "test_pipeline_real",
                 "test_determinism", "test_service_restart", "test_grading_under_load",
                 "test_pipeline_grade", "test_sandbox_secrets", "test_service_cluster",
                 "test_course_conditional", "test_measured_limits")


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.stem
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order inside each file is kept

# --- Datasets (tests/test_data.py, test_models.py, test_cli.py) --------------------------------
# NOTE: reconstructed from their use in those tests after this file was accidentally overwritten
# by the pipeline work; the owner of those tests should check them against the original.


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's bundled digits as the course loads them (loaded once per session)."""
    from solutions.data import load_dataset

    return load_dataset("digits")


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """Offline mode with an empty Keras cache; returns the KERAS_HOME folder."""
    from solutions.data import OFFLINE_VARIABLE, PATH_VARIABLES

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv(OFFLINE_VARIABLE, "1")
    for variable in PATH_VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    return home


# --- Instructor pipeline (tests/test_pipeline_*.py) -------------------------------------------
# A tiny nbgrader assignment in pure Python (no TensorFlow), so that a notebook grades in a couple
# of seconds, and a factory of student submissions built from its released version.

TINY = "tiny"
TINY_CONFIG = '''
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "curso-de-prueba"
c.CourseDirectory.source_directory = "exercises"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.code_stub = {"python": "# TU CÓDIGO AQUÍ\\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "ESCRIBE AQUÍ TU RESPUESTA"
c.Execute.timeout = 20
'''

# grade_id -> solution source, as a complete student would write it
TINY_SOLUTIONS = {
    "add": "def add(a, b):\n    return a + b",
    "mul": "def mul(a, b):\n    return a * b",
    "answer": "Se suman los dos números.",
}


def _tiny_cell(kind: str, grade_id: str, source: str, points: float = 0) -> nbformat.NotebookNode:
    """One nbgrader cell: setup (locked), solution, test (graded, locked) or answer (manual)."""
    flags = {
        "setup": dict(grade=False, solution=False, locked=True),
        "solution": dict(grade=False, solution=True, locked=False),
        "test": dict(grade=True, solution=False, locked=True),
        "answer": dict(grade=True, solution=True, locked=False),
    }[kind]
    metadata = {"nbgrader": dict(flags, grade_id=grade_id, schema_version=3, task=False)}
    if flags["grade"]:
        metadata["nbgrader"]["points"] = points
    if kind == "answer":
        return nbformat.v4.new_markdown_cell(source, metadata=metadata)
    return nbformat.v4.new_code_cell(source, metadata=metadata)


TINY_SETUP = "import os\nGRADING = bool(os.environ.get('NBGRADER_EXECUTION'))"
TINY_HIDDEN_ADD = "assert add(2.5, 2.5) == 5, 'add con decimales falla'"  # must never leak


def tiny_source_notebook() -> nbformat.NotebookNode:
    """Setup, two functions to write, visible + hidden tests, a written answer: 6 points."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Ejercicio de prueba"),
        _tiny_cell("setup", "setup", TINY_SETUP),
        _tiny_cell("solution", "add",
                   "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                   "    ### END SOLUTION"),
        _tiny_cell("test", "test_add",
                   "assert add(1, 2) == 3, 'add(1, 2) debe valer 3'\n"
                   "### BEGIN HIDDEN TESTS\nassert add(-1, 1) == 0, 'add(-1, 1) debe valer 0'\n"
                   "### END HIDDEN TESTS", 1),
        _tiny_cell("test", "test_add_hidden",
                   f"# Pruebas ocultas\n### BEGIN HIDDEN TESTS\n{TINY_HIDDEN_ADD}\n"
                   "### END HIDDEN TESTS", 2),
        _tiny_cell("solution", "mul",
                   "def mul(a, b):\n    ### BEGIN SOLUTION\n    return a * b\n"
                   "    ### END SOLUTION"),
        _tiny_cell("test", "test_mul",
                   "assert mul(2, 3) == 6, 'mul(2, 3) debe valer 6'\n"
                   "### BEGIN HIDDEN TESTS\nassert mul(-2, 3) == -6, 'mul con negativos falla'\n"
                   "### END HIDDEN TESTS", 2),
        nbformat.v4.new_markdown_cell("¿Qué hace `add`?"),
        _tiny_cell("answer", "answer", "### BEGIN SOLUTION\nSuma.\n### END SOLUTION", 1),
    ]
    return nb


def venv_environment(**variables: str) -> dict[str, str]:
    """This process's environment with the venv's bin first on PATH (nbgrader runs alembic and
    jupyter from there), plus `variables`."""
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])
    return {**os.environ, "PATH": path, **variables}


def wait_for(condition, seconds: float, interval: float = 0.2):
    """Poll `condition` until it returns something truthy (returned) or `seconds` pass (False)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return False


def _run_autograder(*args: str, cwd: Path | None = None, timeout: int = 600):
    """`autograder ARGS...` in a subprocess (venv bin on PATH for nbgrader's alembic)."""
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        cwd=cwd, env=venv_environment(), capture_output=True, text=True, timeout=timeout,
    )


def gradebook_points(course: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """student -> grade_id -> score as nbgrader's gradebook has it (None: nothing recorded)."""
    from nbgrader.api import Gradebook

    points: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in gradebook.find_assignment(assignment).submissions:
            points[submission.student.id] = {
                grade.name: (None if grade.auto_score is None and grade.manual_score is None
                             else float(grade.score))
                for notebook in submission.notebooks for grade in notebook.grades
            }
    return points


class TinyClass:
    """Builds submissions of the tiny assignment from its released notebook."""

    assignment = TINY
    solutions = TINY_SOLUTIONS
    hidden_source = TINY_HIDDEN_ADD

    def __init__(self, course: Path):
        self.course = course
        self.release = course / "release" / TINY / f"{TINY}.ipynb"

    def notebook(self, solutions: dict[str, str] | None = None) -> nbformat.NotebookNode:
        """The released notebook with these answer cells filled in (grade_id -> source)."""
        nb = nbformat.read(self.release, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if solutions and grade_id in solutions:
                cell.source = solutions[grade_id]
        return nb

    def complete(self, **changes: str) -> nbformat.NotebookNode:
        """A correct submission, with some answer cells replaced (grade_id=source)."""
        return self.notebook({**TINY_SOLUTIONS, **changes})

    def submit(self, student: str, nb: nbformat.NotebookNode | bytes | None) -> Path:
        """Put a submission in submitted/<student>/tiny/ (None: a folder without notebook)."""
        folder = self.course / "submitted" / student / TINY
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{TINY}.ipynb"
        if isinstance(nb, bytes):
            path.write_bytes(nb)
        elif nb is not None:
            nbformat.write(nb, path)
        return path

    def points(self) -> dict[str, dict[str, float | None]]:
        return gradebook_points(self.course, TINY)

    def cli(self, *args: str, timeout: int = 600):
        return _run_autograder(*args, "--course-dir", str(self.course), timeout=timeout)


@pytest.fixture
def run_autograder():
    """Run the `autograder` command in a subprocess: run_autograder(*args, cwd=None)."""
    return _run_autograder


@pytest.fixture(scope="session")
def _released_tiny_course(tmp_path_factory) -> Path:
    """A course folder with the tiny assignment released (made once: nbgrader takes seconds)."""
    from autograder.intake.release import release

    course = tmp_path_factory.mktemp("tiny-course-template")
    (course / "nbgrader_config.py").write_text(TINY_CONFIG)
    (course / "exercises" / TINY).mkdir(parents=True)
    nbformat.write(tiny_source_notebook(), course / "exercises" / TINY / f"{TINY}.ipynb")
    release(course, [TINY])
    return course


@pytest.fixture
def tiny_course(_released_tiny_course, tmp_path) -> Path:
    """A fresh copy of the released tiny course, for one test to change as it likes."""
    course = tmp_path / "course"
    shutil.copytree(_released_tiny_course, course)
    return course


@pytest.fixture
def tiny_class(tiny_course) -> TinyClass:
    return TinyClass(tiny_course)


@pytest.fixture
def real_course(tmp_path) -> Path:
    """A course folder with the repository's real exercises and nbgrader configuration."""
    course = tmp_path / "real-course"
    course.mkdir()
    shutil.copytree(REPO / "exercises", course / "exercises")
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    return course
