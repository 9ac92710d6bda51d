"""`repair_cells` on a real exercise notebook: moved, removed and duplicated instructor cells."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest

from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.notebook.tampering import repair_cells

NOTEBOOK = Path(__file__).resolve().parents[1] / "exercises/01-autoencoder/01-autoencoder.ipynb"


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


@pytest.fixture(scope="module")
def original():
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def source(original) -> SourceNotebook:
    cells = []
    for cell in original.cells:
        metadata = cell.metadata.get("nbgrader")
        if metadata:
            cells.append(SourceCell(
                grade_id=metadata["grade_id"], cell_type=cell.cell_type, source=cell.source,
                checksum=None, locked=metadata.get("locked", False),
                grade=metadata.get("grade", False), solution=metadata.get("solution", False),
                task=metadata.get("task", False), points=metadata.get("points"),
            ))
    return SourceNotebook("01-autoencoder", "01-autoencoder", cells)


def instructor_order(nb) -> list[str]:
    return [_grade_id(cell) for cell in nb.cells if _grade_id(cell)]


def move(nb, grade_id: str, before: str) -> None:
    cell = nb.cells.pop(next(i for i, c in enumerate(nb.cells) if _grade_id(c) == grade_id))
    nb.cells.insert(next(i for i, c in enumerate(nb.cells) if _grade_id(c) == before), cell)


def test_an_untouched_notebook_needs_no_repair(original, source):
    nb = copy.deepcopy(original)
    assert repair_cells(nb, source) == []
    assert nb == original


def test_a_test_cell_moved_above_its_answer_goes_back_and_is_reported(original, source):
    nb = copy.deepcopy(original)
    move(nb, "test_reconstruction_error", before="autoencoder_class")

    problems = repair_cells(nb, source)

    assert [(p.code, p.cell) for p in problems] == [("reordered_cell", "test_reconstruction_error")]
    assert "se ha vuelto a colocar" in problems[0].message
    assert instructor_order(nb) == instructor_order(original)


def test_an_answer_cell_moved_below_its_test_stays_and_the_test_follows_it(original, source):
    nb = copy.deepcopy(original)
    move(nb, "reconstruction_error", before="training_settings")  # after its own test

    problems = repair_cells(nb, source)

    # the student's answer cell is never moved for them; the test cell goes back after it
    assert [(p.code, p.cell) for p in problems] == [("reordered_cell", "test_reconstruction_error")]
    order = instructor_order(nb)
    assert order.index("reconstruction_error") < order.index("test_reconstruction_error")


def test_a_student_cell_between_answer_and_test_stays_there(original, source):
    nb = copy.deepcopy(original)
    index = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == "reconstruction_error")
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell("ayuda = 1"))
    move(nb, "test_add_noise", before="autoencoder_class")

    repair_cells(nb, source)

    assert nb.cells[index + 1].source == "ayuda = 1"  # untouched by the move of another cell
    assert instructor_order(nb) == instructor_order(original)


def test_reordered_and_removed_cells_are_both_repaired(original, source):
    nb = copy.deepcopy(original)
    move(nb, "test_choose_threshold", before="setup")
    del nb.cells[next(i for i, c in enumerate(nb.cells) if _grade_id(c) == "test_add_noise")]

    codes = sorted(p.code for p in repair_cells(nb, source))

    assert codes == ["missing_cell", "reordered_cell"]
    assert instructor_order(nb) == instructor_order(original)
