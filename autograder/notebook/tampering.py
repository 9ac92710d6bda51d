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
from nbgrader.preprocessors import ClearHiddenTests

from autograder import messages
from autograder.notebook.notebook_file import cell_grade_id
from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.results import Problem

_FIELDS = ("grade", "solution", "locked", "task")


def repair_cells(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Repair `nb` in place against `source`; return one problem per thing that was changed."""
    problems: list[Problem] = []
    problems += _drop_foreign_metadata(nb, source)
    problems += _deduplicate(nb, source.name)
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


def release_source(cell: SourceCell) -> str:
    """The source students received: hidden tests removed, as generate_assignment does."""
    node = nbformat.v4.new_code_cell(cell.source)
    ClearHiddenTests()._remove_hidden_test_region(node)
    return node.source


def _normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def _check_locked_sources(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Report edited locked cells; nbgrader's OverwriteCells puts their source back."""
    problems = []
    for cell in nb.cells:
        grade_id = cell_grade_id(cell)
        original = source.cell(grade_id) if grade_id else None
        if original is None or not original.locked:
            continue
        submitted = _normalized(cell.source)
        if submitted not in (_normalized(release_source(original)), _normalized(original.source)):
            problems.append(messages.edited_locked_cell(source.name, grade_id, original.grade))
    return problems


def _restore_order(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Move instructor cells that were moved back where the source has them.

    The cells kept in place are the heaviest run already in source order (the student's answer
    cells weigh more: they cannot be moved for them); every other test or locked cell goes back
    after its nearest predecessor, as a missing one would.
    """
    order = {cell.grade_id: index for index, cell in enumerate(source.cells)}
    placed = [(index, order[cell_grade_id(cell)]) for index, cell in enumerate(nb.cells)
              if cell_grade_id(cell) in order]
    kept = _heaviest_ordered_run(
        [rank for _, rank in placed],
        [2 if source.cells[rank].solution else 1 for _, rank in placed],
    )
    moved = [(index, rank) for position, (index, rank) in enumerate(placed)
             if position not in kept]
    if not moved:
        return []
    problems, cells = [], {}
    for index, rank in sorted(moved, reverse=True):
        if source.cells[rank].solution:
            continue  # an answer cell stays where the student put it
        cells[rank] = nb.cells.pop(index)
    for _, rank in sorted(moved, key=lambda pair: pair[1]):
        grade_id = source.cells[rank].grade_id
        if rank in cells:
            nb.cells.insert(_insert_position(nb, source, rank), cells[rank])
        problems.append(messages.reordered_cell(source.name, grade_id, rank in cells))
    return problems


def _heaviest_ordered_run(ranks: list[int], weights: list[int]) -> set[int]:
    """Positions of the increasing subsequence of `ranks` with the largest total weight."""
    best, previous = list(weights), [-1] * len(ranks)
    for i in range(len(ranks)):
        for j in range(i):
            if ranks[j] < ranks[i] and best[j] + weights[i] > best[i]:
                best[i], previous[i] = best[j] + weights[i], j
    kept, position = set(), max(range(len(ranks)), key=best.__getitem__, default=-1)
    while position != -1:
        kept.add(position)
        position = previous[position]
    return kept


def _restore_missing(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Put back missing test and locked cells after their nearest surviving predecessor."""
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
        nb.cells.insert(_insert_position(nb, source, order), cell)
        present.add(original.grade_id)
    return problems


def _insert_position(nb: NotebookNode, source: SourceNotebook, order: int) -> int:
    ids = [cell_grade_id(cell) for cell in nb.cells]
    for previous in reversed(source.cells[:order]):
        if previous.grade_id in ids:
            return ids.index(previous.grade_id) + 1
    for following in source.cells[order + 1:]:
        if following.grade_id in ids:
            return ids.index(following.grade_id)
    return len(nb.cells)


def _rebuild(original: SourceCell) -> NotebookNode:
    metadata = {
        "deletable": False,
        "editable": not original.locked,
        "nbgrader": dict(original.nbgrader_metadata(), checksum=original.checksum),
    }
    if original.cell_type == "code":
        return nbformat.v4.new_code_cell(original.source, metadata=copy.deepcopy(metadata))
    return nbformat.v4.new_markdown_cell(original.source, metadata=copy.deepcopy(metadata))
