"""An honest submission keeps full marks while the machine is busy (the validation run's case:
`make test` at load 5-7 cut the honest student).

The grading runs pinned to one CPU together with busy processes of the test's own (bounded,
killed at the end), so the notebook takes several times its idle wall time. The limits are set
so that wall-clock limits would cut it: the cell timeout below the loaded wall time of its
training cell, the notebook budget below its loaded total. The kernel's clock
(`autograder/kernel/clock.py`) charges only the time the kernel could run, so nothing is cut.
One notebook of the fastest exercise (01).
"""

from __future__ import annotations

import os
import subprocess
import sys

import nbformat
import pytest
from conftest import gradebook_points

from autograder.api import grade, release
from autograder.demo import solution_sources, submission
from autograder.notebook.limits import Limits

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (hasattr(os, "sched_setaffinity")
                            and os.path.exists("/proc/self/schedstat")),
                       reason="needs Linux schedstat and CPU affinity"),
]

ASSIGNMENT = "01-autoencoder"
RIVALS = 2  # busy processes sharing the grading's CPU: it runs at most a third of the time
# Measured on this project's 2-core machine at load 7-10 with RIVALS on the grading's CPU: the
# two training cells took 70 s of wall time each and the notebook 200 s in its cells (plus the
# kernel start), beyond the cell timeout and close to the budget in wall seconds; the kernel's
# clock charged the training cells 30-40 s. (The adversarial test's limits: 45 s and 240 s.)
LIMITS = Limits(cell_timeout=60, notebook_budget=240, max_memory_mb=4096)


@pytest.fixture
def busy_cpu():
    """One CPU shared by this process (and so the grading it starts) and RIVALS spinners."""
    allowed = os.sched_getaffinity(0)
    cpu = min(allowed)
    os.sched_setaffinity(0, {cpu})
    rivals = [subprocess.Popen([sys.executable, "-c", "while True:\n    pass"])
              for _ in range(RIVALS)]
    try:
        yield cpu
    finally:
        for rival in rivals:
            rival.kill()
            rival.wait()
        os.sched_setaffinity(0, allowed)


def test_an_honest_submission_keeps_full_marks_on_a_busy_machine(real_course, busy_cpu):
    released = release(real_course, [ASSIGNMENT])
    source = real_course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    folder = real_course / "submitted" / "honesta" / ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(submission(released[0].folder / f"{ASSIGNMENT}.ipynb",
                              solution_sources(source)), folder / f"{ASSIGNMENT}.ipynb")

    summary = grade(real_course, [ASSIGNMENT], workers=1, show_progress=False, limits=LIMITS)

    [result] = summary.graded
    assert result.all_problems == [], [p.message for p in result.all_problems]
    cells = result.notebooks[0].cells
    autograded = {c.grade_id: c.max_points for c in cells if c.status != "manual"}
    points = gradebook_points(real_course, ASSIGNMENT)["honesta"]
    assert {g: points[g] for g in autograded} == autograded
