"""Read the nbgrader source notebooks and make submissions from them (helpers for the tests)."""

from __future__ import annotations

import ast
import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
# Every exercise, found as `autograder release` finds them: a folder of exercises/ and its notebook
ASSIGNMENTS = tuple(sorted(folder.name for folder in EXERCISES.iterdir()
                           if (folder / f"{folder.name}.ipynb").is_file()))
STUB = "# TU CÓDIGO AQUÍ\nraise NotImplementedError()"
SOLUTION_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$",
                             re.S | re.M)


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(EXERCISES / assignment / f"{assignment}.ipynb", as_version=4)


def nbgrader_metadata(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cell(notebook, grade_id: str):
    for candidate in notebook.cells:
        if nbgrader_metadata(candidate).get("grade_id") == grade_id:
            return candidate
    raise KeyError(f"no cell with grade_id {grade_id!r}")


def graded_code_cells(notebook) -> dict[str, float]:
    """grade_id -> points of every automatically graded (code test) cell."""
    return {
        nbgrader_metadata(c)["grade_id"]: float(nbgrader_metadata(c)["points"])
        for c in notebook.cells
        if c.cell_type == "code" and nbgrader_metadata(c).get("grade")
    }


def mutated(notebook, grade_id: str, old: str | tuple, new: str | tuple):
    """A copy of `notebook` where each `old` snippet (present exactly once) becomes its `new`
    in cell `grade_id`; `old` and `new` are strings or tuples of the same length."""
    result = copy.deepcopy(notebook)
    target = cell(result, grade_id)
    pairs = zip(old, new) if isinstance(old, tuple) else [(old, new)]
    for before, after in pairs:
        count = target.source.count(before)
        assert count == 1, f"{before!r} appears {count} times in cell {grade_id}"
        target.source = target.source.replace(before, after)
    return result


def with_sources(notebook, sources: dict[str, str]):
    result = copy.deepcopy(notebook)
    for grade_id, source in sources.items():
        cell(result, grade_id).source = source.strip("\n")
    return result


def stubbed(notebook, grade_ids):
    """Replace the solution regions of these cells by nbgrader's stub, as in the release."""
    result = copy.deepcopy(notebook)
    for grade_id in grade_ids:
        target = cell(result, grade_id)
        target.source = SOLUTION_REGION.sub(
            lambda m: "\n".join(m.group(1) + line for line in STUB.splitlines()), target.source
        )
    return result


def is_definition_cell(source: str) -> bool:
    """Only imports, classes and functions at top level: cheap to run outside a notebook."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return bool(body) and all(
        isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.Import, ast.ImportFrom)) for n in body
    )


HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def _names(source: str, context) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, context)}


def trained_model_tests(notebook) -> frozenset[str]:
    """Test cells whose hidden tests use what only a training cell makes (a trained model,
    its results): the cells `run_in_process` cannot run, since it skips training cells."""
    trained, tests = set(), {}
    for current in notebook.cells:
        if current.cell_type != "code":
            continue
        metadata = nbgrader_metadata(current)
        if metadata.get("grade"):
            hidden = HIDDEN_REGION.search(current.source)
            tests[metadata["grade_id"]] = _names(hidden.group(1) if hidden else "", ast.Load)
        elif metadata.get("grade_id") not in ("setup", "data") and not is_definition_cell(
                current.source):
            trained |= _names(current.source, ast.Store)
    return frozenset(grade_id for grade_id, used in tests.items() if used & trained)


def run_in_process(notebook, skip_tests=frozenset(), folder=None) -> dict[str, str | None]:
    """Execute setup, data and definition cells, then the hidden tests of each test cell, in one
    namespace, in `folder` (the exercise's source folder: the data files it ships lie there).

    Returns grade_id -> None when the hidden tests pass, else the error they raised. Only the
    hidden region runs: it alone decides a test cell's points (the grader judges its
    observations, whatever the visible asserts say), and test_visible_checks.py runs the
    visible ones. Training cells are not run, so tests of trained models must be in
    `skip_tests`.
    """
    os.environ["AUTOENCODERS_COURSE_FAST"] = "1"  # bundled digits: never download in tests
    here = os.getcwd()
    if folder is not None:
        os.chdir(folder)
    try:
        return _run_cells(notebook, skip_tests)
    finally:
        os.chdir(here)


def _run_cells(notebook, skip_tests) -> dict[str, str | None]:
    namespace: dict = {"__name__": "__main__"}
    results: dict[str, str | None] = {}
    for current in notebook.cells:
        if current.cell_type != "code":
            continue
        metadata = nbgrader_metadata(current)
        grade_id = metadata.get("grade_id")
        if metadata.get("grade"):
            if grade_id in skip_tests:
                continue
            hidden = HIDDEN_REGION.search(current.source)
            assert hidden, f"{grade_id} has no hidden tests"
            try:
                exec(compile(hidden.group(1), grade_id, "exec"), namespace)
                results[grade_id] = None
            except Exception as error:  # noqa: BLE001 - any error fails the test cell
                results[grade_id] = f"{type(error).__name__}: {error}"
        elif grade_id in ("setup", "data") or is_definition_cell(current.source):
            exec(compile(current.source, grade_id or "cell", "exec"), namespace)
    return results


def nbgrader(*arguments: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run an nbgrader command in a course folder, with this interpreter's tools on PATH."""
    from conftest import venv_environment

    process = subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments], cwd=cwd, env=venv_environment(),
        capture_output=True, text=True,
    )
    if check and process.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(arguments)} failed:\n{process.stderr[-3000:]}")
    return process
