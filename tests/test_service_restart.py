"""`autograder serve` killed and started again: every accepted submission graded exactly once.

The service is killed by its own pid (SIGKILL) while one submission is being graded and three
wait in the queue; started again, it grades each of them once, the gradebook ends with each
student's last submission, and `autograder grade` afterwards finds nothing to regrade. A SIGTERM
while grading is a clean stop: the job goes back to the queue and is graded on the next start.
"""

from __future__ import annotations

import os
import signal

import nbformat
import pytest
from conftest import TinyClass, gradebook_points, wait_for
from service_helpers import served_course

from autograder.service.store import GRADING, QUEUED, Store

pytestmark = pytest.mark.slow

SLOW_ADD = "import time\ntime.sleep(6)\ndef add(a, b):\n    return a + b"


def test_killed_service_grades_every_accepted_submission_exactly_once(_released_tiny_course,
                                                                         tmp_path):
    from autograder.api import export, feedback, grade

    served = served_course(_released_tiny_course, tmp_path)
    tiny = TinyClass(served.course)
    store = Store(served.course / "service")
    uploads = [("ana", tiny.complete(add=SLOW_ADD)), ("beto", tiny.complete()),
               ("carla", tiny.notebook()), ("ana", tiny.complete(mul="def mul(a, b):\n"
                                                                     "    return a + b"))]
    served.start("--workers", "1")
    try:
        ids = []
        for student, nb in uploads:
            answer = served.submit(student, nbformat.writes(nb).encode())
            assert answer.status_code == 202, answer.text
            ids.append(answer.json()["id"])
        assert wait_for(lambda: store.get(ids[0]).status == GRADING, 60)
        wait_for(lambda: False, 2)  # its kernel is running the slow cell now
        os.kill(served.process.pid, signal.SIGKILL)
        served.process.wait(timeout=30)
        statuses = [store.get(i).status for i in ids]
        # the first was being graded, the next may have been waiting for the worker
        assert statuses[0] == GRADING and set(statuses[1:]) <= {GRADING, QUEUED}
        assert QUEUED in statuses and not any(store.get(i).result for i in ids)

        served.start("--workers", "1")
        results = [served.wait_graded(student, i) for (student, _), i in zip(uploads, ids)]
        assert [r["points"] for r in results] == [5, 5, 0, 3]
        assert store.gradings() == {i: 1 for i in ids}  # exactly once each, none lost
        points = gradebook_points(served.course, "tiny")
        assert {s: sum(v or 0 for v in p.values()) for s, p in points.items()} == \
            {"ana": 3, "beto": 5, "carla": 0}  # ana's last submission counts

        # SIGTERM while grading: a clean stop, and the job goes back to the queue
        again = served.submit("beto", nbformat.writes(tiny.complete(add=SLOW_ADD)).encode())
        assert again.status_code == 202
        again_id = again.json()["id"]
        assert wait_for(lambda: store.get(again_id).status == GRADING, 60)
        assert served.stop() == 0
        assert store.get(again_id).status == QUEUED and again_id not in store.gradings()
        served.start("--workers", "1")
        assert served.wait_graded("beto", again_id)["points"] == 5
        assert store.gradings()[again_id] == 1
    finally:
        assert served.stop() == 0

    # the gradebook, results and state are grade's own: nothing to regrade, outputs work
    summary = grade(served.course, show_progress=False)
    assert summary.graded == [] and summary.recorded_only == 0 and summary.skipped == 3
    pages = feedback(served.course)
    assert len(pages.pages) == 3
    exported = export(served.course)
    assert "Ana" in exported.canvas.read_text(encoding="utf-8")
