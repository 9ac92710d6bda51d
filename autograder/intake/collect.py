"""`autograder collect`: bring submissions into submitted/<student>/<assignment>/ for nbgrader.

Sources: a Moodle "download all submissions" zip (or that zip unpacked), with one folder per
student named `Full Name_<participant>_assignsubmission_file_` (or flat files with that prefix),
or any folder holding one sub-folder per student. Originals are only read, never changed.

Every problem is listed and none stops the collection: no notebook, several notebooks, a notebook
under another name, corrupt JSON, a file that is not a notebook, a folder nobody in the roster
matches. Problems also travel to the student's feedback. The manifest
grading/<assignment>/collect.json keeps who is who (names, emails, Moodle numbers) for export.
"""

from __future__ import annotations

import datetime
import difflib
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.api import Gradebook

from autograder import messages
from autograder.course import AutograderError, Course
from autograder.intake.extra_files import extra_files
from autograder.intake.manifest import Manifest
from autograder.intake.roster import Person, Roster, safe_id, split_name
from autograder.notebook.notebook_file import parse_notebook
from autograder.results import Problem

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_?$")
MOODLE_FLAT_FILE = re.compile(
    r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.+)$"
)


@dataclass
class Entry:
    """One file of a student's folder, wherever it lives (zip member, nested zip, disk)."""

    name: str  # path inside the student's folder
    read: Callable[[], bytes]
    modified: datetime.datetime
    size: int = 0
    handed_in: bool = True  # False: written by Moodle itself (the online-text plugin's page)


@dataclass
class Folder:
    label: str  # the folder's name in the source
    entries: list[Entry] = field(default_factory=list)
    moodle_id: str = ""
    full_name: str = ""


@dataclass
class Collected:
    student: str
    folder: str
    name: str = ""
    email: str = ""
    moodle_id: str = ""
    files: list[str] = field(default_factory=list)  # what the folder held
    extra_files: list[str] = field(default_factory=list)  # copied next to the notebook
    notebooks: dict[str, str] = field(default_factory=dict)  # expected name -> file used
    timestamp: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class CollectReport:
    assignment: str
    source: str
    students: list[Collected] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # not tied to one student
    missing: list[str] = field(default_factory=list)  # roster ids without a submission

    @property
    def problem_count(self) -> int:
        return len(self.problems) + sum(len(s.problems) for s in self.students)


def collect(
    source: str | os.PathLike,
    assignment: str,
    course_dir: str | os.PathLike = ".",
    *,
    roster: str | os.PathLike | None = None,
) -> CollectReport:
    """Collect the submissions of `assignment` found in `source` (zip or folder)."""
    course = Course.open(course_dir)
    course.require_assignment(assignment)
    expected = course.source_notebooks(assignment)
    people = Roster.read(roster) if roster else None
    report = CollectReport(assignment, str(Path(source).resolve()))
    folders = _read_source(Path(source), report.problems)
    if not any(_has_notebook(folder) for folder in folders):
        raise AutograderError(f"{source} no contiene ningún notebook (.ipynb): ¿es la descarga "
                              "de entregas de la tarea?")
    chosen: dict[str, Collected] = {}
    for folder in folders:
        if not folder.moodle_id and not _has_notebook(folder) and not _in_roster(folder, people):
            # a stray folder (notes, a README...), not a student: say so, invent nobody
            report.problems.append(messages.not_a_submission(
                folder.label, sorted(entry.name for entry in folder.entries)))
            continue
        collected = _identify(folder, people, report.problems)
        collected.files = sorted(entry.name for entry in folder.entries)
        selection = _choose_notebooks(folder.entries, expected, collected.problems)
        _validate(selection, collected.problems)
        previous = chosen.get(collected.student)
        if previous is not None:
            report.problems.append(
                messages.duplicate_student(previous.folder, folder.label, collected.student))
            if _latest(selection) < previous.timestamp:
                continue
        extras = extra_files(folder.entries, selection, collected.problems)
        collected.notebooks = {name: entry.name for name, entry in selection.items()}
        collected.extra_files = sorted(extras)
        collected.timestamp = _latest(selection)
        chosen[collected.student] = collected
        _write(course, assignment, collected.student, expected, selection, collected.timestamp,
               extras)
    report.students = sorted(chosen.values(), key=lambda c: c.student)
    if people:
        report.missing = sorted(set(people.by_id) - set(chosen))
    _register_students(course, report.students)
    _save_manifest(course, report)
    return report


# Reading the source ------------------------------------------------------------------------

def _read_source(source: Path, problems: list[Problem]) -> list[Folder]:
    if source.is_file():
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile:
            raise AutograderError(f"{source} no es un archivo zip") from None
        folders = _folders_from_zip(archive, problems)
    elif source.is_dir():
        folders = _folders_from_dir(source, problems)
    else:
        raise AutograderError(f"no existe {source}")
    if not folders:
        raise AutograderError(f"no hay carpetas de estudiantes en {source}")
    return folders


def _ignored(parts: tuple[str, ...]) -> bool:
    return any(p.startswith(".") or p in ("__MACOSX", ".ipynb_checkpoints") for p in parts)


def _folders_from_zip(archive: zipfile.ZipFile, problems: list[Problem]) -> list[Folder]:
    folders: dict[str, Folder] = {}
    for info in archive.infolist():
        parts = PurePosixPath(info.filename).parts
        if info.is_dir() or not parts or _ignored(parts):
            continue
        modified = datetime.datetime(*info.date_time)
        reader = _zip_reader(archive, info.filename)
        _add_file(folders, parts, reader, modified, problems, info.file_size)
    return list(folders.values())


def _zip_reader(archive: zipfile.ZipFile, name: str) -> Callable[[], bytes]:
    return lambda: archive.read(name)


def _folders_from_dir(root: Path, problems: list[Problem]) -> list[Folder]:
    folders: dict[str, Folder] = {}
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or _ignored(parts):
            continue
        modified = datetime.datetime.fromtimestamp(path.stat().st_mtime)
        _add_file(folders, parts, path.read_bytes, modified, problems, path.stat().st_size)
    return list(folders.values())


def _add_file(folders, parts, reader, modified, problems, size: int) -> None:
    if len(parts) >= 2:
        label, inner = parts[0], "/".join(parts[1:])
    else:
        flat = MOODLE_FLAT_FILE.match(parts[0])
        if flat is None:
            problems.append(messages.outside_folder(parts[0]))
            return
        label, inner = f"{flat['name']}_{flat['id']}_assignsubmission_file_", flat["file"]
    moodle = MOODLE_FOLDER.match(label)
    # Moodle gives a student one folder per submission plugin (file, onlinetext): merge them
    key = f"moodle:{moodle['id']}" if moodle else label
    folder = folders.setdefault(
        key, Folder(label, moodle_id=moodle["id"] if moodle else "",
                    full_name=moodle["name"] if moodle else "")
    )
    handed_in = moodle is None or moodle["plugin"] == "file"
    if inner.lower().endswith(".zip") and handed_in:
        folder.entries += _nested_zip(inner, reader(), modified)
    else:
        folder.entries.append(Entry(inner, reader, modified, size, handed_in))


def _nested_zip(name: str, data: bytes, modified) -> list[Entry]:
    """Students often zip their notebook: look one level inside."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return [Entry(name, lambda: data, modified, len(data))]
    return [
        Entry(f"{name}/{info.filename}", _zip_reader(archive, info.filename),
              datetime.datetime(*info.date_time), info.file_size)
        for info in archive.infolist()
        if not info.is_dir() and not _ignored(PurePosixPath(info.filename).parts)
    ]


# Who is it ---------------------------------------------------------------------------------

def _has_notebook(folder: Folder) -> bool:
    return any(entry.name.lower().endswith(".ipynb") for entry in folder.entries)


def _in_roster(folder: Folder, roster: Roster | None) -> bool:
    return roster is not None and roster.match(
        folder_id=safe_id(folder.label), name=folder.full_name or folder.label) is not None


def _identify(folder: Folder, roster: Roster | None, problems: list[Problem]) -> Collected:
    person = None
    if roster is not None:
        person = roster.match(  # a plain folder may be named after the student
            folder_id=safe_id(folder.label), moodle_id=folder.moodle_id,
            name=folder.full_name or folder.label,
        )
        if person is None:
            problems.append(messages.not_in_roster(folder.label))
    if person is None:
        first, last = split_name(folder.full_name)
        person = Person(safe_id(folder.moodle_id or folder.label), first, last, "",
                        folder.moodle_id)
    return Collected(
        student=person.id,
        folder=folder.label,
        name=person.full_name or folder.full_name,
        email=person.email,
        moodle_id=folder.moodle_id or person.moodle_id,
    )


# Which notebook ----------------------------------------------------------------------------

def _choose_notebooks(entries: list[Entry], expected: list[str], problems) -> dict[str, Entry]:
    notebooks = [e for e in entries if e.name.lower().endswith(".ipynb")]
    chosen: dict[str, Entry] = {}
    for name in expected:
        exact = [e for e in notebooks if PurePosixPath(e.name).name == f"{name}.ipynb"]
        left = [e for e in notebooks if e not in chosen.values()]
        pick = max(exact, key=lambda e: e.modified) if exact else _closest(left, name)
        if pick is None:
            problems.append(messages.no_notebook(name, [e.name for e in entries]))
            continue
        chosen[name] = pick
        if not exact:
            original = PurePosixPath(pick.name).name
            problems.append(messages.renamed_notebook(original, f"{name}.ipynb"))
    unused = [e.name for e in notebooks if e not in chosen.values()]
    if unused and chosen:
        first = next(iter(chosen.values())).name
        problems.append(messages.several_notebooks(first, unused))
    return chosen


def _closest(candidates: list[Entry], name: str) -> Entry | None:
    """The notebook whose file name looks most like `name` (then the most recent one)."""
    if not candidates:
        return None

    def likeness(entry: Entry):
        stem = PurePosixPath(entry.name).stem.lower()
        return (difflib.SequenceMatcher(None, stem, name.lower()).ratio(), entry.modified)

    return max(candidates, key=likeness)


def _validate(selection: dict[str, Entry], problems: list[Problem]) -> None:
    for name, entry in selection.items():
        _, problem = parse_notebook(entry.read(), name)
        if problem is not None:
            problems.append(problem)


def _latest(selection: dict[str, Entry]) -> str:
    if not selection:
        return ""
    return max(e.modified for e in selection.values()).strftime("%Y-%m-%d %H:%M:%S")


# Writing -----------------------------------------------------------------------------------

def _write(course, assignment, student, expected, selection, timestamp, extras) -> None:
    folder = course.submitted_dir / student / assignment
    if folder.is_dir():  # the latest collected submission replaces the earlier one entirely
        for old in sorted(folder.rglob("*"), reverse=True):
            old.unlink() if old.is_file() or old.is_symlink() else old.rmdir()
    folder.mkdir(parents=True, exist_ok=True)
    for relative, entry in extras.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.read())
    for name in expected:
        target = folder / f"{name}.ipynb"
        if name in selection:
            temporary = target.with_suffix(".ipynb.tmp")
            temporary.write_bytes(selection[name].read())
            temporary.replace(target)
        else:
            target.unlink(missing_ok=True)  # the latest collected submission has none
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp + "\n", encoding="utf-8")


def _register_students(course: Course, students: list[Collected]) -> None:
    with Gradebook(course.db_url, course.course_id) as gradebook:
        for student in students:
            first, last = split_name(student.name)
            details = {"first_name": first or None, "last_name": last or None}
            if student.email:
                details["email"] = student.email
            gradebook.update_or_create_student(student.student, **details)


def _save_manifest(course: Course, report: CollectReport) -> None:
    """Merge into the manifest (a second zip adds late submissions)."""
    manifest = Manifest.read(course, report.assignment)
    for collected in report.students:
        manifest.students[collected.student] = asdict(collected)
    manifest.source = report.source
    manifest.collected_at = datetime.datetime.now().isoformat(timespec="seconds")
    manifest.problems = [asdict(p) for p in report.problems]
    manifest.missing = report.missing
    manifest.write(course)
