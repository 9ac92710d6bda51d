"""Read a submitted .ipynb file's bytes, telling corrupt JSON from files that are no notebook."""

from __future__ import annotations

import json

import nbformat
from nbformat import NotebookNode

from autograder import messages
from autograder.results import Problem


def parse_notebook(data: bytes, name: str) -> tuple[NotebookNode | None, Problem | None]:
    """The notebook, or None and the problem a student should be told about."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, messages.not_a_notebook(name, "es un archivo binario, no texto")
    if not text.lstrip().startswith("{"):
        return None, messages.not_a_notebook(name, "no empieza como un cuaderno (JSON)")
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        return None, messages.corrupt_json(name, str(error))
    if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
        return None, messages.not_a_notebook(name, "no tiene celdas")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for malformed notebooks
        return None, messages.not_a_notebook(name, f"{type(error).__name__}: {error}")
    for cell in nb.cells:  # cells without metadata or source break nbgrader's preprocessors
        cell.setdefault("metadata", NotebookNode())
        cell.setdefault("source", "")
        if cell.get("cell_type") == "code":
            cell.setdefault("outputs", [])
    return nb, None


def cell_grade_id(cell) -> str | None:
    """A cell's nbgrader grade_id; None when it has none or its nbgrader metadata is no dict."""
    metadata = cell.get("metadata", {}).get("nbgrader")
    if not isinstance(metadata, dict) or metadata.get("grade_id") is None:
        return None
    return str(metadata["grade_id"])
