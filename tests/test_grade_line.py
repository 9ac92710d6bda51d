"""The console line `autograder grade` prints per student: automatic and manual points apart."""

from __future__ import annotations

from types import SimpleNamespace

from autograder.batch.grade import _line, written_answers
from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.results import FAILED, MANUAL, PASSED, CellResult, NotebookResult, SubmissionResult


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


def test_an_unanswered_written_question_is_not_counted_as_an_automatic_test():
    """The demo's blank submission printed '0/15 automáticos' for 13 automatic points: nbgrader
    scores an untouched written answer 0, so it is no longer pending, but it is not a test."""
    cells = [CellResult("test_a", 13.0, 0.0, FAILED), CellResult("answer", 2.0, 0.0, FAILED)]
    written = frozenset({("nb", "answer")})
    assert _line(result_with(cells), written) == (
        "ref · 01-autoencoder: 0/13 automáticos, respuestas escritas 0/2 (21 s)")


def test_written_answers_are_the_hand_graded_cells_of_the_gradebook_sources():
    notebook = SourceNotebook("01-autoencoder", "nb", [
        SourceCell("test_a", "code", "", None, True, grade=True, points=1.0),
        SourceCell("answer", "markdown", "", "c", False, grade=True, solution=True, points=2.0),
        SourceCell("code_answer", "code", "", "c", False, grade=True, solution=True, points=1.0),
        SourceCell("function", "code", "", "c", False, solution=True),
    ])
    plan = SimpleNamespace(sources=[notebook])
    assert written_answers(plan) == {("nb", "answer"), ("nb", "code_answer")}
