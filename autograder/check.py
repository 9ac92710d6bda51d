"""`autograder check NOTEBOOK`: for students — run the visible tests of a notebook, as grading will.

Runs a copy of the notebook top to bottom in a fresh kernel, in the same mode as grading
(NBGRADER_EXECUTION is set, so the course notebooks use their fast settings), and prints one line
per test cell. It needs none of the instructor's files: no gradebook, no course configuration, no
reference solutions, no hidden tests (any hidden-test block in the notebook is removed first, as
in the released version). The notebook file itself is never modified.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests

from autograder import messages
from autograder.course import AutograderError
from autograder.results import FAILED, MANUAL, NOT_RUN, PASSED

HIDDEN_ONLY = "hidden"  # a test cell with hidden tests only: nothing to run before handing in
_SYMBOLS = {PASSED: "✓", FAILED: "✗", HIDDEN_ONLY: "·", MANUAL: "✎", NOT_RUN: "?"}
_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$")


@dataclass
class CheckedCell:
    grade_id: str
    points: float
    status: str
    message: str = ""


@dataclass
class CheckResult:
    notebook: Path
    cells: list[CheckedCell] = field(default_factory=list)
    stopped: str = ""  # why execution stopped early, if it did

    @property
    def visible(self) -> list[CheckedCell]:
        return [cell for cell in self.cells if cell.status in (PASSED, FAILED, NOT_RUN)]

    @property
    def ok(self) -> bool:
        return all(cell.status == PASSED for cell in self.visible) and not self.stopped


def check(notebook: str | os.PathLike, *, timeout: int = 300) -> CheckResult:
    """Run `notebook`'s visible tests; return one entry per graded cell."""
    path = Path(notebook)
    nb = _read(path)
    ClearHiddenTests().preprocess(nb, {})
    result = CheckResult(path)
    client = NotebookClient(
        nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    previous = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # the notebook runs as it will be graded
    executed: set[int] = set()
    client.on_cell_executed = lambda **kwargs: executed.add(kwargs["cell_index"])
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines are noise here
    except DeadKernelError:
        result.stopped = "el proceso de Python se detuvo (¿os._exit, memoria agotada?)"
    except CellTimeoutError:
        result.stopped = f"una celda no terminó en {timeout} s y no respondió a la interrupción"
    finally:
        if previous is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = previous
    result.cells = [_judge(cell, index in executed) for index, cell in enumerate(nb.cells)
                    if utils.is_grade(cell)]
    return result


def _read(path: Path) -> nbformat.NotebookNode:
    if not path.is_file():
        raise AutograderError(f"no existe el archivo {path}")
    try:
        json.loads(path.read_text(encoding="utf-8"))
        return nbformat.read(path, as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AutograderError(f"{path} no es un JSON válido ({error}): ábrelo en Jupyter y "
                              "guárdalo de nuevo") from None
    except Exception as error:
        raise AutograderError(f"{path} no es un cuaderno de Jupyter ({error})") from None


def _judge(cell, executed: bool) -> CheckedCell:
    grade_id = cell.metadata.nbgrader.get("grade_id", "?")
    points = float(cell.metadata.nbgrader.get("points", 0) or 0)
    if utils.is_solution(cell) or cell.cell_type != "code":
        answered = cell.metadata.nbgrader.get("checksum") != utils.compute_checksum(cell)
        return CheckedCell(grade_id, points, MANUAL,
                           "respuesta escrita: la corrige tu profesor" if answered else
                           "respuesta escrita: todavía sin responder")
    if all(_COMMENT_OR_BLANK.match(line) for line in cell.source.splitlines()):
        return CheckedCell(grade_id, points, HIDDEN_ONLY, "solo pruebas ocultas: se evalúan al "
                                                          "corregir")
    if not executed:
        return CheckedCell(grade_id, points, NOT_RUN, "no se ejecutó")
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            text = f"{output.ename}: {output.evalue or messages.ERROR_HINTS.get(output.ename, '')}"
            return CheckedCell(grade_id, points, FAILED, messages.plain(text.rstrip(": "), 300))
        if output.output_type == "stream" and output.name == "stderr":
            return CheckedCell(grade_id, points, FAILED,
                               messages.plain("escribió en stderr: " + output.text, 300))
    return CheckedCell(grade_id, points, PASSED, "pruebas visibles superadas")


def summary(result: CheckResult) -> str:
    """The lines `autograder check` prints."""
    width = max((len(cell.grade_id) for cell in result.cells), default=10)
    lines = [f"{result.notebook.name}:"]
    for cell in result.cells:
        lines.append(f"  {_SYMBOLS[cell.status]} {cell.grade_id:<{width}}  {cell.points:>4g} pt  "
                     f"{cell.message}")
    passed = sum(1 for cell in result.visible if cell.status == PASSED)
    if result.stopped:
        lines.append(f"La ejecución se detuvo: {result.stopped}.")
    lines.append(f"Pruebas visibles superadas: {passed} de {len(result.visible)}. Las pruebas "
                 "ocultas se ejecutan al corregir y cuentan en la nota.")
    return "\n".join(lines)
