"""What has been graded and recorded, so that a re-run grades nothing twice and loses nothing.

Per assignment, under grading/<assignment>/:

- results/<student>.json — a worker's `SubmissionResult`, with the fingerprint of what it graded;
- state.json — the submissions whose result is recorded in the gradebook, with that fingerprint.

A submission is graded when neither matches its current fingerprint, only recorded when its result
is there but not recorded (the run was killed in between), and skipped when both match. Recording
sets grades (never adds to them), so recording twice changes nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

from autograder.batch.job import fingerprint_name
from autograder.results import write_json_atomically

FORMAT = "autograder-grading-1"  # bump when results are no longer comparable


def fingerprint(submitted: Path, notebooks: list[str], settings: dict) -> str:
    """Hash of the submitted notebooks and of everything that decides their grade."""
    digest = hashlib.sha256(FORMAT.encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for name in sorted(notebooks):
        path = submitted / f"{name}.ipynb"
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def result_file(grading_folder: Path, student: str) -> Path:
    """grading/<assignment>/results/<student>.json: one student's SubmissionResult."""
    return Path(grading_folder) / "results" / f"{student}.json"


class GradingState:
    """The recorded submissions of one assignment (written by the main process only)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "state.json"
        self.recorded: dict[str, dict] = {}
        if self.path.is_file():
            self.recorded = json.loads(self.path.read_text(encoding="utf-8")).get("recorded", {})

    def result_path(self, student: str) -> Path:
        return result_file(self.folder, student)

    def is_recorded(self, student: str, fingerprint: str) -> bool:
        return self.recorded.get(student, {}).get("fingerprint") == fingerprint

    def has_result(self, student: str, fingerprint: str) -> bool:
        path = self.result_path(student)
        if not path.is_file():
            return False
        try:
            return json.loads(path.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
        except (OSError, json.JSONDecodeError):
            return False  # a torn write cannot happen, but a hand-edited file can

    def mark_recorded(self, student: str, fingerprint: str, status: str) -> None:
        self.recorded[student] = {
            "fingerprint": fingerprint,
            "status": status,
            "recorded_at": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        write_json_atomically(self.path, {"format": FORMAT, "recorded": self.recorded})


def settings_of(notebook_grader: str, sources) -> dict:
    """What, besides the submission, decides a grade: the tests and the grader.

    Limits (timeouts, memory) are left out on purpose: changing them should not regrade a class;
    `--retry-errors` regrades the submissions that hit them.
    """
    return {
        "grader": fingerprint_name(notebook_grader),
        "sources": [[c.grade_id, c.checksum, c.points] for source in sources for c in source.cells],
    }
