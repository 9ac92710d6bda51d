"""`autograder release`: generate the student versions with nbgrader, one zip per assignment.

`nbgrader generate_assignment` writes release/<assignment>/ and records the assignment's cells in
the gradebook (what grading compares submissions with); the zip is what goes up to the LMS. Each
release also gets `comprobar.py` (autograder/student_checker.py), the students' own checker.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from autograder.course import AutograderError, Course


@dataclass
class Released:
    assignment: str
    folder: Path
    zip_path: Path
    notebooks: list[str]


def release(
    course_dir: str | os.PathLike = ".", assignments: list[str] | None = None
) -> list[Released]:
    """Release `assignments` (default: every assignment in the source folder)."""
    course = Course.open(course_dir)
    assignments = list(assignments or course.source_assignments())
    if not assignments:
        raise AutograderError(f"no hay tareas con cuadernos en {course.source_dir}")
    for assignment in assignments:
        course.require_assignment(assignment)
    api = NbGraderAPI(CourseDirectory(config=course.config), config=course.config)
    released = []
    for assignment in assignments:
        outcome = api.generate_assignment(assignment, force=True, create=True)
        if not outcome["success"]:
            last = (outcome.get("error") or outcome.get("log") or "").strip().splitlines()
            raise AutograderError(
                f"falló nbgrader generate_assignment {assignment}: {last[-1] if last else '?'}"
            )
        folder = course.release_dir / assignment
        _add_student_checker(folder)
        notebooks = sorted(path.stem for path in folder.glob("*.ipynb"))
        released.append(Released(assignment, folder, _zip(folder), notebooks))
    return released


STUDENT_CHECKER = "comprobar.py"


def _add_student_checker(folder: Path) -> None:
    """The students' own checker (`python comprobar.py NOTEBOOK`): standalone, no solutions."""
    import autograder.student_checker as checker  # a file to copy: its path, not its code

    source = Path(checker.__file__)
    (folder / STUDENT_CHECKER).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


def _zip(folder: Path) -> Path:
    """release/<assignment>.zip holding <assignment>/..., ready to upload."""
    target = folder.parent / f"{folder.name}.zip"
    temporary = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                archive.write(path, Path(folder.name) / path.relative_to(folder))
    temporary.replace(target)
    return target
