"""Committed notebooks: no outputs, and nbgrader metadata that cannot abort a batch."""

import subprocess
from collections import Counter

import nbformat
import pytest
from exercise_notebooks import ASSIGNMENTS, ROOT, nbgrader_metadata, source_notebook


def committed_notebooks():
    listed = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.split()
    return listed or [str(p.relative_to(ROOT)) for p in ROOT.glob("*/**/*.ipynb")
                      if ".venv" not in p.parts]


@pytest.mark.parametrize("path", committed_notebooks())
def test_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(ROOT / path, as_version=4)
    nbformat.validate(notebook)
    dirty = [i for i, c in enumerate(notebook.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert dirty == [], f"{path}: cells {dirty} carry outputs or execution counts"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grade_ids_are_unique_and_graded_cells_have_points(assignment):
    cells = [nbgrader_metadata(c) for c in source_notebook(assignment).cells]
    ids = Counter(m["grade_id"] for m in cells if m)
    assert [i for i, n in ids.items() if n > 1] == []  # a duplicate aborts nbgrader's batch
    for metadata in cells:
        if metadata.get("grade"):
            assert metadata["points"] > 0, metadata["grade_id"]
        if metadata and not metadata.get("solution") and metadata.get("grade_id") != "":
            assert metadata.get("locked") or metadata.get("grade"), metadata["grade_id"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_hidden_tests_carry_every_automatic_point(assignment):
    """Each test cell has a visible test that teaches (tests/test_visible_checks.py) and a
    hidden test, on its own probes, whose verdict the grader takes: it carries the points."""
    for c in source_notebook(assignment).cells:
        metadata = nbgrader_metadata(c)
        if c.cell_type == "code" and metadata.get("grade"):
            hidden = c.source.split("### BEGIN HIDDEN TESTS", 1)[-1]
            assert "### BEGIN HIDDEN TESTS" in c.source, metadata["grade_id"]
            assert "report(" in hidden, metadata["grade_id"]
