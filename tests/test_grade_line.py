"""The console line `autograder grade` prints per student: automatic and manual points apart."""

from __future__ import annotations

from autograder.batch.grade import _line
from autograder.results import MANUAL, PASSED, CellResult, NotebookResult, SubmissionResult


def result_with(cells) -> SubmissionResult:
    return SubmissionResult("01-autoencoder", "ref", "f", [NotebookResult("nb", cells)],
                            seconds=21.4)


def test_a_perfect_automatic_part_does_not_read_as_points_lost():
    """The validation run's case: 'ref · 01-autoencoder: 13/15' for a fully correct answer."""
    cells = [CellResult("test_a", 13.0, 13.0, PASSED), CellResult("answer", 2.0, None, MANUAL)]
    assert _line(result_with(cells)) == (
        "ref · 01-autoencoder: 13/13 automáticos, 2 manuales pendientes (21 s)")


def test_without_manual_cells_only_automatic_points_are_shown():
    cells = [CellResult("test_a", 2.0, 1.5, "partial"), CellResult("test_b", 1.0, 0.0, "failed")]
    assert _line(result_with(cells)) == "ref · 01-autoencoder: 1.5/3 automáticos (21 s)"
