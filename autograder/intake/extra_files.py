"""Which of a student's other files travel with the notebook into submitted/ (collect).

Like `nbgrader autograde`, grading copies every file of submitted/<student>/<assignment>/ next to
the notebook in the kernel's folder (`batch/worker.py`), so a helper module or a small data file
the notebook reads works as it did on the student's machine (a `numpy.py` shadows nothing: the
kernel runs with PYTHONSAFEPATH). Kept: the files in the notebook's folder and below, by their
path relative to it. Dropped, and each reported to the student: files outside that folder (the
notebook could not reach them by the same relative path), a file named like one collect writes,
and what exceeds the size cap. Other notebooks are reported by collect as several notebooks.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from autograder import messages
from autograder.results import Problem

MAX_EXTRA_MB = 50  # a student's extra files, all together (a dataset has no place in a hand-in)
RESERVED = ("timestamp.txt",)


def extra_files(entries: list, selection: dict, problems: list[Problem]) -> dict:
    """The files handed in next to the notebook (helper modules, data), by path relative to the
    notebook's folder, as nbgrader copies them to the kernel's folder; the rest is reported."""
    if not selection:
        return {}
    base = PurePosixPath(next(iter(selection.values())).name).parent
    outside, reserved, too_large, extras = [], [], [], {}
    budget = MAX_EXTRA_MB * 2**20
    for entry in sorted(entries, key=lambda e: e.name):
        path = PurePosixPath(entry.name)
        if not entry.handed_in or entry.name.lower().endswith(".ipynb"):
            continue  # Moodle's own page; other notebooks are reported as several notebooks
        if base != PurePosixPath(".") and base not in path.parents:
            outside.append(entry.name)
            continue
        relative = str(path.relative_to(base))
        if relative in RESERVED:
            reserved.append(entry.name)
        elif entry.size > budget:
            too_large.append(entry.name)
        else:
            budget -= entry.size
            extras[relative] = entry
    if outside:
        problems.append(messages.dropped_files(outside, messages.DROPPED_OUTSIDE))
    if reserved:
        problems.append(messages.dropped_files(reserved, messages.DROPPED_RESERVED))
    if too_large:
        problems.append(messages.dropped_files(
            too_large, messages.DROPPED_TOO_LARGE.format(megabytes=MAX_EXTRA_MB)))
    return extras
