"""The `autograder` command: a thin argparse layer over `autograder.api`, one verb per function.

Bad input (unknown assignment, missing file, not a course folder...) prints one line and exits
with status 2; nothing already written is lost.
"""

from __future__ import annotations

import os
import signal
import sys

from autograder.cli_parser import parse_arguments
from autograder.course import AutograderError


def _scheduler_given(args) -> dict:
    return {"allow_insecure_scheduler": args.allow_insecure_scheduler,
            **_given(args, "scheduler", "tls_ca_file", "tls_cert", "tls_key")}


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


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
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
