"""What grading one submission produces: per-cell results, problems, and their JSON form.

These plain records are the contract between a notebook grader (which runs in a worker process)
and everything after it (the gradebook writer, feedback, export, report). A plugged-in grader
(`--notebook-grader`) only has to return the same records.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Cell statuses
PASSED = "passed"  # all points
PARTIAL = "partial"  # some points (a test cell printing a partial score, as nbgrader allows)
FAILED = "failed"  # the verdict failed, or the cell raised, wrote to stderr or timed out
NOT_RUN = "not_run"  # never executed: the kernel died or the time budget ran out before it
MANUAL = "manual"  # written answer: graded by hand in formgrader

# Submission statuses
OK = "ok"  # graded; the score is the notebook's own doing
ATTENTION = "attention"  # graded, but something went wrong that the instructor should look at


@dataclass
class Problem:
    """Something that went wrong with a submission, explained to the student (Spanish)."""

    code: str  # stable identifier: corrupt_json, missing_cell, kernel_died, ...
    message: str
    notebook: str = ""
    cell: str = ""  # grade_id of the cell involved, when there is one


@dataclass
class CellResult:
    """The autograder's verdict on one graded cell."""

    grade_id: str
    max_points: float
    points: float | None  # None: waits for manual grading
    status: str
    message: str = ""  # why points were lost; never the hidden test's source


@dataclass
class NotebookResult:
    """Everything one grader run says about one submitted notebook."""

    name: str
    cells: list[CellResult] = field(default_factory=list)
    # auto comments nbgrader stores for answer cells ("No response." when left untouched)
    comments: dict[str, str | None] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    slowest_cell_seconds: float = 0.0  # kernel's clock (`autograder limits` derives from it)

    @property
    def points(self) -> float:
        return sum(cell.points or 0.0 for cell in self.cells)

    @property
    def max_points(self) -> float:
        return sum(cell.max_points for cell in self.cells)


@dataclass
class SubmissionResult:
    """One student's graded assignment, as written by a worker and read by the recorder."""

    assignment: str
    student: str
    fingerprint: str
    notebooks: list[NotebookResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # not tied to one notebook
    seconds: float = 0.0
    graded_at: str = ""
    timestamp: str | None = None  # submission time, from submitted/.../timestamp.txt

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for nb in self.notebooks for p in nb.problems]

    @property
    def status(self) -> str:
        return ATTENTION if self.all_problems else OK

    @property
    def points(self) -> float:
        return sum(nb.points for nb in self.notebooks)

    @property
    def max_points(self) -> float:
        return sum(nb.max_points for nb in self.notebooks)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SubmissionResult:
        notebooks = [
            NotebookResult(
                name=nb["name"],
                cells=[CellResult(**cell) for cell in nb["cells"]],
                comments=nb.get("comments", {}),
                problems=[Problem(**p) for p in nb.get("problems", [])],
                seconds=nb.get("seconds", 0.0),
                slowest_cell_seconds=nb.get("slowest_cell_seconds", 0.0),
            )
            for nb in data["notebooks"]
        ]
        problems = [Problem(**p) for p in data.get("problems", [])]
        fields = {k: v for k, v in data.items() if k not in ("notebooks", "problems")}
        return cls(notebooks=notebooks, problems=problems, **fields)

    def save(self, path: Path) -> None:
        write_json_atomically(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> SubmissionResult:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def write_json_atomically(path: Path, data) -> None:
    """Write JSON so that a reader (or a killed run) sees the old file or the new, never half."""
    write_text_atomically(path, json.dumps(data, ensure_ascii=False, indent=1))


def write_text_atomically(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
