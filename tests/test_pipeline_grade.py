"""`autograder grade` on the tiny assignment: broken submissions, parallel = sequential,
resuming after a kill, idempotent re-runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import venv_environment

from autograder.api import Limits, feedback, grade
from autograder.outputs.feedback import page_path
from autograder.results import SubmissionResult

pytestmark = pytest.mark.slow  # each test runs nbgrader and Python kernels

ASSIGNMENT = "tiny"


def _cell_index(nb, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb.cells)
                if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def broken_class(tiny_class) -> dict[str, tuple[float, set[str]]]:
    """Submit one student per broken case; return student -> (expected points, problem codes)."""
    k = tiny_class
    expected = {}

    def case(student, nb, points, codes=()):
        k.submit(student, nb)
        expected[student] = (points, set(codes))

    case("completo", k.complete(), 5)
    case("en_blanco", k.notebook(), 0)
    case("json_roto", nbformat.writes(k.complete()).encode()[:300], 0, {"corrupt_json"})
    case("no_cuaderno", b'{"hola": "esto no es un cuaderno"}', 0, {"not_a_notebook"})
    case("sin_cuaderno", None, 0, {"no_notebook"})

    nb = k.complete()
    index = _cell_index(nb, "test_add_hidden")
    nb.cells.insert(index, nbformat.from_dict(json.loads(json.dumps(nb.cells[index]))))
    nb.cells[index]["id"] = "copia"
    case("duplicada", nb, 5, {"duplicated_cell"})

    nb = k.complete()
    del nb.cells[_cell_index(nb, "test_add_hidden")]
    del nb.cells[_cell_index(nb, "setup")]  # a locked, ungraded cell: nbgrader never restores it
    case("borrada", nb, 5, {"missing_cell"})

    nb = k.complete()
    nb.cells[_cell_index(nb, "test_add_hidden")].metadata.nbgrader["points"] = 100
    nb.cells[_cell_index(nb, "test_mul")].metadata.nbgrader["grade"] = False
    case("metadatos", nb, 5, {"edited_metadata"})

    nb = k.complete()
    moved = nb.cells.pop(_cell_index(nb, "test_add_hidden"))
    nb.cells.insert(_cell_index(nb, "add"), moved)  # the test now runs before add is defined
    case("reordenada", nb, 5, {"reordered_cell"})

    nb = k.complete(add="def add(a, b):\n    return a - b")
    nb.cells[_cell_index(nb, "test_add")].source = "pass  # ¡aprobado!"
    case("prueba_editada", nb, 2, {"edited_locked_cell"})

    case("os_exit", k.complete(mul="import os\nos._exit(1)"), 3, {"kernel_died", "suspicious_code"})
    case("bucle", k.complete(mul="while True:\n    pass"), 3, {"cell_timeout"})
    case("memoria", k.complete(mul="basura = bytearray(2 * 1024**3)\n" + k.solutions["mul"]),
         3, {"memory"})
    return expected


def test_every_broken_submission_gets_a_score_and_feedback_that_says_why(tiny_class):
    expected = broken_class(tiny_class)
    limits = Limits(cell_timeout=4, notebook_budget=60, max_memory_mb=512)

    summary = grade(tiny_class.course, workers=2, limits=limits, show_progress=False)

    results = {result.student: result for result in summary.graded}
    assert set(results) == set(expected)
    points = tiny_class.points()
    for student, (total, codes) in expected.items():
        result = results[student]
        assert result.points == total, (student, result.notebooks[0].cells)
        assert {p.code for p in result.all_problems} == codes, (student, result.all_problems)
        assert result.max_points == 6  # edited points never change what a test is worth
        assert sum(v or 0 for v in points[student].values()) == total  # recorded in nbgrader
    assert points["prueba_editada"]["test_add"] == 0  # the original test ran, and failed
    assert points["os_exit"]["test_mul"] == 0  # never ran: no free points
    not_run = {c.grade_id: c for c in results["os_exit"].notebooks[0].cells}["test_mul"]
    assert not_run.status == "not_run" and "No se ejecutó" in not_run.message

    feedback(tiny_class.course)
    for student in expected:
        page = page_path_of(tiny_class.course, student).read_text(encoding="utf-8")
        for problem in results[student].all_problems:
            assert problem.message.split("«")[0] in page
        assert tiny_class.hidden_source not in page and "HIDDEN TESTS" not in page
    leftovers = list((tiny_class.course / "grading" / ASSIGNMENT / ".scratch").iterdir())
    assert leftovers == []  # every kernel's pidfile is gone: each kernel was stopped


def page_path_of(course: Path, student: str) -> Path:
    from autograder.course import Course

    return page_path(Course.open(course), student, ASSIGNMENT)


def test_budget_and_unresponsive_kernels_stop_the_notebook_not_the_batch(tiny_class):
    k = tiny_class
    k.submit("dormilon", k.complete(mul="import time\ntime.sleep(120)"))
    k.submit("terco", k.complete(mul="import signal\nsignal.signal(signal.SIGINT, "
                                     "signal.SIG_IGN)\nwhile True:\n    pass"))
    k.submit("completo", k.complete())
    started = time.monotonic()

    # a cell that sleeps under the per-cell timeout, until the notebook's budget runs out
    budget = grade(k.course, students=["dormilon", "completo"], workers=2, show_progress=False,
                   limits=Limits(cell_timeout=60, notebook_budget=5, max_memory_mb=0))
    # a loop that ignores the interrupt sent at the per-cell timeout
    stubborn = grade(k.course, students=["terco"], workers=1, show_progress=False,
                     limits=Limits(cell_timeout=2, notebook_budget=60, max_memory_mb=0))

    assert time.monotonic() - started < 90
    results = {result.student: result for result in budget.graded + stubborn.graded}
    assert results["completo"].points == 5 and not results["completo"].all_problems
    assert [p.code for p in results["dormilon"].all_problems] == ["time_budget"]
    # `import signal` is also flagged for the instructor (suspicious.py); the score is the same
    assert [p.code for p in results["terco"].all_problems] == ["suspicious_code", "cell_timeout"]
    for student in ("dormilon", "terco"):
        cells = {cell.grade_id: cell for cell in results[student].notebooks[0].cells}
        assert results[student].points == 3 and cells["test_mul"].points == 0


def small_class(tiny_class) -> None:
    k = tiny_class
    k.submit("ana", k.complete())
    k.submit("bruno", k.notebook())
    k.submit("carmen", k.complete(mul="def mul(a, b):\n    return a + b"))
    k.submit("david", k.complete(add="def add(a, b):\n    return int(a) + int(b)"))
    k.submit("elena", k.notebook({"add": k.solutions["add"]}))
    k.submit("fede", k.complete(add="def add(a, b):\n    return a - b"))


def test_parallel_sequential_and_plain_nbgrader_give_the_same_points(tiny_class, tmp_path):
    small_class(tiny_class)
    copies = {}
    for name in ("sequential", "parallel", "nbgrader"):
        copies[name] = tmp_path / name
        shutil.copytree(tiny_class.course, copies[name])

    grade(copies["sequential"], workers=1, show_progress=False)
    grade(copies["parallel"], workers=3, show_progress=False)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), "autograde",
                    ASSIGNMENT], cwd=copies["nbgrader"], env=venv_environment(), check=True,
                   capture_output=True)

    from conftest import gradebook_points

    points = {name: gradebook_points(path, ASSIGNMENT) for name, path in copies.items()}
    assert points["sequential"] == points["parallel"] == points["nbgrader"]
    assert len(points["parallel"]) == 6
    assert points["parallel"]["ana"]["test_add_hidden"] == 2
    assert points["parallel"]["david"]["test_add_hidden"] == 0  # int() drops the decimals
    assert points["parallel"]["fede"]["test_mul"] == 2
    assert points["parallel"]["fede"]["test_add"] == 0


def _state(course: Path) -> dict:
    path = course / "grading" / ASSIGNMENT / "state.json"
    return json.loads(path.read_text())["recorded"] if path.is_file() else {}


def _our_processes(course: Path) -> list[int]:
    """Workers and kernels still running in (or under) the course folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == str(course) or cwd.startswith(str(course) + os.sep):
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find leftover processes")
def test_killing_a_run_midway_then_rerunning_loses_nothing_and_grades_nothing_twice(tiny_class):
    k = tiny_class
    slow = "import time\ntime.sleep(1.5)\n"
    students = [f"estudiante{i}" for i in range(6)]
    for number, student in enumerate(students):
        wrong = number % 2 == 1
        k.submit(student, k.complete(add=slow + ("def add(a, b):\n    return a - b" if wrong
                                                 else k.solutions["add"])))
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", "--workers", "1", "--no-progress",
         "--course-dir", str(k.course)],
        cwd=k.course, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=venv_environment(),
    )
    deadline = time.monotonic() + 120
    while len(_state(k.course)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)  # no clean-up of any kind
    process.wait()
    before = _state(k.course)
    assert 2 <= len(before) < len(students)

    deadline = time.monotonic() + 15  # workers see their stdin close; kernels die with them
    while _our_processes(k.course) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _our_processes(k.course) == []

    summary = grade(k.course, workers=2, show_progress=False)

    regraded = {result.student for result in summary.graded}
    assert not regraded & set(before)  # nothing recorded before is graded again
    assert summary.skipped + summary.recorded_only + len(regraded) == len(students)
    after = _state(k.course)
    assert set(after) == set(students)
    for student in before:
        assert after[student]["recorded_at"] == before[student]["recorded_at"]
    points = k.points()
    for number, student in enumerate(students):
        assert sum(v or 0 for v in points[student].values()) == (2 if number % 2 else 5)


def test_result_written_but_not_recorded_is_recorded_without_regrading(tiny_class):
    k = tiny_class
    k.submit("ana", k.complete())
    k.submit("bruno", k.notebook())
    grade(k.course, workers=2, show_progress=False)
    state_path = k.course / "grading" / ASSIGNMENT / "state.json"
    state = json.loads(state_path.read_text())
    del state["recorded"]["ana"]  # as if the run died between the worker's result and recording
    state_path.write_text(json.dumps(state))
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{k.course / 'gradebook.db'}") as gradebook:
        gradebook.remove_submission(ASSIGNMENT, "ana")

    summary = grade(k.course, workers=2, show_progress=False)

    assert (len(summary.graded), summary.recorded_only, summary.skipped) == (0, 1, 1)
    assert sum(v or 0 for v in k.points()["ana"].values()) == 5


def test_rerun_grades_only_what_changed(tiny_class):
    k = tiny_class
    k.submit("ana", k.complete())
    k.submit("bruno", k.notebook())
    first = grade(k.course, workers=2, show_progress=False)
    assert len(first.graded) == 2
    points = k.points()

    again = grade(k.course, workers=2, show_progress=False)
    assert (len(again.graded), again.skipped) == (0, 2)
    assert k.points() == points

    k.submit("bruno", k.complete())  # a late, corrected upload
    third = grade(k.course, workers=2, show_progress=False)
    assert [result.student for result in third.graded] == ["bruno"]
    assert sum(v or 0 for v in k.points()["bruno"].values()) == 5
    saved = SubmissionResult.load(k.course / "grading" / ASSIGNMENT / "results" / "bruno.json")
    assert saved.points == 5


FAKE_GRADER = '''
from autograder.results import CellResult, NotebookResult, PASSED


def grade_everything_right(task):
    """A stand-in for a grader that judges outside the kernel: one result per graded cell."""
    return NotebookResult(task.notebook, cells=[
        CellResult(cell.grade_id, cell.points, cell.points, PASSED, "")
        for cell in task.source.graded_cells
    ])
'''


def test_another_notebook_grader_can_be_plugged_in(tiny_class, tmp_path, monkeypatch):
    (tmp_path / "plugged").mkdir()
    (tmp_path / "plugged" / "my_grader.py").write_text(FAKE_GRADER)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "plugged"))  # the workers import it
    tiny_class.submit("ana", tiny_class.notebook())  # blank: nbgrader would give 0

    summary = grade(tiny_class.course, workers=1, show_progress=False,
                    notebook_grader="my_grader:grade_everything_right")

    assert summary.graded[0].points == 6
    assert tiny_class.points()["ana"] == {"test_add": 1, "test_add_hidden": 2, "test_mul": 2,
                                          "answer": 1}
