"""`repair_cells` on the real exercise notebooks (all three): moved, removed, duplicated
instructor cells and cells that lost their nbgrader metadata.

Each case is checked on what the student's kernel would then run: every graded and locked cell
once, each test and locked cell after every answer cell that precedes it in the source (what it
depends on), instructor cells in source order, and no instructor cell run twice.
"""

from __future__ import annotations

import copy

import nbformat
import pytest
from exercise_notebooks import ASSIGNMENTS, STUB, source_notebook, stubbed

from autograder.notebook.reidentify import normalized, release_source
from autograder.notebook.source import SourceCell, SourceNotebook
from autograder.notebook.tampering import repair_cells


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _solutions(nb) -> list[str]:
    return [_grade_id(c) for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]


def _student_copy(nb):
    """The notebook as a student who solved it hands it in: hidden tests and markers removed."""
    result = copy.deepcopy(nb)
    for cell in result.cells:
        metadata = cell.metadata.get("nbgrader", {})
        if metadata.get("solution"):
            cell.source = "\n".join(line for line in cell.source.split("\n")
                                    if "### BEGIN SOLUTION" not in line
                                    and "### END SOLUTION" not in line)
        elif metadata.get("grade") and cell.cell_type == "code":
            cell.source = release_source(SourceCell(_grade_id(cell), "code", cell.source, None,
                                                    True))
    return result


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def exercise(request):
    """(the student's correct notebook, the gradebook's record of the source)."""
    original = source_notebook(request.param)
    # the gradebook keeps answer cells as released (stub) and test cells with their hidden part
    stored = stubbed(original, [g for g in _solutions(original)])
    cells = []
    for cell in stored.cells:
        metadata = cell.metadata.get("nbgrader")
        if metadata:
            cells.append(SourceCell(
                grade_id=metadata["grade_id"], cell_type=cell.cell_type, source=cell.source,
                checksum=None, locked=metadata.get("locked", False),
                grade=metadata.get("grade", False), solution=metadata.get("solution", False),
                task=metadata.get("task", False), points=metadata.get("points"),
            ))
    plain = [cell.source for cell in original.cells if not cell.metadata.get("nbgrader")]
    return _student_copy(original), SourceNotebook(request.param, request.param, cells, plain)


def answers_with_tests(source: SourceNotebook) -> list[str]:
    """Answer cells directly followed by test cells, in source order."""
    return [c.grade_id for c in source.cells
            if c.solution and cells_tested_after(source, c.grade_id)]


def instructor_order(nb) -> list[str]:
    return [_grade_id(cell) for cell in nb.cells if _grade_id(cell)]


def index_of(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if _grade_id(c) == grade_id)


def move(nb, grade_id: str, before: str) -> None:
    cell = nb.cells.pop(index_of(nb, grade_id))
    nb.cells.insert(index_of(nb, before), cell)


def cells_tested_after(source: SourceNotebook, answer: str) -> list[str]:
    """The test cells between `answer` and the next answer cell in the source."""
    cells = source.cells[[c.grade_id for c in source.cells].index(answer) + 1:]
    tests = []
    for cell in cells:
        if cell.solution:
            break
        if cell.grade and not cell.solution:
            tests.append(cell.grade_id)
    return tests


def assert_runs_in_a_sound_order(nb, source: SourceNotebook, deleted=()) -> None:
    order = {cell.grade_id: rank for rank, cell in enumerate(source.cells)}
    ids = instructor_order(nb)
    assert sorted(ids) == sorted(set(order) - set(deleted)), "every graded/locked cell once"
    answers_seen: list[int] = []
    instructor_ranks = []
    for grade_id in ids:
        rank = order[grade_id]
        if source.cells[rank].solution:
            answers_seen.append(rank)
            continue
        later = [a for a in source.cells if a.solution and order[a.grade_id] < rank
                 and order[a.grade_id] not in answers_seen and a.grade_id not in deleted]
        assert not later, f"{grade_id} runs before the answer {later[0].grade_id}"
        instructor_ranks.append(rank)
    assert instructor_ranks == sorted(instructor_ranks), "instructor cells in source order"
    instructor_texts = {normalized(release_source(c)) for c in source.cells if not c.solution}
    copies = [c.source for c in nb.cells if not _grade_id(c) and c.cell_type == "code"
              and normalized(c.source) in instructor_texts]
    assert not copies, f"an instructor cell would run twice: {copies[0][:60]!r}"


def test_an_untouched_notebook_needs_no_repair(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    assert repair_cells(nb, source) == []
    assert nb == student


def test_a_test_cell_moved_above_its_answer_goes_back_and_is_reported(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    answer = answers_with_tests(source)[1]
    test = cells_tested_after(source, answer)[-1]
    move(nb, test, before=_solutions(nb)[0])

    problems = repair_cells(nb, source)

    assert [(p.code, p.cell) for p in problems] == [("reordered_cell", test)]
    assert "se ha vuelto a colocar" in problems[0].message
    assert instructor_order(nb) == instructor_order(student)


def test_two_tests_moved_above_their_answer_a_tie_go_back(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    answer = _solutions(nb)[0]
    tests = cells_tested_after(source, answer)[:2]
    for test in tests:
        move(nb, test, before=answer)

    problems = repair_cells(nb, source)

    assert [(p.code, p.cell) for p in problems] == [("reordered_cell", t) for t in tests]
    assert nb == student  # back exactly where they were


def test_every_test_moved_before_the_first_answer_goes_back_after_its_answer(exercise):
    """The validation run's case: a correct 03-vae scored 10/15 this way."""
    student, source = exercise
    nb = copy.deepcopy(student)
    first = _solutions(nb)[0]
    tests = [c.grade_id for c in source.cells if c.grade and not c.solution]
    for test in tests:
        move(nb, test, before=first)

    problems = repair_cells(nb, source)

    assert [(p.code, p.cell, "se ha vuelto a colocar" in p.message) for p in problems] == [
        ("reordered_cell", test, True) for test in tests]  # no answer cell is blamed
    assert_runs_in_a_sound_order(nb, source)
    assert nb == student


def test_an_answer_cell_moved_below_its_test_stays_and_the_test_follows_it(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    answer = _solutions(nb)[0]
    last_test = cells_tested_after(source, answer)[-1]
    cell = nb.cells.pop(index_of(nb, answer))
    nb.cells.insert(index_of(nb, last_test) + 1, cell)  # after all of its own tests

    problems = repair_cells(nb, source)

    # the student's answer cell is never moved for them; its tests go back after it
    assert {p.code for p in problems} == {"reordered_cell"}
    assert all("se ha vuelto a colocar" in p.message for p in problems)
    assert_runs_in_a_sound_order(nb, source)


def test_answers_swapped_between_themselves_stay_and_tests_follow_both(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    first, second = answers_with_tests(source)[:2]
    cell = nb.cells.pop(index_of(nb, second))
    nb.cells.insert(index_of(nb, first), cell)

    problems = repair_cells(nb, source)

    assert ("reordered_cell", first) in [(p.code, p.cell) for p in problems] or (
        "reordered_cell", second) in [(p.code, p.cell) for p in problems]
    left = [p for p in problems if "se ha dejado donde estaba" in p.message]
    assert len(left) == 1 and left[0].cell in (first, second)
    assert_runs_in_a_sound_order(nb, source)


def test_a_student_cell_between_answer_and_test_stays_there(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    answer = answers_with_tests(source)[0]
    index = index_of(nb, answer)
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell("ayuda = 1"))
    move(nb, cells_tested_after(source, answers_with_tests(source)[1])[0], before=answer)

    repair_cells(nb, source)

    assert nb.cells[index + 1].source == "ayuda = 1"  # untouched by the move of another cell
    assert instructor_order(nb) == instructor_order(student)


def test_reordered_and_removed_cells_are_both_repaired(exercise):
    student, source = exercise
    nb = copy.deepcopy(student)
    tests = [c.grade_id for c in source.cells if c.grade and not c.solution]
    move(nb, tests[-1], before="setup")
    del nb.cells[index_of(nb, tests[0])]

    codes = sorted(p.code for p in repair_cells(nb, source))

    assert codes == ["missing_cell", "reordered_cell"]
    assert instructor_order(nb) == instructor_order(student)
    assert_runs_in_a_sound_order(nb, source)


def _stripped(nb):
    result = copy.deepcopy(nb)
    for cell in result.cells:
        cell.metadata.pop("nbgrader", None)
    return result


def test_a_notebook_without_nbgrader_metadata_is_recognised_cell_by_cell(exercise):
    """The validation run's case: 03-vae scored 15/15 but its page said four answers were
    missing, and setup, data and train_vae ran twice."""
    student, source = exercise
    nb = _stripped(student)

    problems = repair_cells(nb, source)

    assert [p.code for p in problems] == ["removed_metadata"]
    assert all(f"«{cell.grade_id}»" in problems[0].message for cell in source.cells)
    assert len(nb.cells) == len(student.cells)
    assert [_grade_id(c) for c in nb.cells] == [_grade_id(c) for c in student.cells]
    assert_runs_in_a_sound_order(nb, source)


def test_unanswered_cells_without_metadata_are_recognised_as_unanswered(exercise):
    student, source = exercise
    released = stubbed(student, [])  # answers as the release left them
    for cell in released.cells:
        original = source.cell(_grade_id(cell)) if _grade_id(cell) else None
        if original is not None and original.solution:
            cell.source = original.source
    nb = _stripped(released)

    assert [p.code for p in repair_cells(nb, source)] == ["removed_metadata"]
    assert [_grade_id(c) for c in nb.cells] == [_grade_id(c) for c in student.cells]
    assert STUB.split("\n")[0] in nb.cells[index_of(nb, _solutions(student)[0])].source


def test_an_edited_locked_cell_without_metadata_is_recognised_not_run_twice(exercise):
    student, source = exercise
    nb = _stripped(student)
    nb.cells[index_of(student, "data")].source += "\nprint('mis datos')"

    codes = sorted(p.code for p in repair_cells(nb, source))

    assert codes == ["edited_locked_cell", "removed_metadata"]  # nbgrader restores its source
    assert len(nb.cells) == len(student.cells)
    assert_runs_in_a_sound_order(nb, source)


def test_a_deleted_answer_without_metadata_is_reported_missing_and_nothing_else(exercise):
    student, source = exercise
    nb = _stripped(student)
    answer = _solutions(student)[0]
    del nb.cells[index_of(student, answer)]

    problems = repair_cells(nb, source)

    assert sorted((p.code, p.cell) for p in problems if p.code != "removed_metadata") == [
        ("missing_cell", answer)]
    recognised = next(p for p in problems if p.code == "removed_metadata")
    assert f"«{answer}»" not in recognised.message  # no other cell taken for the deleted answer
    assert_runs_in_a_sound_order(nb, source, deleted=[answer])
