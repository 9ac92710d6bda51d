"""The course folder: nbgrader's configuration and where every verb reads and writes.

A course folder is the one holding `nbgrader_config.py` (the folder nbgrader commands run in).
nbgrader's own folders keep their meaning; the pipeline adds a few of its own next to them:

    exercises/<assignment>/*.ipynb        source notebooks (CourseDirectory.source_directory)
    release/<assignment>/ + <assignment>.zip   student versions, one zip per assignment
    submitted/<student>/<assignment>/     collected submissions (nbgrader's layout)
    autograded/<student>/<assignment>/    executed notebooks (nbgrader's layout)
    grading/<assignment>/                 collect manifest, per-submission results, grading state
    feedback/<student>/<assignment>/informe.html   Spanish feedback pages
    export/, report/                      grade files for the LMS, class report
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader


class AutograderError(Exception):
    """Bad input the instructor can fix; the CLI prints the message on one line and exits 2."""


def put_venv_on_path() -> None:
    """nbgrader shells out to `alembic` when it creates a gradebook: it must be on PATH."""
    bin_dir = os.path.dirname(sys.executable)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if bin_dir not in parts:
        os.environ["PATH"] = os.pathsep.join([bin_dir, *parts])


@dataclass(frozen=True)
class Course:
    """Paths and nbgrader configuration of one course folder."""

    root: Path
    config: Config

    @classmethod
    def open(cls, course_dir: str | os.PathLike = ".") -> Course:
        root = Path(course_dir).resolve()
        config_file = root / "nbgrader_config.py"
        if not config_file.is_file():
            raise AutograderError(
                f"{root} no es la carpeta de un curso: no tiene nbgrader_config.py "
                "(indícala con --course-dir)"
            )
        config = PyFileConfigLoader(config_file.name, path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        course = cls(root, config)
        # pin the gradebook to the course folder, whatever the caller's working folder is
        config.CourseDirectory.db_url = course.db_url
        put_venv_on_path()
        return course

    # nbgrader settings, with nbgrader's defaults when the course does not set them
    def _setting(self, section: str, name: str, default):
        value = self.config[section].get(name) if section in self.config else None
        return default if value is None else value

    @property
    def course_id(self) -> str:
        return self._setting("CourseDirectory", "course_id", "")

    @property
    def db_url(self) -> str:
        url = self._setting("CourseDirectory", "db_url", "") or "sqlite:///gradebook.db"
        # nbgrader resolves a relative sqlite path against the course root
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            return "sqlite:///" + str(self.root / url[len("sqlite:///"):])
        return url

    @property
    def cell_timeout(self) -> int:
        return int(self._setting("Execute", "timeout", 30))

    def folder(self, setting: str, default: str) -> Path:
        return self.root / self._setting("CourseDirectory", setting, default)

    @property
    def source_dir(self) -> Path:
        return self.folder("source_directory", "source")

    @property
    def release_dir(self) -> Path:
        return self.folder("release_directory", "release")

    @property
    def submitted_dir(self) -> Path:
        return self.folder("submitted_directory", "submitted")

    @property
    def autograded_dir(self) -> Path:
        return self.folder("autograded_directory", "autograded")

    @property
    def feedback_dir(self) -> Path:
        return self.folder("feedback_directory", "feedback")

    @property
    def grading_dir(self) -> Path:
        return self.root / "grading"

    def source_assignments(self) -> list[str]:
        """Assignments with a source folder holding at least one notebook, sorted."""
        if not self.source_dir.is_dir():
            return []
        return sorted(
            path.name
            for path in self.source_dir.iterdir()
            if path.is_dir() and any(path.glob("*.ipynb"))
        )

    def source_notebooks(self, assignment: str) -> list[str]:
        """Notebook names (without .ipynb) of an assignment's source folder."""
        return sorted(path.stem for path in (self.source_dir / assignment).glob("*.ipynb"))

    def require_assignment(self, assignment: str) -> None:
        if assignment not in self.source_assignments():
            known = ", ".join(self.source_assignments()) or "ninguna"
            raise AutograderError(f"tarea desconocida: {assignment!r} (hay: {known})")
