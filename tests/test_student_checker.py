"""The students' checker, `comprobar.py`, shipped in each release zip: no reference code, and it
works on a machine where neither `autograder` nor `solutions` can be imported."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from exercise_notebooks import ASSIGNMENTS, EXERCISES, ROOT, mutated, source_notebook
from mutants import MUTANTS
from test_visible_checks import answered

pytestmark = pytest.mark.slow

SECRET_REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
BLOCKER = '''
import importlib.abc, sys


class _Unavailable(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("autograder", "solutions"):
            raise ImportError(name + " is not installed on a student's machine")


sys.meta_path.insert(0, _Unavailable())
'''


# Lines any Python script may share with the reference code: not an implementation of anything.
BOILERPLATE = ("#", '"', "'", "import ", "from ", "if __name__", "sys.exit(", "parser = ")


@pytest.fixture(scope="module")
def released_course(tmp_path_factory):
    from autograder.intake.release import release

    course = tmp_path_factory.mktemp("course")
    shutil.copytree(EXERCISES, course / "exercises")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    release(course, list(ASSIGNMENTS))
    return course


def reference_code_lines() -> set[str]:
    """Lines of every correct implementation the project holds: the notebooks' solution and
    hidden-test regions, the `solutions` package and the checks' building blocks."""
    texts = [region for a in ASSIGNMENTS for c in source_notebook(a).cells
             for _, region in SECRET_REGION.findall(c.source)]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "solutions").rglob("*.py")]
    texts.append((ROOT / "autograder" / "checks" / "building_blocks.py").read_text())
    public = {line.strip() for a in ASSIGNMENTS for c in source_notebook(a).cells
              for line in SECRET_REGION.sub("", c.source).splitlines()}
    return {
        line.strip() for text in texts for line in text.splitlines()
        if len(line.strip()) > 12 and not line.strip().startswith(BOILERPLATE)
    } - public


DATA = ROOT / "course" / "data"


def test_release_zip_holds_the_checker_the_data_and_none_of_the_reference_code(released_course):
    secret = reference_code_lines()
    # the set is not empty (04 gives away 03's Sampling, KL and loss: public from then on)
    assert not any("ops.exp(0.5 * z_log_var)" in line for line in secret)
    assert any("layers.Concatenate()([layers.Flatten()(hidden), label])" in line
               for line in secret)
    for assignment in ASSIGNMENTS:
        with zipfile.ZipFile(released_course / "release" / f"{assignment}.zip") as archive:
            names = archive.namelist()
            assert sorted(names) == [f"{assignment}/{assignment}.ipynb",
                                     f"{assignment}/comprobar.py",
                                     f"{assignment}/mnist_subset.README.md",
                                     f"{assignment}/mnist_subset.npz"]
            # the 28x28 digits, offline, with their attribution; the folder holds the same
            data = archive.read(f"{assignment}/mnist_subset.npz")
            assert data == (DATA / "mnist_subset.npz").read_bytes()
            assert data == (released_course / "release" / assignment / "mnist_subset.npz"
                            ).read_bytes()
            assert "Attribution" in archive.read(f"{assignment}/mnist_subset.README.md").decode()
            for name in names:
                if name.endswith(".npz"):
                    continue
                text = archive.read(name).decode("utf-8")
                if name.endswith(".ipynb"):
                    text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
                shipped = {line.strip() for line in text.splitlines()}
                assert shipped & secret == set(), name
                assert not re.search(r"^\s*(from|import) (autograder|solutions)\b", text, re.M)


def test_checker_points_at_the_mistake_without_the_instructor_packages(released_course, tmp_path):
    mutant = next(m for m in MUTANTS if m.name == "kl_slide_formula")
    release = nbformat.read(released_course / "release" / "03-vae" / "03-vae.ipynb", as_version=4)
    source = source_notebook("03-vae")
    student = tmp_path / "alumno"
    student.mkdir()
    nbformat.write(answered(release, mutated(source, mutant.grade_id, mutant.old, mutant.new)),
                   student / "03-vae.ipynb")
    shutil.copy(released_course / "release" / "03-vae" / "comprobar.py", student)
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    environment = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
                   "PYTHONPATH": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "comprobar.py", "03-vae.ipynb"], cwd=student,
                          env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    lines = done.stdout.splitlines()
    failed = [line for line in lines if line.lstrip().startswith("✗")]
    assert len(failed) == 1 and "test_kl_divergence_values" in failed[0], done.stdout
    assert "la fórmula de las transparencias da 1.0" in failed[0]
    assert "Pruebas visibles superadas: 11 de 12." in done.stdout
    assert sum(line.lstrip().startswith("✎") for line in lines) == 3  # the written answers


def test_checker_says_in_one_line_what_is_wrong_with_a_bad_file(tmp_path):
    checker = ROOT / "autograder" / "student_checker.py"
    (tmp_path / "roto.ipynb").write_text("{no es json")
    for name, words in (("no-existe.ipynb", "no existe"), ("roto.ipynb", "no es un JSON")):
        done = subprocess.run([sys.executable, str(checker), name], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode != 0 and words in done.stderr and "Traceback" not in done.stderr
