"""The `autograder` command: a thin argparse layer over `autograder.api`, one verb per function.

Bad input (unknown assignment, missing file, not a course folder...) prints one line and exits
with status 2; nothing already written is lost.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap

from autograder.batch.certificates import DEFAULT_DAYS as CERTS_DAYS
from autograder.batch.certificates import DEFAULT_FOLDER as CERTS_FOLDER
from autograder.cli_examples import EXAMPLES, MAIN_EXAMPLES
from autograder.course import AutograderError
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

def _parser() -> argparse.ArgumentParser:
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
    work to a Dask cluster takes these; `_scheduler_given` hands them to `scheduler_access`."""
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


def _scheduler_given(args) -> dict:
    return {"allow_insecure_scheduler": args.allow_insecure_scheduler,
            **_given(args, "scheduler", "tls_ca_file", "tls_cert", "tls_key")}


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


def _release(args) -> int:
    from autograder.intake.release import release

    for item in release(args.course_dir, args.assignments or None):
        folder, archive = os.path.relpath(item.folder), os.path.relpath(item.zip_path)
        print(f"{item.assignment}: {folder}/ y {archive}")
    return 0


def _collect(args) -> int:
    from autograder.intake.collect import collect

    report = collect(args.source, args.assignment, args.course_dir, roster=args.roster)
    print(f"{len(report.students)} entrega(s) de {report.assignment} recogida(s) en submitted/; "
          f"{report.problem_count} problema(s)")
    for problem in report.problems:
        print(f"  - {problem.message}")
    for student in report.students:
        for problem in student.problems:
            print(f"  - {student.student} ({student.folder}): {problem.message}")
    if report.missing:
        print(f"  sin entrega: {', '.join(report.missing)}")
    return 0


def _grade(args) -> int:
    from autograder.batch.grade import grade

    overrides = {"cell_timeout": args.cell_timeout, "notebook_budget": args.budget,
                 "max_memory_mb": max(0, args.max_memory),
                 "kernel_threads": max(0, args.kernel_threads)}
    summary = grade(
        args.course_dir, args.assignments or None, students=args.students,
        workers=args.workers, limit_overrides=overrides, force=args.force,
        retry_errors=args.retry_errors,
        show_progress=not args.no_progress, allow_unsandboxed=args.allow_unsandboxed,
        **_given(args, "notebook_grader"), **_scheduler_given(args),
    )
    print(f"corregidas {len(summary.graded)}, registradas de una ejecución interrumpida "
          f"{summary.recorded_only}, sin cambios {summary.skipped} ({summary.seconds:g} s)")
    for result in summary.attention:
        codes = ", ".join(sorted({p.code for p in result.all_problems}))
        print(f"  requiere atención: {result.student} · {result.assignment}: {codes}")
    if summary.graded:
        _print_gradebook_totals(args.course_dir, summary.graded)
    return 0


def _print_gradebook_totals(course_dir, graded) -> None:
    """The lines above are the automatic points; the gradebook adds the hand grades."""
    from autograder.course import Course
    from autograder.outputs.class_results import load_class

    assignments = sorted({result.assignment for result in graded})
    automatic = {(r.student, r.assignment): r.points for r in graded}
    results = load_class(Course.open(course_dir), assignments)
    for s in results.submissions:
        key = (s.student, s.assignment)
        if key in automatic and s.points != automatic[key]:
            print(f"  con la corrección a mano: {s.student} · {s.assignment}: "
                  f"{s.points:g}/{s.max_points:g}")
    pending = [s for s in results.submissions
               if (s.student, s.assignment) in automatic and s.pending_cells]
    if pending:
        print(f"{len(pending)} entrega(s) con corrección manual pendiente en formgrader "
              "(`autograder export` las lista)")


def _certificates(args) -> int:
    from autograder.batch.certificates import certificates, describe

    print(describe(certificates(args.out, days=args.days, force=args.force)))
    return 0


def _feedback(args) -> int:
    from autograder.outputs.feedback import feedback

    pages = feedback(args.course_dir, args.assignments or None, students=args.students)
    print(f"{len(pages.pages)} informe(s) escrito(s); índice: {os.path.relpath(pages.index)}")
    for archive in pages.moodle_zips:
        print(f"para Moodle («Subir varios archivos de retroalimentación en un zip»): "
              f"{os.path.relpath(archive)}")
    return 0


def _print_exported(exported) -> None:
    print(f"Canvas (importar libro de calificaciones): {os.path.relpath(exported.canvas)}")
    print(f"Moodle (libro de calificaciones, importar CSV): "
          f"{os.path.relpath(exported.moodle_gradebook)}")
    for worksheet in exported.moodle_worksheets:
        print(f"Moodle (tarea, «Subir hoja de calificaciones»): {os.path.relpath(worksheet)}")
    for assignment, maximum in exported.max_points.items():
        print(f"  la calificación de {assignment} va en puntos sobre {maximum:g}: pon "
              f"{maximum:g} como calificación máxima de la tarea en Moodle (si no, "
              "Moodle muestra los puntos sobre 100 o se salta las notas que pasan del máximo)")
    print(f"detalle por prueba: {os.path.relpath(exported.detail)}; "
          f"JSON: {os.path.relpath(exported.json)}")
    if exported.pending:
        print(f"AVISO: {len(exported.pending)} nota(s) PROVISIONAL(ES), con corrección manual "
              "pendiente en formgrader (marcadas como provisional en los ficheros):")
        for (student, assignment), cells in sorted(exported.pending.items()):
            print(f"  - {student} · {assignment}: {', '.join(cells)}")
        print("  termina la corrección en formgrader y vuelve a exportar "
              "(--final impide exportar notas provisionales)")


def _export(args) -> int:
    from autograder.outputs.export import export

    exported = export(args.course_dir, args.assignments or None, out=args.out, final=args.final,
                      **_given(args, "moodle_language", "canvas_login"))
    _print_exported(exported)
    return 0


def _report(args) -> int:
    from autograder.outputs.report import report

    written = report(args.course_dir, args.assignments or None, out=args.out)
    print(f"informe de la clase: {os.path.relpath(written.html)} ({len(written.images)} "
          "gráficos)")
    return 0


def _similarity(args) -> int:
    from autograder.messages import similarity as texts
    from autograder.similarity.run import similarity

    result = similarity(args.assignment, args.course_dir, against=args.against,
                        threshold=args.threshold, **_given(args, "out"))
    earlier = texts.EARLIER.format(count=result.earlier) if result.earlier else ""
    print(texts.WRITTEN.format(assignment=result.assignment, students=result.compared,
                               earlier=earlier, seconds=result.seconds,
                               flagged=len(result.flagged), threshold=result.threshold))
    for pair in result.flagged[:texts.CONSOLE_PAIRS]:
        print(texts.FLAGGED_PAIR.format(a=pair.a.work.shown, b=pair.b.work.shown,
                                        score=pair.score))
    if len(result.flagged) > texts.CONSOLE_PAIRS:
        print(texts.MORE_PAIRS.format(count=len(result.flagged) - texts.CONSOLE_PAIRS))
    for item in result.skipped:
        print(texts.SKIPPED.format(who=item.who, reason=item.reason))
    print(texts.PAGE.format(html=os.path.relpath(result.html), csv=os.path.relpath(result.csv)))
    return 0


def _publish(args) -> int:
    from autograder.outputs.publish import publish

    published = publish(args.course_dir, args.assignments or None, final=args.final,
                        **_given(args, "moodle_language", "canvas_login"))
    pages = published.feedback
    print(f"informes: {len(pages.pages)}, índice {os.path.relpath(pages.index)}")
    for archive in pages.moodle_zips:
        print(f"informes para Moodle («Subir varios archivos de retroalimentación en un zip»): "
              f"{os.path.relpath(archive)}")
    _print_exported(published.export)
    print(f"informe de la clase: {os.path.relpath(published.report.html)}")
    return 0


def _check(args) -> int:
    from autograder.check import check, summary

    result = check(args.notebook, **_given(args, "timeout"))
    print(summary(result))
    return 0 if result.ok else 1


def _serve(args) -> int:
    from autograder.service.server import serve

    overrides = {"cell_timeout": args.cell_timeout, "notebook_budget": args.budget,
                 "max_memory_mb": max(0, args.max_memory)}
    try:
        serve(args.course_dir, host=args.host, port=args.port, workers=args.workers,
              limit_overrides=overrides, max_upload_mb=args.max_upload_mb,
              allow_unsandboxed=args.allow_unsandboxed,
              **_given(args, "forwarded_allow_ips"), **_scheduler_given(args))
    except KeyboardInterrupt:  # SIGTERM or Ctrl-C: uvicorn has already stopped cleanly
        pass
    print("servicio detenido; lo aceptado y no corregido se corregirá al volver a arrancarlo",
          file=sys.stderr)
    return 0


def _tokens(args) -> int:
    from autograder.service.tokens import tokens

    issued = tokens(args.course_dir, roster=args.roster, base_url=args.base_url, out=args.out,
                    revoke=args.revoke, reissue=args.reissue, instructor=args.instructor)
    if issued.links_file:
        print(f"{len(issued.issued)} enlace(s) nuevo(s) en {os.path.relpath(issued.links_file)} "
              "(id, name, email, link; para combinar correspondencia; guárdalo en secreto)")
    if issued.kept:
        print(f"{len(issued.kept)} estudiante(s) ya tenían enlace (se conserva; --reissue ID "
              "da uno nuevo)")
    for student in issued.revoked:
        print(f"anulado el enlace de {student}")
    if issued.instructor_link:
        print(f"enlace del profesor (se muestra solo esta vez): {issued.instructor_link}")
    return 0


def _limits(args) -> int:
    from autograder.batch.measured_limits import limits

    done = limits(args.course_dir, args.assignments or None, factor=args.factor,
                  min_cell=args.min_cell, min_notebook=args.min_notebook,
                  cell_timeout=args.cell_timeout, budget=args.budget, show=args.show)
    for record, line in done:
        print(line)
        if record is not None and not args.show:
            print(f"  medido en {record.reference_seconds:g} s con carga {record.load_average:g};"
                  f" guardado en grading/{record.assignment}/limits.json")
    return 0


def _demo(args) -> int:
    from autograder.demo import demo

    demo(args.course_dir, workers=args.workers, **_given(args, "out"))
    return 0


VERBS = {
    "release": _release, "collect": _collect, "grade": _grade, "feedback": _feedback,
    "export": _export, "report": _report, "similarity": _similarity, "publish": _publish,
    "check": _check, "demo": _demo,
    "certificates": _certificates, "serve": _serve, "tokens": _tokens, "limits": _limits,
}


def _given(args, *names: str) -> dict:
    """The options the user gave: the others keep the API function's own default."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _terminate(signum, frame):
    raise KeyboardInterrupt  # so that workers and kernels are stopped on the way out


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


def _parse(argv: list[str] | None) -> argparse.Namespace:
    english = argparse._
    argparse._ = lambda text: _ARGPARSE_SPANISH.get(text, english(text))
    try:
        return _parser().parse_args(argv)
    finally:
        argparse._ = english


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    handler = VERBS[args.verb]
    try:
        return handler(args)
    except AutograderError as error:
        print(f"autograder {args.verb}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autograder {args.verb}: interrumpido; lo terminado se conserva (vuelve a "
              "ejecutarlo para continuar)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
