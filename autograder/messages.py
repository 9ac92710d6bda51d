"""What students read when something went wrong with their submission (Spanish), in one place.

Every problem has a stable code (for the instructor's report and for tests) and a sentence that
says what happened and what it cost, without quoting hidden test code.
"""

from __future__ import annotations

import re

from autograder import results
from autograder.results import Problem

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def plain(text: str, limit: int = 600) -> str:
    """Text without terminal colours, on a bounded number of characters."""
    text = _ANSI.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def budget_exceeded(notebook: str, seconds: int, grade_id: str, cell_number: int) -> Problem:
    return Problem(
        "time_budget",
        f"El cuaderno superó el tiempo total de {seconds} s (se paró en la celda {cell_number}, "
        f"{grade_id or 'sin id'}); las celdas siguientes no se ejecutaron y no puntúan.",
        notebook,
        grade_id,
    )


def cell_timeout(notebook: str, grade_id: str, seconds: int) -> Problem:
    return Problem(
        "cell_timeout",
        f"La celda «{grade_id or 'sin id'}» no terminó en {seconds} s (límite por celda) y se "
        "interrumpió: ¿un bucle infinito o un entrenamiento demasiado largo?",
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


def unresponsive(notebook: str, grade_id: str, seconds: int) -> Problem:
    return Problem(
        "cell_timeout",
        f"La celda «{grade_id or 'sin id'}» no terminó en {seconds} s y no respondió a la "
        "interrupción; el cuaderno se detuvo ahí y las celdas siguientes no puntúan.",
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


# Cell-level messages ---------------------------------------------------------------------------

# Why a grading worker was lost (the reason inside `worker_lost`)
WORKER_DEADLINE = "superó el tiempo máximo de {seconds:.0f} s"
WORKER_DIED = "el proceso corrector terminó inesperadamente"
WORKER_ERROR = "error del corrector: {detail}"

# Why a cell did not run (the reason inside NOT_RUN)
GRADER_FAILED_HERE = "el corrector falló en esta celda"
BUDGET_SPENT_HERE = "se agotó el tiempo total del cuaderno durante esta celda"
KERNEL_DIED_HERE = "el proceso de Python se detuvo durante esta celda"

# Verdicts on hidden tests that could not be judged (after the property's summary)
NO_OBSERVATION = ("{summary}: la prueba oculta no llegó a entregar su resultado al corrector "
                  "(¿falló antes esta celda, o se detuvo el cuaderno?)")
INVALID_OBSERVATION = "{summary}: el resultado entregado al corrector no es válido{detail}"
MISSHAPEN_OBSERVATION = ("{summary}: el resultado entregado al corrector no tiene la forma "
                         "esperada ({error})")
OBSERVATION_TOO_LARGE = "la observación es demasiado grande"
OBSERVATION_NOT_A_DICT = "la observación debe ser un diccionario"

NOT_RUN = "No se ejecutó: {reason}."
NO_ANSWER = "Sin respuesta: la celda está como en el enunciado."
TIMEOUT = "La celda no terminó en {seconds} s y se interrumpió."
STDERR = "La celda escribió en la salida de errores: {text}"
MEMORY_HINT = " (límite de memoria: {limit_mb} MB)"
# said instead of an empty error message
ERROR_HINTS = {
    "NotImplementedError": "todavía no has completado el código que usa esta prueba",
    "AssertionError": "una comprobación de la prueba no se cumple",
}


# Hand grading and provisional grades (issue 11) -------------------------------------------------


def not_a_submission(folder: str, found: list[str]) -> Problem:
    """A folder of the source that holds no notebook and is nobody in the roster (instructor)."""
    extra = f" (contiene: {', '.join(found)})" if found else ""
    return Problem("not_a_submission",
                   f"La carpeta «{folder}» no tiene ningún cuaderno .ipynb ni corresponde a "
                   f"nadie de la lista: no se toma como entrega{extra}.")


# shown in place of a hidden-test region in the autograded notebook (formgrader, nbgrader feedback)
HIDDEN_TESTS_PLACEHOLDER = "# (pruebas ocultas: su resultado aparece debajo de la celda)"


def cell_verdict(points: float | None, max_points: float, status: str, message: str) -> str:
    """A graded test cell's verdict, written as the cell's output in the autograded notebook."""
    got = "–" if points is None else f"{points:g}".replace(".", ",")
    mark = "✔" if status == results.PASSED else "✘"
    line = f"{mark} {got} / {max_points:g} puntos · {STATUS_LABELS.get(status, status)}"
    return f"{line}: {message}" if message else f"{line}."


def unreadable_note(problems: list[str]) -> str:
    """The first cell of the stand-in for a submission that could not be read."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    return ("**No se pudo leer esta entrega**, así que ninguna celda se ejecutó y cada prueba "
            "vale 0. Debajo están las celdas del enunciado, para que el profesor pueda "
            f"corregirla a mano si procede.\n\n{listed}")


def provisional_note(cells: list[str]) -> str:
    """Said to a student whose grade still waits for the instructor's hand grading."""
    plural = "s" if len(cells) > 1 else ""
    return (f"Nota provisional: falta la corrección manual de la{plural} celda{plural} "
            f"{', '.join(cells)}.")


# Issue 14: cells recognised without their metadata, visible checks that failed ------------

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


DROPPED_OUTSIDE = "están fuera de la carpeta del cuaderno"
DROPPED_RESERVED = "ese nombre lo usa el corrector"
DROPPED_TOO_LARGE = "entre todos superan el máximo de {megabytes} MB"


# A test cell that raised before its hidden test reported (after the property's summary): the
# error is the visible check's own message; NOT_IMPLEMENTED reads like the probes' own sentence
CHECK_STOPPED = "{summary}: la celda falló antes de entregar su resultado al corrector: {error}"
NOT_IMPLEMENTED = "la implementación todavía no está hecha (lanza NotImplementedError)"


# Grading on a Dask cluster (issue 12): why a submission graded remotely was lost
# (the reason inside worker_lost)
CLUSTER_WORKER_LOST = (
    "el equipo que la corregía se perdió {times} veces; se dejó de reintentar"
)
CLUSTER_TASK_ERROR = "error del corrector en el clúster: {detail}"


# How each cell status reads in the feedback page and the report
STATUS_LABELS = {
    results.PASSED: "Superada",
    results.PARTIAL: "Parcial",
    results.FAILED: "No superada",
    results.NOT_RUN: "No ejecutada",
    results.MANUAL: "Corrección manual pendiente",
}
