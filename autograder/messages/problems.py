"""The problems a submission can have, each as a stable code and the sentence a student reads.

Each sentence says what happened and what it cost, without quoting hidden test code.
"""

from __future__ import annotations

from autograder.messages.phrases import plain
from autograder.results import Problem

# Collecting -----------------------------------------------------------------------------------

def no_notebook(notebook: str, found: list[str]) -> Problem:
    extra = f" (se encontró: {', '.join(found)})" if found else ""
    return Problem(
        "no_notebook",
        f"No se encontró ningún cuaderno .ipynb en tu entrega{extra}: la nota automática es 0.",
        notebook,
    )


def several_notebooks(chosen: str, others: list[str]) -> Problem:
    return Problem(
        "several_notebooks",
        f"Entregaste varios cuadernos ({', '.join([chosen, *others])}); "
        f"se ha corregido «{chosen}».",
    )


def renamed_notebook(original: str, expected: str) -> Problem:
    return Problem(
        "wrong_file_name",
        f"Tu cuaderno se llamaba «{original}» y no «{expected}»; se ha corregido igualmente.",
        expected,
    )


def not_in_roster(folder: str) -> Problem:
    return Problem("not_in_roster", f"La entrega «{folder}» no corresponde a nadie de la lista.")


def duplicate_student(earlier: str, later: str, student: str) -> Problem:
    return Problem(
        "duplicate_student",
        f"Las carpetas «{earlier}» y «{later}» son del mismo estudiante ({student}); "
        "se usa la más reciente.",
    )


def outside_folder(name: str) -> Problem:
    return Problem(
        "outside_folder",
        f"El archivo «{name}» no está en la carpeta de ningún estudiante; se ha ignorado.",
    )


# Reading the notebook --------------------------------------------------------------------------

def missing_notebook(notebook: str) -> Problem:
    return Problem(
        "no_notebook",
        f"No se encontró el cuaderno «{notebook}.ipynb» en tu entrega: la nota automática es 0.",
        notebook,
    )


def corrupt_json(notebook: str, detail: str) -> Problem:
    return Problem(
        "corrupt_json",
        f"El archivo «{notebook}.ipynb» no es JSON válido ({plain(detail, 200)}); no se ha "
        "podido ejecutar y la nota automática es 0. Suele pasar si se edita el archivo a mano "
        "o se corta la descarga: ábrelo en Jupyter y vuelve a guardarlo.",
        notebook,
    )


def not_a_notebook(notebook: str, detail: str) -> Problem:
    return Problem(
        "not_a_notebook",
        f"El archivo «{notebook}.ipynb» no es un cuaderno de Jupyter ({plain(detail, 200)}); "
        "la nota automática es 0.",
        notebook,
    )


# Tampering found when comparing with the instructor's version ----------------------------------

def duplicated_cell(notebook: str, grade_id: str, copies: int) -> Problem:
    return Problem(
        "duplicated_cell",
        f"La celda «{grade_id}» aparecía {copies} veces; solo cuenta la última copia.",
        notebook,
        grade_id,
    )


def missing_cell(notebook: str, grade_id: str, restored: bool) -> Problem:
    what = "se ha vuelto a añadir la original" if restored else "no se ha podido corregir"
    return Problem(
        "missing_cell", f"Faltaba la celda «{grade_id}»; {what}.", notebook, grade_id
    )


def reordered_cell(notebook: str, grade_id: str, restored: bool) -> Problem:
    what = ("se ha vuelto a colocar donde está en el enunciado" if restored
            else "es una celda de respuesta y se ha dejado donde estaba")
    return Problem(
        "reordered_cell", f"La celda «{grade_id}» estaba fuera de su sitio; {what}.",
        notebook, grade_id,
    )


def edited_metadata(notebook: str, grade_id: str, changes: list[str]) -> Problem:
    return Problem(
        "edited_metadata",
        f"Se habían modificado los metadatos de la celda «{grade_id}» ({'; '.join(changes)}); "
        "se han restaurado los originales.",
        notebook,
        grade_id,
    )


def unknown_cell(notebook: str, grade_id: str) -> Problem:
    return Problem(
        "unknown_cell",
        f"La celda «{grade_id}» no existe en el enunciado (¿metadatos copiados o editados?); "
        "se trata como una celda normal.",
        notebook,
        grade_id,
    )


def edited_locked_cell(notebook: str, grade_id: str, is_test: bool) -> Problem:
    what = "de pruebas" if is_test else "bloqueada"
    return Problem(
        "edited_locked_cell",
        f"Habías modificado la celda {what} «{grade_id}»; se ha corregido con la original.",
        notebook,
        grade_id,
    )


def suspicious_code(
    notebook: str, grade_id: str, findings: list[str], cell_number: int | None = None
) -> Problem:
    """Code that reaches for the grader's or the kernel's machinery (`suspicious.py`)."""
    if grade_id:
        where = f"de la celda «{grade_id}»"
    elif cell_number:
        where = f"de una celda añadida (la n.º {cell_number} del cuaderno)"
    else:
        where = "de una celda añadida"
    return Problem(
        "suspicious_code",
        f"El código {where} usa mecanismos internos del corrector o del núcleo "
        f"({', '.join(findings)}); no hacen falta para resolver el ejercicio. "
        "La nota automática no cambia por ello, pero el profesor revisará esta entrega.",
        notebook,
        grade_id,
    )


def invalid_metadata(notebook: str, detail: str) -> Problem:
    return Problem(
        "invalid_metadata",
        f"Los metadatos de nbgrader de «{notebook}.ipynb» están dañados y no se han podido "
        f"reparar ({plain(detail, 200)}); la nota automática es 0.",
        notebook,
    )


# Running it ------------------------------------------------------------------------------------

def kernel_died(notebook: str, grade_id: str, cell_number: int) -> Problem:
    return Problem(
        "kernel_died",
        f"El proceso de Python se detuvo durante la celda {cell_number} ({grade_id or 'sin id'}): "
        "por ejemplo por os._exit(), sys.exit() en C, un fallo de una librería o por agotar "
        "la memoria. Las celdas siguientes no se ejecutaron y no puntúan.",
        notebook,
        grade_id,
    )


def _limit_basis(factor: float) -> str:
    """Where a time limit comes from, when it was derived from the reference's time."""
    if not factor:
        return ""
    return (f" Ese límite es al menos {factor:g} veces lo que tarda la solución de referencia: "
            "un cuaderno correcto cabe de sobra.")


def budget_exceeded(notebook: str, seconds: int, grade_id: str, cell_number: int,
                    factor: float = 0.0) -> Problem:
    return Problem(
        "time_budget",
        f"Tu cuaderno superó el tiempo total de {seconds} s (se paró en la celda {cell_number}, "
        f"{grade_id or 'sin id'}); las celdas siguientes no se ejecutaron y no puntúan."
        + _limit_basis(factor),
        notebook,
        grade_id,
    )


def cell_timeout(notebook: str, grade_id: str, seconds: int, factor: float = 0.0) -> Problem:
    return Problem(
        "cell_timeout",
        f"La celda «{grade_id or 'sin id'}» de tu cuaderno superó los {seconds} s (límite por "
        "celda) y se interrumpió: ¿un bucle infinito o un entrenamiento demasiado largo?"
        + _limit_basis(factor),
        notebook,
        grade_id,
    )


def memory_exhausted(notebook: str, grade_id: str, limit_mb: int) -> Problem:
    return Problem(
        "memory",
        f"La celda «{grade_id or 'sin id'}» intentó usar más memoria de la permitida "
        f"({limit_mb} MB).",
        notebook,
        grade_id,
    )


def unresponsive(notebook: str, grade_id: str, seconds: int, factor: float = 0.0) -> Problem:
    return Problem(
        "cell_timeout",
        f"La celda «{grade_id or 'sin id'}» de tu cuaderno superó los {seconds} s (límite por "
        "celda) y no respondió a la interrupción; el cuaderno se detuvo ahí y las celdas "
        "siguientes no puntúan." + _limit_basis(factor),
        notebook,
        grade_id,
    )


def grading_crashed(notebook: str, detail: str) -> Problem:
    return Problem(
        "grading_error",
        f"No se pudo corregir «{notebook}» por un fallo del corrector ({plain(detail, 300)}); "
        "tu profesor lo revisará.",
        notebook,
    )


def worker_lost(reason: str) -> Problem:
    return Problem(
        "grading_error",
        f"La corrección de tu entrega se interrumpió ({reason}); la nota automática es 0 y tu "
        "profesor lo revisará.",
    )


def not_a_submission(folder: str, found: list[str]) -> Problem:
    """A folder of the source that holds no notebook and is nobody in the roster (instructor)."""
    extra = f" (contiene: {', '.join(found)})" if found else ""
    return Problem("not_a_submission",
                   f"La carpeta «{folder}» no tiene ningún cuaderno .ipynb ni corresponde a "
                   f"nadie de la lista: no se toma como entrega{extra}.")



def removed_metadata(notebook: str, grade_ids: list[str]) -> Problem:
    names = ", ".join(f"«{grade_id}»" for grade_id in grade_ids)
    what = f"la celda {names}" if len(grade_ids) == 1 else f"{len(grade_ids)} celdas ({names})"
    return Problem(
        "removed_metadata",
        f"Faltaban los metadatos de nbgrader de {what}; se han reconocido por su contenido y su "
        "posición y se han restaurado.",
        notebook,
        grade_ids[0] if len(grade_ids) == 1 else "",
    )


def dropped_files(names: list[str], reason: str) -> Problem:
    shown = ", ".join(f"«{name}»" for name in names[:10])
    more = f" y {len(names) - 10} más" if len(names) > 10 else ""
    return Problem(
        "dropped_files",
        f"No se han copiado junto a tu cuaderno estos archivos de tu entrega ({reason}): "
        f"{shown}{more}. El cuaderno se ha corregido sin ellos.",
    )
