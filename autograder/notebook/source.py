"""The instructor's version of a notebook, as nbgrader stored it in the gradebook.

`nbgrader generate_assignment` saves every graded, answer and locked cell of the source notebook
(hidden tests included) in the gradebook. Grading compares submissions with this record: to find
removed, duplicated or edited cells, and to put test cells back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from autograder.course import AutograderError


@dataclass
class SourceCell:
    grade_id: str
    cell_type: str
    source: str
    checksum: str | None
    locked: bool
    grade: bool = False
    solution: bool = False
    task: bool = False
    points: float | None = None

    @property
    def graded_by_hand(self) -> bool:
        """A written answer (nbgrader's manually graded answer or task), scored in formgrader."""
        return self.grade and (self.solution or self.cell_type == "markdown")

    def nbgrader_metadata(self) -> dict:
        """The cell's `metadata.nbgrader` as generate_assignment wrote it."""
        metadata = {
            "grade": self.grade,
            "grade_id": self.grade_id,
            "locked": self.locked,
            "schema_version": 3,
            "solution": self.solution,
            "task": self.task,
        }
        if self.grade or self.task:
            metadata["points"] = self.points
        return metadata


@dataclass
class SourceNotebook:
    assignment: str
    name: str
    cells: list[SourceCell] = field(default_factory=list)  # in notebook order
    # sources of the source file's cells without nbgrader metadata (headings, prompts): they
    # tell a student's answer from the instructor's text when a submission lost its metadata
    plain_cells: list[str] = field(default_factory=list)

    def cell(self, grade_id: str) -> SourceCell | None:
        return next((cell for cell in self.cells if cell.grade_id == grade_id), None)

    @property
    def graded_cells(self) -> list[SourceCell]:
        return [cell for cell in self.cells if cell.grade or cell.task]

    def order_like(self, notebook_path: Path) -> None:
        """Put cells in the order of the source notebook file, when it is there.

        The gradebook keeps insertion order, which drifts when a source notebook is edited and
        released again; the file is the truth about where each cell sits.
        """
        if not Path(notebook_path).is_file():
            return
        source_nb = nbformat.read(notebook_path, as_version=4)
        ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in source_nb.cells]
        position = {grade_id: index for index, grade_id in enumerate(ids) if grade_id}
        self.cells.sort(key=lambda cell: position.get(cell.grade_id, len(position)))
        self.plain_cells = [cell.source for cell, grade_id in zip(source_nb.cells, ids)
                            if not grade_id]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> SourceNotebook:
        return cls(data["assignment"], data["name"], [SourceCell(**c) for c in data["cells"]],
                   data.get("plain_cells", []))


def read_source_notebooks(db_url: str, assignment: str) -> list[SourceNotebook]:
    """Every notebook of `assignment` as stored in the gradebook (released assignments only).

    Cells come in the order nbgrader stored them, which is the notebook's order.
    """
    with Gradebook(db_url) as gradebook:
        try:
            stored = gradebook.find_assignment(assignment)
        except MissingEntry:
            raise AutograderError(
                f"la tarea {assignment!r} no está en el libro de notas: "
                f"ejecuta antes `autograder release {assignment}`"
            ) from None
        return [_read_notebook(assignment, nb) for nb in stored.notebooks]


def read_sources_in_order(course, assignment: str) -> list[SourceNotebook]:
    """The gradebook's notebooks of `assignment`, cells in the order of the source files."""
    sources = read_source_notebooks(course.db_url, assignment)
    for source in sources:
        source.order_like(course.source_dir / assignment / f"{source.name}.ipynb")
    return sources


def _read_notebook(assignment: str, notebook) -> SourceNotebook:
    grades = {cell.name: cell for cell in notebook.grade_cells}
    tasks = {cell.name: cell for cell in notebook.task_cells}
    solutions = {cell.name for cell in notebook.solution_cells}
    cells = []
    for stored in notebook.source_cells:
        graded = grades.get(stored.name) or tasks.get(stored.name)
        cells.append(
            SourceCell(
                grade_id=stored.name,
                cell_type=stored.cell_type,
                source=stored.source,
                checksum=stored.checksum,
                locked=bool(stored.locked),
                grade=stored.name in grades,
                solution=stored.name in solutions,
                task=stored.name in tasks,
                points=float(graded.max_score) if graded is not None else None,
            )
        )
    return SourceNotebook(assignment, notebook.name, cells)
