"""The `autograder` command's verbs and options (argparse, in Spanish); `cli.py` runs them.

Defaults come from the API modules, so the CLI and `autograder.api` never disagree.
"""

from __future__ import annotations

import argparse
import textwrap

from autograder.batch.certificates import DEFAULT_DAYS as CERTS_DAYS
from autograder.batch.certificates import DEFAULT_FOLDER as CERTS_FOLDER
from autograder.cli_examples import EXAMPLES, MAIN_EXAMPLES
from autograder.notebook.limits import CELL_FLOOR as LIMITS_CELL_FLOOR
from autograder.notebook.limits import FACTOR as LIMITS_FACTOR
from autograder.notebook.limits import NOTEBOOK_FLOOR as LIMITS_NOTEBOOK_FLOOR
from autograder.notebook.limits import Limits
from autograder.service.server import DEFAULT_HOST as SERVE_HOST
from autograder.service.server import DEFAULT_MAX_UPLOAD_MB as SERVE_MAX_MB
from autograder.service.server import DEFAULT_PORT as SERVE_PORT
from autograder.service.tokens import DEFAULT_URL as TOKENS_URL
from autograder.similarity import THRESHOLD as SIMILARITY_THRESHOLD

DEFAULT_LIMITS = Limits()  # the grade options' defaults: one place, the API's
CELL_HELP = ("segundos por celda (por defecto: los medidos con `autograder limits`; sin medir, "
             "Execute.timeout del curso)")
BUDGET_HELP = ("segundos para todo un cuaderno (por defecto: los medidos con `autograder "
               f"limits`; sin medir, {DEFAULT_LIMITS.notebook_budget})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Publica, recoge, corrige (en paralelo), informa, exporta y resume ejercicios "
        "de nbgrader.",
        epilog=MAIN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course-dir", default=".", metavar="DIR",
                        help="carpeta del curso, la que tiene nbgrader_config.py (por defecto: .)")

    def verb(name: str, summary: str, *, with_course: bool = True) -> argparse.ArgumentParser:
        return verbs.add_parser(
            name, help=summary, description=summary, epilog=textwrap.dedent(EXAMPLES[name]),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[course] if with_course else [],
        )

    release = verb("release", "genera las versiones de estudiante y un zip por ejercicio")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")

    collect = verb("collect",
                   "importa las entregas de un zip de Moodle o de una carpeta por estudiante")
    collect.add_argument("source", metavar="SOURCE")
    collect.add_argument("-a", "--assignment", required=True)
    collect.add_argument("--roster", metavar="CSV",
                         help="lista de clase: id, nombre, correo, moodle_id")

    grade = verb("grade", "corrige automáticamente las entregas recogidas, N a la vez")
    grade.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    grade.add_argument("--workers", "-j", type=_positive, metavar="N",
                       help="entregas corregidas a la vez (por defecto: el número de CPU)")
    grade.add_argument("--student", action="append", dest="students", metavar="ID",
                       help="solo este estudiante (repetible)")
    grade.add_argument("--cell-timeout", type=_positive, metavar="S", help=CELL_HELP)
    grade.add_argument("--budget", type=_positive, metavar="S", help=BUDGET_HELP)
    grade.add_argument("--max-memory", type=int, default=DEFAULT_LIMITS.max_memory_mb,
                       metavar="MB", help="memoria máxima de cada kernel, 0 sin límite "
                       "(por defecto: %(default)s)")
    grade.add_argument("--kernel-threads", type=int, default=DEFAULT_LIMITS.kernel_threads,
                       metavar="N", help="núcleos de las bibliotecas numéricas de cada kernel "
                       "(por defecto: %(default)s; 0: las suyas)")
    grade.add_argument("--force", action="store_true",
                       help="recorrige todo lo seleccionado (las notas a mano se conservan)")
    grade.add_argument("--retry-errors", action="store_true",
                       help="recorrige las entregas cuya última corrección tuvo un problema")
    grade.add_argument("--notebook-grader", default=None, metavar="MODULE:FUNCTION",
                       help="función que corrige un cuaderno (por defecto: los preprocesadores de "
                       "nbgrader)")
    grade.add_argument("--no-progress", action="store_true", help="sin mostrar el progreso")
    _scheduler_options(grade, "corrige en este clúster de Dask, una tarea por entrega "
                       "(por defecto: $AUTOGRADER_SCHEDULER; sin él, procesos locales)")
    grade.add_argument("--allow-unsandboxed", action="store_true",
                       help="con --scheduler: deja corregir a trabajadores sin bubblewrap")

    measure = verb("limits", "mide lo que tarda la solución de cada tarea y fija sus límites de "
                   "tiempo (un bucle infinito cuesta minutos, no un cuarto de hora)")
    measure.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    measure.add_argument("--factor", type=float, default=LIMITS_FACTOR, metavar="X",
                         help="límite = X veces lo que tarda la solución (por defecto: "
                         "%(default)g)")
    measure.add_argument("--min-cell", type=_positive, default=LIMITS_CELL_FLOOR, metavar="S",
                         help="mínimo por celda (por defecto: %(default)s)")
    measure.add_argument("--min-notebook", type=_positive, default=LIMITS_NOTEBOOK_FLOOR,
                         metavar="S", help="mínimo por cuaderno (por defecto: %(default)s)")
    measure.add_argument("--cell-timeout", type=_positive, metavar="S",
                         help="fija los segundos por celda en vez de derivarlos")
    measure.add_argument("--budget", type=_positive, metavar="S",
                         help="fija los segundos por cuaderno en vez de derivarlos")
    measure.add_argument("--show", action="store_true",
                         help="solo muestra los límites de cada tarea, sin medir")

    certs = verb("certificates", "crea la CA y los certificados TLS de un clúster de Dask "
                 "(planificador, trabajadores, cliente)", with_course=False)
    certs.add_argument("--out", default=CERTS_FOLDER, metavar="DIR",
                       help="carpeta de salida, solo para ti (por defecto: %(default)s)")
    certs.add_argument("--days", type=_positive, default=CERTS_DAYS, metavar="N",
                       help="días de validez (por defecto: %(default)s)")
    certs.add_argument("--force", action="store_true",
                       help="sustituye los certificados que ya haya en la carpeta")

    feedback = verb("feedback", "escribe un informe HTML en español por estudiante")
    feedback.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    feedback.add_argument("--student", action="append", dest="students", metavar="ID")

    export = verb("export", "escribe las notas en CSV (Canvas, Moodle) y JSON")
    export.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    export.add_argument("--out", metavar="DIR", help="carpeta de salida (por defecto: export/)")
    export.add_argument("--moodle-language", choices=["en", "es"],
                        help="idioma de la sesión de Moodle que sube la hoja de calificaciones "
                        "(por defecto: en)")
    _lms_options(export)

    report = verb("report", "escribe el informe de la clase (HTML con gráficos PNG)")
    report.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    report.add_argument("--out", metavar="DIR", help="carpeta de salida (por defecto: report/)")

    similar = verb("similarity", "compara las entregas entre sí (y con cursos anteriores): "
                   "parejas con trabajo en común")
    similar.add_argument("assignment", metavar="ASSIGNMENT")
    similar.add_argument("--against", nargs="+", metavar="FOLDER",
                         help="entregas de cursos anteriores: carpeta submitted/, carpeta de "
                         "cuadernos o zip")
    similar.add_argument("--threshold", type=_fraction, default=SIMILARITY_THRESHOLD, metavar="X",
                         help="puntuación (0-1) desde la que se señala una pareja "
                         "(por defecto: %(default)s)")
    similar.add_argument("--out", metavar="DIR", help="carpeta de salida (por defecto: report/)")

    publish = verb("publish", "feedback + export + report, después de corregir")
    publish.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    publish.add_argument("--moodle-language", choices=["en", "es"],
                         help="idioma de la sesión de Moodle que sube la hoja de calificaciones "
                         "(por defecto: en)")
    _lms_options(publish)

    check = verb("check", "para estudiantes: ejecuta las pruebas visibles de un cuaderno",
                 with_course=False)
    check.add_argument("notebook", metavar="NOTEBOOK")
    check.add_argument("--timeout", type=_positive, metavar="S",
                       help="segundos por celda (por defecto: 300)")

    serve = verb("serve", "servicio web de entregas: los estudiantes entregan y ven su nota")
    serve.add_argument("--host", default=SERVE_HOST,
                       help="dirección en la que escucha (por defecto: %(default)s)")
    serve.add_argument("--port", type=_positive, default=SERVE_PORT,
                       help="puerto (por defecto: %(default)s)")
    serve.add_argument("--workers", "-j", type=_positive, metavar="N",
                       help="entregas corregidas a la vez (por defecto: el número de CPU)")
    serve.add_argument("--max-upload-mb", type=float, default=SERVE_MAX_MB, metavar="MB",
                       help="tamaño máximo de un cuaderno (por defecto: %(default)g)")
    serve.add_argument("--cell-timeout", type=_positive, metavar="S", help=CELL_HELP)
    serve.add_argument("--budget", type=_positive, metavar="S", help=BUDGET_HELP)
    serve.add_argument("--max-memory", type=int, default=DEFAULT_LIMITS.max_memory_mb,
                       metavar="MB", help="memoria máxima de cada kernel, 0 sin límite "
                       "(por defecto: %(default)s)")
    serve.add_argument("--forwarded-allow-ips", metavar="IP[,IP]",
                       help="proxy inverso cuyas cabeceras X-Forwarded-* se aceptan "
                       "(por defecto: 127.0.0.1)")
    _scheduler_options(serve, "corrige en este clúster de Dask (por defecto: "
                       "$AUTOGRADER_SCHEDULER; sin él, procesos locales)")
    serve.add_argument("--allow-unsandboxed", action="store_true",
                       help="con --scheduler: deja corregir a trabajadores sin bubblewrap")

    tokens = verb("tokens", "enlaces personales secretos para el servicio de entregas")
    tokens.add_argument("--roster", metavar="CSV",
                        help="lista de clase: da enlace a quien aún no lo tiene")
    tokens.add_argument("--url", default=TOKENS_URL, dest="base_url",
                        help="dirección pública del servicio (por defecto: %(default)s)")
    tokens.add_argument("--out", metavar="CSV",
                        help="dónde escribir los enlaces nuevos (por defecto: "
                        "service/enlaces.csv)")
    tokens.add_argument("--reissue", action="append", metavar="ID",
                        help="enlace nuevo para este estudiante; el anterior deja de valer "
                        "(repetible)")
    tokens.add_argument("--revoke", action="append", metavar="ID",
                        help="anula el enlace de este estudiante (repetible)")
    tokens.add_argument("--instructor", action="store_true",
                        help="enlace nuevo del profesor; el anterior deja de valer")

    demo = verb("demo", "ejecuta todo el proceso con una clase de ejemplo")
    demo.add_argument("--out", metavar="DIR",
                      help="carpeta de la demo, se rehace (por defecto: demo-class)")
    demo.add_argument("--workers", "-j", type=_positive, metavar="N")
    return parser


def _scheduler_options(parser: argparse.ArgumentParser, summary: str) -> None:
    """--scheduler and who may use it (TLS files, the insecure opt-in): every verb that sends
    work to a Dask cluster takes these; `cli._scheduler_given` hands them to `scheduler_access`."""
    parser.add_argument("--scheduler", metavar="tls://HOST:PUERTO", default=None, help=summary)
    parser.add_argument("--tls-ca-file", metavar="PEM", default=None,
                        help="certificado de la CA del clúster (por defecto: "
                        "$AUTOGRADER_TLS_CA_FILE; lo crea `autograder certificates`)")
    parser.add_argument("--tls-cert", metavar="PEM", default=None,
                        help="certificado de cliente (por defecto: $AUTOGRADER_TLS_CERT)")
    parser.add_argument("--tls-key", metavar="PEM", default=None,
                        help="clave del certificado de cliente (por defecto: $AUTOGRADER_TLS_KEY)")
    parser.add_argument("--allow-insecure-scheduler", action="store_true",
                        help="acepta un planificador tcp:// fuera de esta máquina, sin cifrar ni "
                        "autenticar: quien llegue a él ejecuta código en los trabajadores")


def _lms_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--canvas-login", choices=["id", "email"],
                        help="qué lleva la columna SIS Login ID de Canvas: el id del estudiante "
                        "(por defecto) o el correo, según con qué se entre en tu Canvas")
    parser.add_argument("--final", action="store_true",
                        help="se niega (no escribe nada) mientras alguna nota sea provisional, es "
                        "decir, mientras formgrader tenga celdas por corregir a mano")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"no es un número entero: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"debe ser al menos 1: {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"no es un número: {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"debe estar entre 0 y 1: {text!r}")
    return value


# argparse's own words (it reads them through its module-level gettext `_` when printing)
_ARGPARSE_SPANISH = {
    "usage: ": "uso: ",
    "positional arguments": "argumentos",
    "options": "opciones",
    "show this help message and exit": "muestra esta ayuda y termina",
    "the following arguments are required: %s": "faltan estos argumentos: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "opción no válida: %(value)r (elige entre %(choices)s)",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "expected one argument": "falta el valor",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: error: %(message)s\n",
}


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    english = argparse._
    argparse._ = lambda text: _ARGPARSE_SPANISH.get(text, english(text))
    try:
        return build_parser().parse_args(argv)
    finally:
        argparse._ = english
