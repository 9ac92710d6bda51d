"""What the submission service (`autograder serve`) answers a student or the instructor (Spanish).

Each refusal is one sentence that says what happened and what to do; none quotes code.
"""

from __future__ import annotations

import re

# what collect's sentence says about the grade: untrue of an upload that is refused
_GRADE_CLAUSE = re.compile(r";\s*(?:no se ha podido ejecutar y )?la nota automática es 0\.?")

NO_TOKEN = ("Falta tu clave: abre tu enlace personal, o envía la cabecera "
            "«Authorization: Bearer <clave>».")
BAD_TOKEN = ("Esa clave no es válida o ha sido revocada: pide a tu profesor un enlace nuevo.")
NOT_INSTRUCTOR = "Esta página es solo para el profesor."
NOT_STUDENT = "Solo los estudiantes entregan: entra con un enlace de estudiante."
NOT_FOUND = "No existe esa página."
NO_SUCH_SUBMISSION = "No existe esa entrega."
UNKNOWN_ASSIGNMENT = "No hay ninguna tarea llamada «{assignment}» (hay: {known})."
NOT_OPEN = "La tarea «{assignment}» todavía no admite entregas: abre el {opens}."
CLOSED = "La tarea «{assignment}» ya no admite entregas: cerró el {closed}."
POLICY_BROKEN = ("La configuración de la tarea «{assignment}» tiene un error; avisa a tu "
                 "profesor. Tu entrega no se ha guardado.")
TOO_LARGE = "El archivo supera el máximo de {megabytes:g} MB; tu entrega no se ha guardado."
BAD_FORM = ("La petición no es un formulario válido: envía «assignment» y «notebook» como "
            "multipart/form-data.")
NO_FILE = "Falta el cuaderno: elige un archivo .ipynb."
NO_ASSIGNMENT = "Falta la tarea: indica a qué tarea corresponde la entrega."
PATH_IN_NAME = ("El nombre del archivo «{name}» lleva carpetas; envía solo el archivo "
                "(por ejemplo «{assignment}.ipynb»).")
NOT_IPYNB = "«{name}» no es un cuaderno de Jupyter (.ipynb); tu entrega no se ha guardado."
REFUSED_NOTEBOOK = ("{message} No se ha aceptado ni guardado, así que no gasta ninguna de tus "
                    "entregas y sigue valiendo la anterior, si la hay.")
TOO_MANY = ("Has hecho {count} entregas de «{assignment}» en la última hora (máximo {limit}); "
            "podrás volver a entregar a partir de las {next_time}.")
CSRF = ("El formulario ha caducado o no viene de esta página: recarga la página y vuelve a "
        "entregar.")
GRADER_FAILED = ("La corrección de tu entrega falló por un error del corrector, no de tu cuaderno: "
                 "tu profesor lo revisará. Puedes volver a entregar.")
INTERNAL = "Error interno del servicio; tu profesor lo verá en el registro. Inténtalo más tarde."
ACCEPTED = "Entrega recibida ({size} bytes, huella {sha}); está en la cola de corrección."

STATUS_NAMES = {"queued": "en cola", "grading": "corrigiéndose", "graded": "corregida",
                "failed": "fallo al corregir"}
VIEW_NAMES = {
    "full": "puntos y mensajes de cada prueba",
    "points": "los puntos de cada prueba, sin mensajes",
    "visible": "solo el resultado de las pruebas visibles",
}


def refused_notebook(problem_message: str) -> str:
    """collect's sentence on a file that is no notebook, for an upload refused on the spot."""
    text = _GRADE_CLAUSE.sub(".", problem_message).replace("..", ".").strip()
    return REFUSED_NOTEBOOK.format(message=text)
