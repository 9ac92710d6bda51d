"""`autograder similarity`: which students handed in the same work, for the instructor to judge.

Writes report/similarity-<assignment>.html (pairs ranked, side by side, matches highlighted) and
.csv, and grading/<assignment>/similarity.json (this module owns it): the options used, the
flagged pairs and what the submissions looked like, so that `autograder report` shows the same
pairs, and runs it again with the same options when a submission has changed since. Nothing here
touches a grade or a student's feedback.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import AutograderError, Course
from autograder.messages import similarity as texts
from autograder.results import write_text_atomically
from autograder.similarity import THRESHOLD
from autograder.similarity.compare import Pair, common_limit, compare
from autograder.similarity.works import Skipped, Work, class_works, earlier_works, read_release

SHOWN_BELOW = 10  # unflagged pairs the page still shows, best first, for a sense of the margin
LISTED = 0.1  # pairs scoring less are left out of the CSV


@dataclass
class Similarity:
    assignment: str
    threshold: float
    pairs: list[Pair]  # scoring at least LISTED, best first
    skipped: list[Skipped]  # unreadable notebooks, and blank ones
    compared: int  # class submissions compared
    earlier: int  # earlier cohorts' notebooks compared with them
    seconds: float
    cells: list[str]  # answer labels, in notebook order
    common: int = 0  # fingerprints in more submissions than this were dropped as idioms
    scored: int = 0  # pairs sharing fingerprints, the only ones scored
    html: Path | None = None
    csv: Path | None = None
    against: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> list[Pair]:
        return [pair for pair in self.pairs if pair.score >= self.threshold]


def similarity(
    assignment: str,
    course_dir: str | os.PathLike = ".",
    *,
    against: list[str | os.PathLike] | None = None,
    threshold: float = THRESHOLD,
    common: int | None = None,
    out: str | os.PathLike | None = None,
) -> Similarity:
    """Compare every pair of `assignment`'s collected submissions (and each with the notebooks
    of earlier cohorts in `against`); write the page and the CSV into `out` (report/)."""
    if not 0 < threshold <= 1:
        raise AutograderError(texts.BAD_THRESHOLD.format(value=threshold))
    course = Course.open(course_dir)
    course.require_assignment(assignment)
    started = time.perf_counter()
    release = read_release(course, assignment)
    found = class_works(course, assignment, release)
    if not found:
        raise AutograderError(texts.NO_SUBMISSIONS.format(assignment=assignment))
    sources = [Path(path).resolve() for path in against or []]
    for source in sources:
        if source in (course.submitted_dir.resolve(), course.root):
            raise AutograderError(texts.AGAINST_ITSELF.format(path=source))
    for source in sources:
        found += earlier_works(source, assignment, release)
    works = [item for item in found if isinstance(item, Work)]
    skipped = [item for item in found if isinstance(item, Skipped)]
    class_size = sum(1 for work in works if not work.earlier)
    common = common if common is not None else common_limit(class_size)
    pairs, students, scored = compare(works, release, common=common, minimum=LISTED)
    skipped += [Skipped(s.work.who, texts.BLANK) for s in students if s.blank]
    result = Similarity(
        assignment, threshold, pairs, skipped,
        compared=sum(1 for s in students if not s.work.earlier and not s.blank),
        earlier=sum(1 for s in students if s.work.earlier and not s.blank),
        seconds=time.perf_counter() - started, cells=release.answer_labels,
        against=[str(source) for source in sources], common=common, scored=scored,
    )
    from autograder.outputs.similarity_page import write_pages

    result.html, result.csv = write_pages(course, result, Path(out) if out else None)
    _save(course, result)
    return result


# grading/<assignment>/similarity.json ------------------------------------------------------

def _record_path(course: Course, assignment: str) -> Path:
    return course.grading_dir / assignment / "similarity.json"


def _submissions_state(course: Course, assignment: str) -> list[list]:
    """What the collected notebooks look like now (name, size, time): a change means rerun."""
    root = course.submitted_dir
    files = sorted(root.glob(f"*/{assignment}/*.ipynb")) if root.is_dir() else []
    return [[str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns] for p in files]


def _save(course: Course, result: Similarity) -> None:
    record = {
        "threshold": result.threshold,
        "against": result.against,
        "html": str(result.html),
        "submissions": _submissions_state(course, result.assignment),
        "flagged": [_flagged(p) for p in result.flagged],
    }
    path = _record_path(course, result.assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(record, indent=1, ensure_ascii=False))


def flagged_pairs(course: Course, assignment: str, out: Path) -> tuple[list[dict], Path | None]:
    """The flagged pairs of `assignment` for the class report, with its similarity page in
    `out`: those of the last run when nothing changed since, else a new run with its options.
    No collected submissions, or no release: no pairs and no page."""
    path = _record_path(course, assignment)
    record = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    fresh = (record is not None
             and record.get("submissions") == _submissions_state(course, assignment)
             and Path(record.get("html", "")).parent == out.resolve()
             and Path(record["html"]).is_file())
    if fresh:
        return record["flagged"], Path(record["html"])
    if not _submissions_state(course, assignment):
        return [], None
    options = {"threshold": record["threshold"],
               "against": [p for p in record["against"] if Path(p).exists()]} if record else {}
    try:
        result = similarity(assignment, course.root, out=out, **options)
    except AutograderError:
        return [], None
    return [_flagged(p) for p in result.flagged], result.html


def _flagged(pair: Pair) -> dict:
    return {"a": pair.a.work.shown, "b": pair.b.work.shown, "score": round(pair.score, 4)}
