"""A student's own work in an assignment: the answer cells and the cells they added, nothing else.

The release decides what is not the student's: its locked and test cells are left out by
grade_id, a cell whose text is exactly a released cell's is left out, and every k-gram of the
released notebooks (starter code, the exercise's own text, the answer cells' stubs) is
boilerplate that never makes two students similar. Answers are code or written (Markdown) cells.

Submissions come from submitted/<student>/<assignment>/ (the class) or from earlier cohorts
(`--against`): a previous run's submitted/ folder, any folder of notebooks, or a .zip archive.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.course import AutograderError, Course
from autograder.intake.manifest import Manifest
from autograder.messages import similarity as texts
from autograder.notebook.notebook_file import parse_notebook
from autograder.notebook.reidentify import normalized
from autograder.similarity.fingerprints import CODE, TEXT, all_hashes

MAX_NOTEBOOK_BYTES = 50 * 2**20  # larger files (outputs full of images) are listed, not read
OTHER_CELLS = "otras celdas"


@dataclass
class Cell:
    label: str  # the answer's grade_id, or OTHER_CELLS for cells the student added
    kind: str  # CODE or TEXT
    source: str


@dataclass
class Work:
    who: str  # student id, or "<archive>/<path>" for an earlier cohort
    cells: list[Cell]
    earlier: bool = False
    name: str = ""  # the student's name, when `collect` knew it

    @property
    def shown(self) -> str:
        return f"{self.name} ({self.who})" if self.name else self.who


@dataclass
class Skipped:
    who: str
    reason: str


@dataclass
class Release:
    """What the students were given: per notebook, its answer cells and every cell's text."""

    notebooks: list[str]
    answers: dict[str, list[str]]  # notebook -> grade_ids of its answer cells, in order
    released_texts: set[str]
    boilerplate: dict[str, set[int]] = field(default_factory=dict)  # kind -> k-gram hashes

    @property
    def answer_labels(self) -> list[str]:
        several = len(self.notebooks) > 1
        return [f"{nb}: {gid}" if several else gid for nb in self.notebooks
                for gid in self.answers[nb]]


def read_release(course: Course, assignment: str) -> Release:
    folder = course.release_dir / assignment
    paths = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not paths:
        raise AutograderError(texts.NOT_RELEASED.format(assignment=assignment))
    release = Release([p.stem for p in paths], {}, set(), {CODE: set(), TEXT: set()})
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        release.answers[path.stem] = []
        for cell in nb.cells:
            release.released_texts.add(normalized(cell.source))
            release.boilerplate[CODE if cell.cell_type == "code" else TEXT] |= all_hashes(
                CODE if cell.cell_type == "code" else TEXT, cell.source)
            metadata = cell.metadata.get("nbgrader", {})
            if metadata.get("solution") and metadata.get("grade_id"):
                release.answers[path.stem].append(str(metadata["grade_id"]))
    return release


def own_cells(nb, notebook: str, release: Release) -> list[Cell]:
    """The cells of a submitted notebook that are the student's work."""
    answers = set(release.answers.get(notebook, []))
    known = {gid for ids in release.answers.values() for gid in ids}
    prefix = f"{notebook}: " if len(release.notebooks) > 1 else ""
    cells = []
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown"):
            continue
        source = _text(cell.get("source"))
        if not source.strip():
            continue
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbgrader = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
        grade_id = str(nbgrader["grade_id"]) if nbgrader.get("grade_id") is not None else None
        if grade_id in answers:
            label = prefix + grade_id
        elif grade_id in known or nbgrader.get("locked"):
            continue  # another notebook's answer id, or a locked cell (this release's or older)
        elif normalized(source) in release.released_texts:
            continue
        else:
            label = prefix + OTHER_CELLS
        cells.append(Cell(label, CODE if cell["cell_type"] == "code" else TEXT, source))
    return cells


def _text(source) -> str:
    """A cell's source as text, whatever a hand-edited notebook put there."""
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def _read(data: bytes, name: str, who: str, release: Release, notebook: str,
          earlier: bool) -> Work | Skipped:
    nb, problem = parse_notebook(data, Path(name).stem)
    if nb is None:  # the student's sentence, without what it cost in points (nothing here)
        return Skipped(who, re.split(r"; (la nota|no se ha podido)", problem.message)[0])
    return Work(who, own_cells(nb, notebook, release), earlier)


def _read_file(path: Path, who: str, release: Release, notebook: str,
               earlier: bool = False) -> Work | Skipped:
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return Skipped(who, texts.TOO_LARGE.format(name=path.name,
                                                   megabytes=MAX_NOTEBOOK_BYTES // 2**20))
    return _read(path.read_bytes(), path.name, who, release, notebook, earlier)


def _merge(parts: list[Work | Skipped], who: str, earlier: bool) -> Work | Skipped:
    """One student's notebooks as one work; the first unreadable one skips the student."""
    for part in parts:
        if isinstance(part, Skipped):
            return part
    return Work(who, [cell for part in parts for cell in part.cells], earlier)


def class_works(course: Course, assignment: str, release: Release) -> list[Work | Skipped]:
    """Every collected submission of `assignment`, sorted by student id."""
    found, manifest = [], Manifest.read(course, assignment)
    root = course.submitted_dir
    for folder in sorted(root.glob(f"*/{assignment}")) if root.is_dir() else []:
        student, parts = folder.parent.name, []
        for notebook in release.notebooks:
            path = folder / f"{notebook}.ipynb"
            parts.append(_read_file(path, student, release, notebook) if path.is_file()
                         else Skipped(student, texts.NO_NOTEBOOK.format(name=path.name)))
        work = _merge(parts, student, earlier=False)
        if isinstance(work, Work):
            work.name = manifest.student(student).get("name", "")
        found.append(work)
    return found


def earlier_works(source: Path, assignment: str, release: Release) -> list[Work | Skipped]:
    """The notebooks of an earlier cohort: a submitted/ folder, a folder or a .zip archive."""
    if not source.exists():
        raise AutograderError(texts.NO_SUCH_ARCHIVE.format(path=source))
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise AutograderError(texts.NOT_AN_ARCHIVE.format(path=source))
        return _zip_works(source, release)
    by_student = sorted(source.glob(f"*/{assignment}"))
    if by_student:  # nbgrader's layout: <student>/<assignment>/<notebook>.ipynb
        works = []
        for folder in by_student:
            parts = [_read_file(p, f"{source.name}/{folder.parent.name}", release,
                                _notebook_for(p.stem, release), earlier=True)
                     for p in sorted(folder.glob("*.ipynb"))]
            if parts:
                works.append(_merge(parts, f"{source.name}/{folder.parent.name}", earlier=True))
        return works
    return [_read_file(p, f"{source.name}/{p.relative_to(source)}", release,
                       _notebook_for(p.stem, release), earlier=True)
            for p in sorted(source.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]


def _zip_works(source: Path, release: Release) -> list[Work | Skipped]:
    works = []
    with zipfile.ZipFile(source) as archive:
        for entry in sorted(archive.infolist(), key=lambda e: e.filename):
            name = entry.filename
            if (entry.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name
                    or ".ipynb_checkpoints" in name):
                continue
            who, stem = f"{source.name}/{name}", Path(name).stem
            if entry.file_size > MAX_NOTEBOOK_BYTES:
                works.append(Skipped(who, texts.TOO_LARGE.format(
                    name=name, megabytes=MAX_NOTEBOOK_BYTES // 2**20)))
                continue
            with archive.open(entry) as member:
                data = member.read(MAX_NOTEBOOK_BYTES + 1)
            works.append(_read(data, Path(name).name, who, release,
                               _notebook_for(stem, release), earlier=True))
    return works


def _notebook_for(stem: str, release: Release) -> str:
    """An earlier notebook's counterpart in this release: same name, else the only one."""
    return stem if stem in release.notebooks or len(release.notebooks) > 1 \
        else release.notebooks[0]
