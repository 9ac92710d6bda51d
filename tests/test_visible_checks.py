"""Teaching power: the released notebooks' visible tests catch every mutant, on their own.

Each exercise is released as nbgrader releases it (solutions stubbed, hidden tests removed),
answered with the reference, with each alternative-correct implementation and with each mutant
of `mutants.py`, and its visible tests run as on a student's machine: `autograder` and
`solutions` cannot be imported (`visible_runner.py`, one process per exercise). Every mutant must
fail the visible tests of exactly the cells whose points it loses, with a message; the reference
and every alternative must pass them all. Tests of trained models are left out (the mutants do
not break training; the nbgrader tests run those cells with the reference and alternatives).
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from exercise_notebooks import (
    ASSIGNMENTS,
    EXERCISES,
    ROOT,
    cell,
    graded_code_cells,
    mutated,
    nbgrader_metadata,
    source_notebook,
    with_sources,
)
from mutants import ALTERNATIVES, MUTANTS
from test_contract_mutants import TRAINED_MODEL_TESTS

RUNNER = Path(__file__).with_name("visible_runner.py")
COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


def released(notebook):
    """The student version, made by nbgrader's own preprocessors."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    release = copy.deepcopy(notebook)
    ClearSolutions().preprocess(release, {})
    ClearHiddenTests().preprocess(release, {})
    return release


def answered(release, answers):
    """The release with every solution cell answered as in `answers` (a source notebook)."""
    return with_sources(release, {
        nbgrader_metadata(c)["grade_id"]: cell(answers, nbgrader_metadata(c)["grade_id"]).source
        for c in answers.cells if c.cell_type == "code" and nbgrader_metadata(c).get("solution")
    })


def visible_points(notebook) -> tuple[float, float]:
    """(points of test cells with visible test code, all automatic points) of a release."""
    points = graded_code_cells(notebook)
    checked = sum(
        points[nbgrader_metadata(c)["grade_id"]] for c in notebook.cells
        if c.cell_type == "code" and nbgrader_metadata(c).get("grade")
        and not all(COMMENT_OR_BLANK.match(line) for line in c.source.splitlines())
    )
    return checked, sum(points.values())


def run_visible(assignment: str, cases: dict, folder: Path) -> dict:
    """Run the cases in a folder of their own holding the files the release ships (the data)."""
    folder = folder / assignment
    folder.mkdir()
    for shipped in (EXERCISES / assignment).iterdir():
        if shipped.suffix != ".ipynb":
            (folder / shipped.name).symlink_to(shipped.resolve())
    cases_path, results_path = folder / f"{assignment}-cases.json", folder / f"{assignment}.json"
    cases_path.write_text(json.dumps({
        "skip": sorted(TRAINED_MODEL_TESTS),
        "cases": [{"label": label, "notebook": notebook} for label, notebook in cases.items()],
    }, ensure_ascii=False))
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.run([sys.executable, str(RUNNER), str(cases_path), str(results_path)],
                             cwd=folder, env=environment, capture_output=True, text=True)
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads(results_path.read_text())


@pytest.fixture(scope="module")
def visible_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("visible")
    work = {}
    for assignment in ASSIGNMENTS:
        source = source_notebook(assignment)
        release = released(source)
        cases = {"reference": answered(release, source)}
        for name, (alternative_assignment, sources) in ALTERNATIVES.items():
            if alternative_assignment == assignment:
                cases[f"alternative {name}"] = answered(release, with_sources(source, sources))
        for mutant in MUTANTS:
            if mutant.assignment == assignment:
                cases[f"mutant {mutant.name}"] = answered(
                    release, mutated(source, mutant.grade_id, mutant.old, mutant.new))
        work[assignment] = cases
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {a: pool.submit(run_visible, a, cases, folder) for a, cases in work.items()}
        return {a: future.result() for a, future in futures.items()}


def failing(results: dict) -> set[str]:
    return {grade_id for grade_id, error in results.items() if error is not None}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_and_alternatives_pass_every_visible_test(visible_results, assignment):
    for label, results in visible_results[assignment].items():
        if not label.startswith("mutant"):
            assert {g: e for g, e in results.items() if e} == {}, label


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_visible_tests_catch_the_mutant_in_the_cells_it_loses(visible_results, mutant):
    results = visible_results[mutant.assignment][f"mutant {mutant.name}"]
    assert failing(results) == mutant.loses, {g: results[g] for g in failing(results)}
    for grade_id in mutant.loses:  # a Spanish message, not a bare assert
        assert len(results[grade_id]) > 40 and results[grade_id].startswith("AssertionError")


def test_every_automatic_point_has_a_visible_test_and_the_readme_says_so(visible_results):
    checked = total = 0.0
    for assignment in ASSIGNMENTS:
        release = released(source_notebook(assignment))
        assert "autograder" not in "\n".join(c.source for c in release.cells)
        assignment_checked, assignment_total = visible_points(release)
        checked, total = checked + assignment_checked, total + assignment_total
    caught = sum(
        bool(failing(visible_results[m.assignment][f"mutant {m.name}"]) & m.loses) for m in MUTANTS
    )
    assert checked / total >= 0.9
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (f"visible tests catch {caught} of the {len(MUTANTS)} mutants" in readme), caught
    assert f"the reference and the {len(ALTERNATIVES)} alternatives pass them all" in readme
    assert (f"{checked:g} of the {total:g} automatic points ({checked / total:.0%})" in readme)
