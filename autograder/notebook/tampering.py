"""Find and undo what a submission changed in the instructor's cells, saying what it was.

Runs before nbgrader's own sanitizers (DeduplicateIds, OverwriteCells, CheckCellMetadata), which
restore locked sources and points but crash or stay silent on other edits: a removed test cell
whose neighbour is a plain locked cell makes OverwriteCells fail, and metadata that no longer
validates makes CheckCellMetadata abort the notebook. After this step the notebook holds exactly
the instructor's graded and locked cells, each once, with their original metadata, in the
source's order (an answer cell stays where the student put it; its tests follow it).
"""

from __future__ import annotations

import copy

import nbformat
from nbformat import NotebookNode

from autograder import messages
from autograder.notebook.notebook_file import cell_grade_id
from autograder.notebook.reidentify import normalized, reidentify, release_source
from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.results import Problem

_FIELDS = ("grade", "solution", "locked", "task")


def repair_cells(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Repair `nb` in place against `source`; return one problem per thing that was changed."""
    problems: list[Problem] = []
    problems += _drop_foreign_metadata(nb, source)
    problems += _deduplicate(nb, source.name)
    problems += reidentify(nb, source)
    problems += _restore_metadata(nb, source)
    problems += _restore_order(nb, source)
    problems += _check_locked_sources(nb, source)
    problems += _restore_missing(nb, source)
    return problems


def _drop_foreign_metadata(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """nbgrader metadata that is not a dict, has no id, or names a cell the source lacks."""
    problems = []
    for cell in nb.cells:
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        grade_id = cell_grade_id(cell)
        if grade_id is not None and source.cell(grade_id) is not None:
            continue
        metadata = cell.metadata.nbgrader
        claims = isinstance(metadata, dict) and any(metadata.get(f) for f in _FIELDS)
        if grade_id is not None or claims or not isinstance(metadata, dict):
            problems.append(messages.unknown_cell(source.name, str(grade_id or "?")))
        del cell.metadata["nbgrader"]
    return problems


def _deduplicate(nb: NotebookNode, notebook: str) -> list[Problem]:
    """Keep the last copy of each cell id, as nbgrader's DeduplicateIds does, and say so."""
    positions: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        grade_id = cell_grade_id(cell)
        if grade_id is not None:
            positions.setdefault(grade_id, []).append(index)
    problems = []
    for grade_id, indexes in positions.items():
        if len(indexes) > 1:
            problems.append(messages.duplicated_cell(notebook, grade_id, len(indexes)))
            for index in indexes[:-1]:
                del nb.cells[index].metadata["nbgrader"]
    return problems


def _restore_metadata(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    problems = []
    for cell in nb.cells:
        grade_id = cell_grade_id(cell)
        if grade_id is None:
            continue
        original = source.cell(grade_id)
        changes = _metadata_changes(cell, original)
        if changes:
            problems.append(messages.edited_metadata(source.name, grade_id, changes))
            checksum = cell.metadata.nbgrader.get("checksum")
            cell.metadata.nbgrader = original.nbgrader_metadata()
            if checksum is not None:
                cell.metadata.nbgrader["checksum"] = checksum
        if cell.cell_type != original.cell_type:
            # nbgrader's OverwriteCells converts it back; the student should know
            problems.append(
                messages.edited_metadata(
                    source.name, grade_id, [f"tipo: {original.cell_type} → {cell.cell_type}"]
                )
            )
    return problems


def _metadata_changes(cell: NotebookNode, original: SourceCell) -> list[str]:
    metadata = cell.metadata.nbgrader
    changes = [
        f"{name}: {getattr(original, name)} → {bool(metadata.get(name, False))}"
        for name in _FIELDS
        if bool(metadata.get(name, False)) != getattr(original, name)
    ]
    if original.grade or original.task:
        try:
            points = float(metadata.get("points"))
        except (TypeError, ValueError):
            points = None
        if points != original.points:
            changes.append(f"points: {original.points:g} → {metadata.get('points')!r}")
    if metadata.get("schema_version", 3) != 3:
        changes.append(f"schema_version: 3 → {metadata.get('schema_version')!r}")
    return changes


def _check_locked_sources(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Report edited locked cells; nbgrader's OverwriteCells puts their source back."""
    problems = []
    for cell in nb.cells:
        grade_id = cell_grade_id(cell)
        original = source.cell(grade_id) if grade_id else None
        if original is None or not original.locked:
            continue
        submitted = normalized(cell.source)
        if submitted not in (normalized(release_source(original)), normalized(original.source)):
            problems.append(messages.edited_locked_cell(source.name, grade_id, original.grade))
    return problems


def _restore_order(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Put moved test and locked cells back where they can run, around the student's answers.

    The student's answer cells never move. Every other instructor cell belongs after every answer
    cell that comes before it in the source (what its tests depend on) and, among instructor
    cells, in source order. Those already there stay (the longest such run); the others are moved
    into place, so a test never runs before the answers it checks.
    """
    layout = _Layout(nb, source)
    candidates = [(index, rank) for index, rank, gap in layout.instructor
                  if gap == layout.target_gap(rank)]
    kept = {candidates[p][0] for p in _longest_increasing([r for _, r in candidates])}
    moved = [(index, rank) for index, rank, _ in layout.instructor if index not in kept]
    cells = {rank: nb.cells.pop(index) for index, rank in sorted(moved, reverse=True)}
    problems = []
    for rank in sorted(cells):
        _place(nb, source, rank, cells[rank])
        problems.append(messages.reordered_cell(source.name, source.cells[rank].grade_id, True))
    in_order = set(_longest_increasing(layout.answers))
    problems += [messages.reordered_cell(source.name, source.cells[rank].grade_id, False)
                 for position, rank in enumerate(layout.answers) if position not in in_order]
    return problems


class _Layout:
    """Where the instructor's cells sit in `nb`, relative to the student's answer cells."""

    def __init__(self, nb: NotebookNode, source: SourceNotebook):
        self.rank = {cell.grade_id: index for index, cell in enumerate(source.cells)}
        self.answers: list[int] = []  # source ranks of the answer cells, in notebook order
        self.answer_indexes: list[int] = []  # their positions in nb
        self.instructor: list[tuple[int, int, int]] = []  # (position, rank, gap) of the others
        for index, cell in enumerate(nb.cells):
            rank = self.rank.get(cell_grade_id(cell))
            if rank is None:
                continue
            if source.cells[rank].solution:
                self.answers.append(rank)
                self.answer_indexes.append(index)
            else:
                self.instructor.append((index, rank, len(self.answers)))

    def target_gap(self, rank: int) -> int:
        """How many answer cells must precede the cell: up to the last one it depends on."""
        return max((p + 1 for p, answer in enumerate(self.answers) if answer < rank), default=0)


def _place(nb: NotebookNode, source: SourceNotebook, rank: int, cell: NotebookNode) -> None:
    """Insert an instructor cell after the answers it depends on, in source order in that gap."""
    layout = _Layout(nb, source)
    gap = layout.target_gap(rank)
    start = layout.answer_indexes[gap - 1] + 1 if gap else 0
    stop = layout.answer_indexes[gap] if gap < len(layout.answers) else len(nb.cells)
    neighbours = [(index, other) for index, other, g in layout.instructor if g == gap]
    before = [index for index, other in neighbours if other < rank]
    after = [index for index, other in neighbours if other > rank]
    if before:
        position = max(before) + 1
    elif gap:
        position = start  # right after the answer it depends on
    else:
        position = min(after) if after else stop
    nb.cells.insert(position, cell)


def _longest_increasing(values: list[int]) -> list[int]:
    """Positions of a longest strictly increasing subsequence of `values` (the earliest one)."""
    best, previous = [1] * len(values), [-1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i] and best[j] + 1 > best[i]:
                best[i], previous[i] = best[j] + 1, j
    positions, position = [], max(range(len(values)), key=best.__getitem__, default=-1)
    while position != -1:
        positions.append(position)
        position = previous[position]
    return positions[::-1]


def _restore_missing(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Put back missing test and locked cells where a moved one would go."""
    present = {cell_grade_id(cell) for cell in nb.cells} - {None}
    problems = []
    for order, original in enumerate(source.cells):
        if original.grade_id in present:
            continue
        restorable = original.locked or original.grade or original.task
        problems.append(messages.missing_cell(source.name, original.grade_id, restorable))
        if not restorable:
            continue  # a student's answer cell: there is nothing of theirs to put back
        cell = _rebuild(original)
        if nb.get("nbformat_minor", 0) < 5:
            cell.pop("id", None)  # cell ids are only valid from nbformat 4.5 on
        _place(nb, source, order, cell)
        present.add(original.grade_id)
    return problems


def _rebuild(original: SourceCell) -> NotebookNode:
    metadata = {
        "deletable": False,
        "editable": not original.locked,
        "nbgrader": dict(original.nbgrader_metadata(), checksum=original.checksum),
    }
    if original.cell_type == "code":
        return nbformat.v4.new_code_cell(original.source, metadata=copy.deepcopy(metadata))
    return nbformat.v4.new_markdown_cell(original.source, metadata=copy.deepcopy(metadata))
