"""The `autograder` command: help with examples, one-line errors with status 2, `release` and the
students' `check`, which must work on a notebook alone, without any instructor file."""

from __future__ import annotations

import shutil
import zipfile

import nbformat
import pytest

from autograder.cli import main
from autograder.cli_examples import EXAMPLES

VERBS = ["release", "collect", "grade", "feedback", "export", "report", "publish", "check",
         "demo"]


def test_main_help_lists_every_verb_with_examples(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert all(verb in out for verb in VERBS)
    assert "autograder collect descargas.zip -a 01-autoencoder" in out


@pytest.mark.parametrize("verb", VERBS)
def test_each_verb_help_shows_real_examples(verb, capsys):
    with pytest.raises(SystemExit) as exited:
        main([verb, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert "ejemplos:" in out and f"autograder {verb}" in out
    assert EXAMPLES[verb].strip().splitlines()[1].strip() in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["grade", "--course-dir", "{tmp}"], "no es la carpeta de un curso"),
        (["release", "no-existe", "--course-dir", "{course}"], "tarea desconocida"),
        (["grade", "tiny", "--course-dir", "{course}", "--workers", "2"], "no hay entregas"),
        (["feedback", "--course-dir", "{course}"], "no hay entregas corregidas"),
        (["collect", "{tmp}/nada.zip", "-a", "tiny", "--course-dir", "{course}"], "no existe"),
        (["check", "{tmp}/nada.ipynb"], "no existe el archivo"),
    ],
)
def test_bad_input_is_one_line_and_status_2(arguments, message, tiny_course, tmp_path, capsys):
    arguments = [a.format(tmp=tmp_path, course=tiny_course) for a in arguments]
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert message in err and err.strip().count("\n") == 0


def test_grade_before_release_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n"
                                                 "c.CourseDirectory.source_directory = 'exercises'")
    (tmp_path / "exercises" / "a1").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "exercises" / "a1" / "a1.ipynb")
    (tmp_path / "submitted" / "ana" / "a1").mkdir(parents=True)
    assert main(["grade", "--course-dir", str(tmp_path)]) == 2
    assert "autograder release a1" in capsys.readouterr().err


@pytest.mark.slow
def test_release_cli_writes_student_versions_and_a_zip(tiny_course, run_autograder):
    shutil.rmtree(tiny_course / "release")

    done = run_autograder("release", "--course-dir", str(tiny_course))

    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tiny_course / "release" / "tiny.zip") as archive:
        assert archive.namelist() == ["tiny/comprobar.py", "tiny/tiny.ipynb"]
        released = archive.read("tiny/tiny.ipynb").decode()
    assert "BEGIN SOLUTION" not in released and "add(2.5, 2.5)" not in released
    assert "raise NotImplementedError()" in released


@pytest.fixture
def alone(tiny_class, tmp_path):
    """A folder with only a copy of a released notebook — and a trap for instructor files."""
    folder = tmp_path / "alumno"
    (folder / "solutions").mkdir(parents=True)
    (folder / "solutions" / "__init__.py").write_text(
        "raise ImportError('check used the instructor solutions')")
    return folder


@pytest.mark.slow
def test_check_on_a_released_notebook_alone(tiny_class, alone, run_autograder):
    shutil.copy(tiny_class.release, alone / "tiny.ipynb")
    nbformat.write(tiny_class.complete(), alone / "hecho.ipynb")
    before = (alone / "tiny.ipynb").read_bytes()

    blank = run_autograder("check", "tiny.ipynb", cwd=alone)
    done = run_autograder("check", "hecho.ipynb", cwd=alone)

    assert blank.returncode == 1, blank.stderr
    assert "✗ test_add" in blank.stdout and "NotImplementedError" in blank.stdout
    assert "· test_add_hidden" in blank.stdout and "solo pruebas ocultas" in blank.stdout
    assert "Pruebas visibles superadas: 0 de 2" in blank.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ test_add " in done.stdout and "✓ test_mul " in done.stdout
    assert "✎ answer" in done.stdout and "la corrige tu profesor" in done.stdout
    assert (alone / "tiny.ipynb").read_bytes() == before  # the student's file is untouched
    assert sorted(p.name for p in alone.iterdir()) == ["hecho.ipynb", "solutions", "tiny.ipynb"]


@pytest.mark.slow
def test_check_runs_only_visible_tests_even_on_the_instructor_version(tiny_class, alone, capsys):
    source = tiny_class.course / "exercises" / "tiny" / "tiny.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:  # a student's own (wrong) answer in the instructor's notebook
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
            cell.source = "def add(a, b):\n    return int(a) + int(b)"
    nbformat.write(nb, alone / "tiny.ipynb")

    assert main(["check", str(alone / "tiny.ipynb")]) == 0  # the hidden test would fail
    assert "· test_add_hidden" in capsys.readouterr().out


def test_progress_without_a_terminal_prints_counts_and_time_left(capsys):
    from autograder.batch.progress import GradingProgress

    progress = GradingProgress(total=3, description="Corrigiendo")
    progress.advance("ana · tiny: 5/6 (2 s)")
    progress.advance("bruno · tiny: 0/6 (1 s)")
    progress.close()

    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("[1/3] ana · tiny: 5/6") and "quedan ~" in lines[0]
    assert lines[1].startswith("[2/3] bruno")


def test_time_left_comes_from_measured_notebook_times_shared_among_workers(capsys):
    from autograder.batch.progress import GradingProgress

    progress = GradingProgress(total=6, description="Corrigiendo", workers=2)
    assert progress.seconds_left() is None  # nothing measured yet: no made-up figure
    progress.advance("ana · tiny: 5/6 (12 s)", seconds=12.0)
    progress.advance("bruno · tiny: 0/6 (8 s)", seconds=8.0)
    assert progress.seconds_left() == 10.0 * 4 / 2  # mean 10 s x 4 left, 2 at a time
    for _ in range(3):
        progress.advance("x", seconds=10.0)
    assert progress.seconds_left() == 10.0  # the last one runs alone
    progress.close()
    assert "quedan ~20 s" in capsys.readouterr().err.splitlines()[1]
