"""What `autograder similarity` and its page say to the instructor (Spanish). Never shown to a
student: the similarity report is the instructor's, and it changes no grade."""

from __future__ import annotations

NOT_RELEASED = ("la tarea {assignment!r} no tiene versión de estudiante en release/: ejecuta "
                "antes `autograder release {assignment}` (el código de partida se descuenta)")
NO_SUBMISSIONS = ("no hay entregas de {assignment} en submitted/: ejecuta antes "
                  "`autograder collect`")
NO_SUCH_ARCHIVE = "no existe {path} (--against espera una carpeta submitted/, una carpeta o un zip)"
NOT_AN_ARCHIVE = "{path} no es una carpeta ni un archivo zip"
NO_NOTEBOOK = "no hay {name} en su carpeta"
TOO_LARGE = "{name} pasa de {megabytes} MB; no se ha leído"
BLANK = "en blanco o solo con el código y el texto del enunciado"
BAD_THRESHOLD = "el umbral debe estar entre 0 y 1 (se dio {value})"

# console lines
WRITTEN = ("{assignment}: {students} entregas comparadas{earlier} en {seconds:.1f} s; "
           "{flagged} pareja(s) por encima del umbral {threshold:.2f}")
EARLIER = " (y {count} de cursos anteriores)"
FLAGGED_PAIR = "  revisar: {a} y {b} · {score:.0%}"
SKIPPED = "  sin comparar: {who}: {reason}"
PAGE = "  informe: {html} · tabla: {csv}"
CONSOLE_PAIRS = 20  # flagged pairs listed on the console; the page and the CSV have them all
MORE_PAIRS = "  … y {count} pareja(s) más: están todas en el informe y en el CSV"
AGAINST_ITSELF = ("--against {path} es esta misma clase: indica las entregas de un curso "
                  "anterior")
