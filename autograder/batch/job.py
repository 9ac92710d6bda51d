"""One grading job: what the main process hands a worker for one student's assignment.

The main process builds it (`grade.py`), the pool sends it as one JSON line (`pool.py`), the
worker reads it back (`worker.py`) and packs it with the submission's files into a
self-contained `GradingTask` (`task.py`); for a Dask cluster the main process packs it
(`cluster.py`). Its fields are what grading needs besides the files: the gradebook's copy of the
source cells and kernelspecs, the limits, the grader to call.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

DEFAULT_NOTEBOOK_GRADER = "autograder.notebook.grader:grade_notebook"
# The grader's dotted path is hashed into every fingerprint (state.settings_of). The default
# grader lived at this path before the package was split into stages; fingerprints keep the old
# name so that the move regrades nobody, and an old name on a command line still works.
LEGACY_NOTEBOOK_GRADER = "autograder.notebook_grader:grade_notebook"


def canonical_grader(dotted: str | None) -> str:
    """The importable path of a notebook grader given by its current or its legacy name."""
    if not dotted or dotted == LEGACY_NOTEBOOK_GRADER:
        return DEFAULT_NOTEBOOK_GRADER
    return dotted


def uses_default_grader(dotted: str | None) -> bool:
    return canonical_grader(dotted) == DEFAULT_NOTEBOOK_GRADER


def fingerprint_name(dotted: str) -> str:
    """The name under which a grader enters fingerprints (stable across package moves)."""
    return LEGACY_NOTEBOOK_GRADER if uses_default_grader(dotted) else dotted


@dataclass
class GradingJob:
    id: str  # "<assignment>/<student>"
    course_dir: str
    assignment: str
    student: str
    fingerprint: str
    result_path: str  # where the worker saves the SubmissionResult
    db_url: str  # unused since workers build their own gradebook (kept: old job lines load)
    sources: list[dict]  # SourceNotebook.to_json() of every notebook of the assignment
    limits: dict  # Limits fields
    scratch: str  # per-assignment folder for kernel pidfiles and sockets
    notebook_grader: str = DEFAULT_NOTEBOOK_GRADER
    problems: list[dict] = field(default_factory=list)  # collect's problems for this student
    kernelspecs: dict = field(default_factory=dict)  # notebook -> the gradebook's kernelspec JSON

    @property
    def uses_default_grader(self) -> bool:
        return uses_default_grader(self.notebook_grader)

    def to_line(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_line(cls, line: str) -> GradingJob:
        return cls(**json.loads(line))
