"""The autograded notebook explains itself: what formgrader and `nbgrader generate_feedback` show.

Both render the executed copy (autograded/<student>/<assignment>/<notebook>.ipynb). Left as
executed, a hidden test cell shows the raw observation ("Observación para el corrector: ..."),
maybe a traceback, and the hidden test's source; the verdict, taken outside the kernel, lives
only in the pipeline's own feedback page. So, after scoring:

- each graded test cell's outputs become one line with its points and the Spanish reason, the
  same words as the feedback page (a traceback could quote hidden test lines, so it goes too);
- the hidden-test regions of test cells are replaced by a comment: the gradebook keeps the real
  source, and what nbgrader turns into student feedback never shows it;
- a submission that could not be read at all still gets an autograded notebook (the released
  cells, a note with its problems at the top, every graded cell at 0 and why), so formgrader
  lists it and the instructor can override its grades there.
"""

from __future__ import annotations

import copy
import re

import nbformat
from nbformat import NotebookNode
from nbgrader import utils

from autograder import messages
from autograder.notebook.notebook_file import cell_grade_id
from autograder.notebook.source import SourceNotebook
from autograder.results import CellResult, Problem

HIDDEN_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*$",
                           re.S | re.M)


def explain_cells(nb: NotebookNode, cells: list[CellResult]) -> None:
    """Put each graded test cell's verdict in its outputs; drop hidden-test source (in place)."""
    verdicts = {cell.grade_id: cell for cell in cells}
    for cell in nb.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            continue
        verdict = verdicts.get(cell_grade_id(cell) or "")
        cell.source = hide_tests(cell.source)
        if verdict is not None:
            cell.outputs = [_verdict_output(verdict)]


def hide_tests(source: str) -> str:
    return HIDDEN_REGION.sub(messages.HIDDEN_TESTS_PLACEHOLDER, source)


def unreadable_notebook(source: SourceNotebook, cells: list[CellResult],
                        problems: list[Problem]) -> NotebookNode:
    """A stand-in for a submission that could not be read, built from the gradebook's cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.cells.append(nbformat.v4.new_markdown_cell(messages.unreadable_note(
        [problem.message for problem in problems])))
    for stored in source.cells:
        metadata = {"nbgrader": stored.nbgrader_metadata()}
        if stored.checksum:
            metadata["nbgrader"]["checksum"] = stored.checksum
        text = hide_tests(stored.source)
        if stored.cell_type == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(text, metadata=copy.deepcopy(metadata)))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(text, metadata=copy.deepcopy(metadata)))
    explain_cells(nb, cells)
    return nb


def _verdict_output(verdict: CellResult) -> NotebookNode:
    text = messages.cell_verdict(verdict.points, verdict.max_points, verdict.status,
                                 verdict.message)
    return nbformat.v4.new_output("stream", name="stdout", text=text + "\n")
