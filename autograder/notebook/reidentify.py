"""Recognise the instructor's and the student's cells in a notebook that lost nbgrader metadata.

Some editors and conversions drop cell metadata, and students copy cells into a fresh notebook.
Without this step such a notebook gets every test and locked cell added a second time (the
student's copies still run as plain cells) and every answer cell reported missing, although the
answers are there. Cells are recognised in two passes:

1. test and locked cells by their content: the text the student received (hidden tests removed)
   or the source's text, compared line by line without trailing spaces;
2. the cells left (answers, and locked cells the student edited) by their place: between the
   recognised neighbours the source has around them, a cell of the same kind that is not one of
   the source's own headings or prompts; an answer picks the one sharing most lines with the
   text released to the student, an edited locked cell must share most of its text.

A recognised cell gets its original metadata back; one problem lists them all.
"""

from __future__ import annotations

import difflib
import re

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from autograder import messages
from autograder.notebook.notebook_file import cell_grade_id
from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.results import Problem

_SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION.*?### END SOLUTION", re.DOTALL)
_EDITED_LOCKED_SIMILARITY = 0.6  # below this an edited locked cell is the student's own code


def release_source(cell: SourceCell) -> str:
    """The source students received: hidden tests removed, as generate_assignment does."""
    node = nbformat.v4.new_code_cell(cell.source)
    ClearHiddenTests()._remove_hidden_test_region(node)
    return node.source


def normalized(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n"))


def reidentify(nb: NotebookNode, source: SourceNotebook) -> list[Problem]:
    """Give cells without metadata that are the source's missing cells their metadata back."""
    present = {cell_grade_id(cell) for cell in nb.cells} - {None}
    missing = [cell for cell in source.cells if cell.grade_id not in present]
    if not missing:
        return []
    free = {index for index, cell in enumerate(nb.cells) if "nbgrader" not in cell.metadata}
    found = []
    for original in missing:  # pass 1: instructor cells, by content
        if original.solution:
            continue
        texts = {normalized(original.source), normalized(release_source(original))}
        index = next((i for i in sorted(free) if nb.cells[i].cell_type == original.cell_type
                      and normalized(nb.cells[i].source) in texts), None)
        if index is not None:
            found.append(_claim(nb, free, index, original))
    plain = {normalized(text) for text in source.plain_cells}
    for original in missing:  # pass 2: answers and edited locked cells, by place
        if original.grade_id in found:
            continue
        index = _by_place(nb, source, original, free, plain)
        if index is not None:
            found.append(_claim(nb, free, index, original))
    if not found:
        return []
    order = [cell.grade_id for cell in source.cells]
    return [messages.removed_metadata(source.name, sorted(found, key=order.index))]


def _claim(nb: NotebookNode, free: set[int], index: int, original: SourceCell) -> str:
    free.discard(index)
    cell = nb.cells[index]
    cell.metadata["nbgrader"] = dict(original.nbgrader_metadata(), checksum=original.checksum)
    return original.grade_id


def _by_place(nb, source: SourceNotebook, original: SourceCell, free: set[int], plain: set[str]):
    """The free cell of the same kind between the source neighbours that are in the notebook."""
    rank = source.cells.index(original)
    positions = {cell_grade_id(cell): index for index, cell in enumerate(nb.cells)}
    before = [positions[c.grade_id] for c in source.cells[:rank] if c.grade_id in positions]
    after = [positions[c.grade_id] for c in source.cells[rank + 1:] if c.grade_id in positions]
    low = before[-1] if before else -1
    high = after[0] if after else len(nb.cells)
    candidates = [i for i in sorted(free) if low < i < high
                  and nb.cells[i].cell_type == original.cell_type
                  and normalized(nb.cells[i].source) not in plain]
    if not candidates:
        return None
    if original.solution:
        released = _released_lines(original)
        return max(candidates, key=lambda i: _shared_lines(released, nb.cells[i].source))
    reference = normalized(release_source(original))
    best = max(candidates, key=lambda i: _similarity(reference, nb.cells[i].source))
    if _similarity(reference, nb.cells[best].source) < _EDITED_LOCKED_SIMILARITY:
        return None
    return best


def _released_lines(original: SourceCell) -> set[str]:
    """Lines of an answer cell's released text (its solution regions removed)."""
    text = _SOLUTION_REGION.sub("", original.source)
    return {line.strip() for line in text.split("\n") if line.strip()}


def _shared_lines(lines: set[str], text: str) -> int:
    return len(lines & {line.strip() for line in text.split("\n")})


def _similarity(reference: str, text: str) -> float:
    return difflib.SequenceMatcher(None, reference, normalized(text), autojunk=False).ratio()
