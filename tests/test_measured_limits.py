"""Limits derived from the reference's measured grading time (`autograder limits`), and the
estimate of the time left counting jobs still running.

One module fixture measures the tiny assignment's reference, made slow on purpose (its `mul`
sleeps), and grades three submissions under the derived limits: an honest one twice as slow as
the reference, one that spins, one that spins with SIGINT masked.
"""

from __future__ import annotations

import json
import math
import shutil
import time

import nbformat
import pytest
from conftest import TINY, TinyClass

from autograder.batch import eta
from autograder.batch.grade import grade
from autograder.batch.measured_limits import limits, limits_for, limits_path
from autograder.course import AutograderError, Course
from autograder.kernel.clock import MAX_STRETCH
from autograder.notebook.limits import Limits, derived_limits

SLEEP = 0.1  # seconds per call of the reference's mul; its test cell calls it twice
SLOW_MUL = "import time\n\ndef mul(a, b):\n    time.sleep({sleep})\n    return a * b"
MIN_CELL, MIN_NOTEBOOK = 2, 10
SPIN = "while True:\n    pass"
MASKED_SPIN = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" + SPIN


def _slow_reference(course) -> None:
    path = course / "exercises" / TINY / f"{TINY}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "mul":
            cell.source = ("import time\n\ndef mul(a, b):\n    ### BEGIN SOLUTION\n"
                           f"    time.sleep({SLEEP})\n    return a * b\n    ### END SOLUTION")
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def measured(_released_tiny_course, tmp_path_factory):
    course = tmp_path_factory.mktemp("limits") / "course"
    shutil.copytree(_released_tiny_course, course)
    _slow_reference(course)
    started = time.monotonic()
    [(record, line)] = limits(course, [TINY], min_cell=MIN_CELL, min_notebook=MIN_NOTEBOOK)
    print(f"measured in {time.monotonic() - started:.1f} s")
    k = TinyClass(course)
    k.submit("lento", k.complete(mul=SLOW_MUL.format(sleep=2 * SLEEP)))
    k.submit("bucle", k.complete(mul=SPIN))
    k.submit("terco", k.complete(mul=MASKED_SPIN))
    summary = grade(course, workers=2, show_progress=False)  # no limits given: the measured
    return course, record, line, {result.student: result for result in summary.graded}


def test_the_measurement_is_recorded_and_the_limits_follow_it(measured):
    course, record, line, _ = measured
    assert json.loads(limits_path(Course.open(course), TINY).read_text())["cell_timeout"] == \
        record.cell_timeout
    # two sleeps in the test cell, on the kernel's clock
    assert 2 * SLEEP <= record.slowest_cell_seconds < 2 * SLEEP + 1.5
    assert record.cell_timeout == max(MIN_CELL, math.ceil(10 * record.slowest_cell_seconds))
    assert record.notebook_budget == max(MIN_NOTEBOOK, math.ceil(10 * record.reference_seconds))
    assert record.notebook_budget < Limits().notebook_budget / 10  # minutes, not a quarter hour
    assert f"{record.cell_timeout} s por celda" in line and "10 veces" in line


def test_an_honest_submission_twice_as_slow_as_the_reference_keeps_full_marks(measured):
    _, _, _, results = measured
    slow = results["lento"]
    assert slow.points == 5 and not slow.all_problems, slow.all_problems


def test_a_spinning_submission_is_stopped_within_the_derived_limit(measured):
    _, record, _, results = measured
    for student in ("bucle", "terco"):
        result = results[student]
        assert result.points == 3, (student, result.notebooks[0].cells)  # add's tests still ran
        [stopped] = [p for p in result.all_problems if p.code == "cell_timeout"]
        assert f"superó los {record.cell_timeout} s" in stopped.message
        assert "10 veces lo que tarda la solución de referencia" in stopped.message
        assert "time_budget" not in {p.code for p in result.all_problems}
        # stopped by the cell limit on the kernel's clock: on a loaded machine that may take
        # up to MAX_STRETCH times as many wall seconds, plus kernel start; the default limits
        # would have held it 300 s per cell (900 s with SIGINT masked)
        assert result.notebooks[0].seconds < MAX_STRETCH * record.cell_timeout + 30
    # the masked one was killed after the interrupt's grace, not left to the notebook budget
    assert "no respondió a la interrupción" in [
        p for p in results["terco"].all_problems if p.code == "cell_timeout"][0].message


def test_options_win_over_the_measurement_and_a_changed_solution_is_not_trusted(measured):
    course, record, _, _ = measured
    course = Course.open(course)
    chosen, _ = limits_for(course, TINY)
    assert (chosen.cell_timeout, chosen.notebook_budget, chosen.reference_factor) == (
        record.cell_timeout, record.notebook_budget, 10)
    chosen, line = limits_for(course, TINY, overrides={"notebook_budget": 77, "cell_timeout": None})
    assert (chosen.cell_timeout, chosen.notebook_budget, chosen.reference_factor) == (
        record.cell_timeout, 77, 0)  # the feedback no longer says "10 veces"
    assert "dados en la orden" in line
    given = Limits(cell_timeout=3, notebook_budget=9)
    assert limits_for(course, TINY, given)[0] is given  # the API's explicit limits: as they are
    source = course.source_dir / TINY / f"{TINY}.ipynb"
    original = source.read_bytes()
    try:
        source.write_bytes(original.replace(b"time.sleep", b"time.sleep "))
        chosen, line = limits_for(course, TINY)
        assert (chosen.cell_timeout, chosen.notebook_budget) == (
            course.cell_timeout, Limits().notebook_budget)
        assert "la solución cambió" in line
    finally:
        source.write_bytes(original)


def test_a_reference_that_loses_points_is_refused_and_nothing_is_recorded(tiny_course):
    source = tiny_course / "exercises" / TINY / f"{TINY}.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "add":
            cell.source = "def add(a, b):\n    return a - b"
    nbformat.write(nb, source)
    with pytest.raises(AutograderError, match="no obtiene todos los puntos"):
        limits(tiny_course, [TINY])
    assert not limits_path(Course.open(tiny_course), TINY).exists()
    with pytest.raises(AutograderError, match="--factor"):
        limits(tiny_course, [TINY], factor=0.5)


def test_derived_limits_have_floors_and_a_cell_never_gets_more_than_its_notebook():
    assert derived_limits(2.0, 0.01) == (30, 120)
    assert derived_limits(60.0, 40.0) == (400, 600)
    assert derived_limits(30.0, 29.0, factor=2, cell_floor=1, notebook_floor=1) == (58, 60)
    assert derived_limits(5.0, 5.0, cell_floor=200, notebook_floor=100) == (100, 100)


def test_the_time_left_counts_a_job_running_far_past_the_mean():
    from autograder.batch.progress import GradingProgress

    elapsed = [0.0]
    progress = GradingProgress(total=20, description="Corrigiendo", workers=2, enabled=False,
                               running=lambda: elapsed[:1], budget=900)
    for _ in range(19):
        progress.advance("x", seconds=10.0)
    elapsed[0] = 300.0  # the last one has looped for 5 minutes: not "quedan ~0 s"
    assert progress.seconds_left() == 300.0  # as long again, for all we know
    elapsed[0] = 880.0
    assert progress.seconds_left() == 20.0  # but no longer than its budget allows
    elapsed[0] = 4.0
    assert progress.seconds_left() == 6.0  # an ordinary one: the mean's rest
    # two running on two slots, three waiting: the waiting ones take the first free slots
    assert eta.seconds_left(10.0, 3, [2.0, 9.0], 2) == pytest.approx(21.0)
    assert eta.finish_times(10.0, 3, [2.0, 9.0], 2)[1] == pytest.approx([11.0, 18.0, 21.0])


def test_grade_while_the_service_holds_the_course_names_the_service(tiny_course):
    from autograder.batch.grade import _exclusive

    with _exclusive(Course.open(tiny_course), "autograder serve"):
        with pytest.raises(AutograderError, match="`autograder serve"):
            grade(tiny_course, show_progress=False)
    with _exclusive(Course.open(tiny_course)):
        with pytest.raises(AutograderError, match="`autograder grade"):
            grade(tiny_course, show_progress=False)


def test_the_service_eta_counts_the_job_still_running(tiny_course):
    import datetime

    from autograder.service.store import GRADING, Store
    from autograder.service.submissions import Service, queue_place

    store = Store(tiny_course / "service")
    service = Service(Course.open(tiny_course), store, 1 << 20, store.secret())
    received = datetime.datetime.now(datetime.timezone.utc)

    def upload(student):
        return store.accept(student, TINY, "tiny.ipynb", b"{}", received, False, True,
                            lambda recent: None)

    upload("ana")
    done = store.claim(set())
    store.save_result(done.id, {"seconds": 10.0}, True)  # the measured mean: 10 s
    store.finish(done.id, "graded")
    looping, waiting = upload("beto"), upload("carla")
    assert store.claim(set()).id == looping.id

    class Owner:  # what owner.OwnerProcess reads from service/owner.json
        def slots(self):
            return 1

        def running(self):
            return 1

        def elapsed(self):
            return {looping.id: 300.0}

        def limits_of(self, assignment):
            return Limits(notebook_budget=900)

    service.grader = Owner()
    assert queue_place(service, store.get(looping.id)) == (0, 300.0)
    assert store.get(looping.id).status == GRADING
    # behind a notebook that has looped for 5 minutes, not "the mean and a half"
    assert queue_place(service, store.get(waiting.id)) == (1, 310.0)


def test_without_a_terminal_a_long_job_gets_a_line_while_nothing_finishes(capsys, monkeypatch):
    from autograder.batch import progress as module

    monkeypatch.setattr(module, "REFRESH_SECONDS", 0.05)
    monkeypatch.setattr(module, "QUIET_LINE_SECONDS", 0.2)
    progress = module.GradingProgress(total=2, description="Corrigiendo", workers=2,
                                      running=lambda: [300.0], budget=900)
    progress.advance("ana · tiny: 5/6 (10 s)", seconds=10.0)
    time.sleep(0.6)
    progress.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("[1/2] ana") and "quedan ~5 min 00 s" in lines[0]
    assert any("corrigiendo 1 entrega(s), la más larga lleva 5 min 00 s" in line
               for line in lines[1:]), lines
