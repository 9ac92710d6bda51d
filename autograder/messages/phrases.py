"""Short phrases that go inside cell verdicts, feedback pages and problems (Spanish)."""

from __future__ import annotations

import re

from autograder import results

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def plain(text: str, limit: int = 600) -> str:
    """Text without terminal colours, on a bounded number of characters."""
    text = _ANSI.sub("", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
