"""Comprueba tu cuaderno antes de entregarlo: ejecuta sus pruebas visibles como al corregir.

    python comprobar.py 01-autoencoder.ipynb
    python comprobar.py 03-vae.ipynb --timeout 600

Ejecuta una copia del cuaderno de principio a fin en un kernel nuevo, en el modo de la corrección
(datos incluidos y pocas épocas), y escribe una línea por prueba. El cuaderno no se modifica.
Solo necesita los paquetes del curso (jupyter, tensorflow, keras, numpy, matplotlib,
scikit-learn): no contiene ninguna solución ni las pruebas ocultas, que cuentan en la nota.

(Shipped inside each assignment's release zip as `comprobar.py`; it must stay standalone:
standard library, nbformat and nbclient only, never `autograder` or `solutions`.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

SYMBOLS = {"passed": "✓", "failed": "✗", "manual": "✎", "not_run": "?"}


def nbgrader_metadata(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def read_notebook(path: Path):
    import nbformat

    if not path.is_file():
        raise SystemExit(f"error: no existe el archivo {path}")
    try:
        json.loads(path.read_text(encoding="utf-8"))
        return nbformat.read(path, as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SystemExit(f"error: {path} no es un JSON válido ({error}); ábrelo en Jupyter y "
                         "guárdalo de nuevo") from None
    except Exception as error:  # noqa: BLE001 - anything else: not a notebook
        raise SystemExit(f"error: {path} no es un cuaderno de Jupyter ({error})") from None


def execute(notebook, folder: Path, timeout: int) -> tuple[set[int], str]:
    """Run the notebook in a fresh kernel as grading does; (indices run, why it stopped)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(
        notebook, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
        kernel_name=notebook.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(folder)}},
    )
    executed: set[int] = set()
    client.on_cell_executed = lambda **kwargs: executed.add(kwargs["cell_index"])
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # the notebooks' grading mode
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines are noise here
    except DeadKernelError:
        return executed, "el proceso de Python se detuvo (¿os._exit, memoria agotada?)"
    except CellTimeoutError:
        return executed, f"una celda no terminó en {timeout} s"
    return executed, ""


def verdict(cell, executed: bool) -> tuple[str, str]:
    if cell.cell_type != "code" or nbgrader_metadata(cell).get("solution"):
        return "manual", "respuesta escrita: la corrige tu profesor"
    if not executed:
        return "not_run", "no se ejecutó"
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return "failed", short(f"{output.ename}: {output.evalue}")
        if output.output_type == "stream" and output.name == "stderr":
            return "failed", short("escribió en stderr (al corregir vale 0): " + output.text)
    return "passed", "prueba visible superada"


def short(text: str, limit: int = 400) -> str:
    import re

    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="comprobar.py", description="Ejecuta las pruebas visibles de tu cuaderno.")
    parser.add_argument("notebook", metavar="CUADERNO", help="el .ipynb que vas a entregar")
    parser.add_argument("--timeout", type=int, default=300, metavar="S",
                        help="segundos como máximo por celda (300)")
    args = parser.parse_args(argv)
    path = Path(args.notebook)
    notebook = read_notebook(path)
    executed, stopped = execute(notebook, path.parent.resolve(), args.timeout)
    rows = [(metadata.get("grade_id", "?"), float(metadata.get("points", 0)),
             *verdict(c, index in executed))
            for index, c in enumerate(notebook.cells)
            if (metadata := nbgrader_metadata(c)).get("grade")]
    width = max((len(row[0]) for row in rows), default=10)
    print(f"{path.name}:")
    for grade_id, points, status, message in rows:
        print(f"  {SYMBOLS[status]} {grade_id:<{width}}  {points:>4g} pt  {message}")
    tests = [row for row in rows if row[2] != "manual"]
    passed = sum(1 for row in tests if row[2] == "passed")
    if stopped:
        print(f"La ejecución se detuvo: {stopped}.")
    print(f"Pruebas visibles superadas: {passed} de {len(tests)}. Al corregir se ejecutan además "
          "las pruebas ocultas, que deciden la nota.")
    return 0 if passed == len(tests) and not stopped else 1


if __name__ == "__main__":
    sys.exit(main())
