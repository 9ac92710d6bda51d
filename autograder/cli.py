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

from autograder.course import AutograderError
from autograder.notebook.limits import Limits

DEFAULT_LIMITS = Limits()  # the grade options' defaults: one place, the API's

MAIN_EXAMPLES = """
typical run, from the course folder (the one with nbgrader_config.py):
  autograder release                                   # student versions + one zip each
  autograder collect descargas.zip -a 01-autoencoder   # a Moodle "download all" zip
  autograder grade 01-autoencoder                      # parallel, resumable
  autograder publish                                   # = feedback + export + report

students:
  autograder check 01-autoencoder.ipynb                # visible tests, as grading runs them

each verb has its own examples: autograder VERB --help
"""

EXAMPLES = {
    "release": """
examples:
  autograder release                        # every assignment under exercises/
  autograder release 01-autoencoder 03-vae  # only these
output: release/<assignment>/ (nbgrader generate_assignment) and release/<assignment>.zip""",
    "collect": """
examples:
  autograder collect ~/Descargas/AP-01-autoencoder.zip -a 01-autoencoder
  autograder collect entregas/ -a 01-autoencoder --roster lista.csv
SOURCE is a Moodle "download all submissions" zip (or that zip unpacked), or a folder with one
sub-folder per student. The roster CSV is optional: an id column, plus name / email / moodle_id.
Problems (no notebook, several notebooks, wrong name, corrupt JSON...) are listed; none stops
the collection, and originals are never modified.""",
    "grade": """
examples:
  autograder grade                          # every assignment with submissions, all CPUs
  autograder grade 01-autoencoder --workers 2
  autograder grade 01-autoencoder --student ana.garcia --force
  autograder grade --retry-errors --budget 1800   # regrade the ones that hit a limit
  autograder grade --scheduler tcp://10.0.0.5:8786  # on a Dask cluster (docs/distributed.md)
Re-running grades only new or changed submissions; an interrupted run resumes where it stopped.""",
    "feedback": """
examples:
  autograder feedback                       # every graded submission
  autograder feedback 01-autoencoder --student ana.garcia
output: feedback/<student>/<assignment>/informe.html, feedback/index.html and, for Moodle
submissions, feedback/<assignment>-moodle.zip (for Moodle's "Upload multiple feedback files in a
zip")""",
    "export": """
examples:
  autograder export                         # export/grades.csv and export/grades.json
  autograder export 01-autoencoder --out notas/ --moodle-language es
grades.csv imports into Canvas (Student / ID / SIS columns) and into Moodle's gradebook (map
users by "Email address"); with Moodle submissions, <assignment>-moodle-worksheet.csv goes to the
assignment's "Upload grading worksheet".""",
    "report": """
examples:
  autograder report                         # report/index.html with PNG plots
  autograder report 01-autoencoder --out informe/""",
    "publish": """
examples:
  autograder publish                        # feedback/, export/ and report/ in one go
  autograder publish 01-autoencoder --moodle-language es
Same as `autograder feedback`, `autograder export` and `autograder report` one after the other.""",
    "check": """
examples:
  autograder check 01-autoencoder.ipynb
  autograder check ~/practicas/03-vae.ipynb --timeout 600
Runs the notebook as the grader will and lists each test: ✓ passed, ✗ failed (with the
message), · hidden tests only (graded later), ✎ written answer. Exit status 0 when every visible
test passes, 1 otherwise. Needs only the notebook.""",
    "demo": """
examples:
  autograder demo                           # demo-class/ next to the course
  autograder demo --out /tmp/demo --workers 2""",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Release, collect, grade (in parallel), give feedback on, export and report "
        "nbgrader assignments.",
        epilog=MAIN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    course = argparse.ArgumentParser(add_help=False)
    course.add_argument("--course-dir", default=".", metavar="DIR",
                        help="course folder, the one with nbgrader_config.py (default: .)")

    def verb(name: str, summary: str, *, with_course: bool = True) -> argparse.ArgumentParser:
        return verbs.add_parser(
            name, help=summary, description=summary, epilog=textwrap.dedent(EXAMPLES[name]),
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[course] if with_course else [],
        )

    release = verb("release", "generate the student versions and one zip per assignment")
    release.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")

    collect = verb("collect", "import submissions from a Moodle zip or a folder per student")
    collect.add_argument("source", metavar="SOURCE")
    collect.add_argument("-a", "--assignment", required=True)
    collect.add_argument("--roster", metavar="CSV", help="class list: id, name, email, moodle_id")

    grade = verb("grade", "autograde the collected submissions, N at a time")
    grade.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    grade.add_argument("--workers", "-j", type=_positive, metavar="N",
                       help="submissions graded at once (default: number of CPUs)")
    grade.add_argument("--student", action="append", dest="students", metavar="ID",
                       help="only this student (repeatable)")
    grade.add_argument("--cell-timeout", type=_positive, metavar="S",
                       help="seconds per cell (default: the course's Execute.timeout)")
    grade.add_argument("--budget", type=_positive, default=DEFAULT_LIMITS.notebook_budget,
                       metavar="S", help="seconds for a whole notebook (default: %(default)s)")
    grade.add_argument("--max-memory", type=int, default=DEFAULT_LIMITS.max_memory_mb,
                       metavar="MB", help="memory cap of each kernel, 0 for none "
                       "(default: %(default)s)")
    grade.add_argument("--kernel-threads", type=int, default=DEFAULT_LIMITS.kernel_threads,
                       metavar="N", help="cores each kernel's numerical libraries use "
                       "(default: %(default)s; 0: theirs)")
    grade.add_argument("--force", action="store_true", help="regrade everything selected")
    grade.add_argument("--retry-errors", action="store_true",
                       help="regrade submissions whose last grading had a problem")
    grade.add_argument("--notebook-grader", default=None, metavar="MODULE:FUNCTION",
                       help="function grading one notebook (default: nbgrader's preprocessors)")
    grade.add_argument("--no-progress", action="store_true", help="no progress output")
    grade.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                       help="grade on this Dask cluster, one task per submission "
                       "(default: $AUTOGRADER_SCHEDULER; none: local processes)")
    grade.add_argument("--allow-unsandboxed", action="store_true",
                       help="with --scheduler: let workers without bubblewrap grade")

    feedback = verb("feedback", "write one Spanish HTML feedback page per student")
    feedback.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    feedback.add_argument("--student", action="append", dest="students", metavar="ID")

    export = verb("export", "write grades as CSV (Moodle, Canvas) and JSON")
    export.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    export.add_argument("--out", metavar="DIR", help="output folder (default: export/)")
    export.add_argument("--moodle-language", choices=["en", "es"],
                        help="language of the Moodle session that uploads the worksheet "
                        "(default: en)")

    report = verb("report", "write the class report (HTML with PNG plots)")
    report.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    report.add_argument("--out", metavar="DIR", help="output folder (default: report/)")

    publish = verb("publish", "feedback + export + report, after grading")
    publish.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    publish.add_argument("--moodle-language", choices=["en", "es"],
                         help="language of the Moodle session that uploads the worksheet "
                         "(default: en)")

    check = verb("check", "for students: run the visible tests of a notebook", with_course=False)
    check.add_argument("notebook", metavar="NOTEBOOK")
    check.add_argument("--timeout", type=_positive, metavar="S",
                       help="seconds per cell (default: the check function's, 300)")

    demo = verb("demo", "run the whole pipeline on a made-up class")
    demo.add_argument("--out", metavar="DIR", help="demo folder, recreated (default: demo-class)")
    demo.add_argument("--workers", "-j", type=_positive, metavar="N")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _release(args) -> int:
    from autograder.intake.release import release

    for item in release(args.course_dir, args.assignments or None):
        folder, archive = os.path.relpath(item.folder), os.path.relpath(item.zip_path)
        print(f"{item.assignment}: {folder}/ and {archive}")
    return 0


def _collect(args) -> int:
    from autograder.intake.collect import collect

    report = collect(args.source, args.assignment, args.course_dir, roster=args.roster)
    print(f"{len(report.students)} submissions of {report.assignment} collected into submitted/; "
          f"{report.problem_count} problem(s)")
    for problem in report.problems:
        print(f"  - {problem.message}")
    for student in report.students:
        for problem in student.problems:
            print(f"  - {student.student} ({student.folder}): {problem.message}")
    if report.missing:
        print(f"  no submission from: {', '.join(report.missing)}")
    return 0


def _grade(args) -> int:
    from autograder.batch.grade import grade
    from autograder.course import Course

    limits = Limits(
        cell_timeout=args.cell_timeout or Course.open(args.course_dir).cell_timeout,
        notebook_budget=args.budget,
        max_memory_mb=max(0, args.max_memory),
        kernel_threads=max(0, args.kernel_threads),
    )
    summary = grade(
        args.course_dir, args.assignments or None, students=args.students,
        workers=args.workers, limits=limits, force=args.force, retry_errors=args.retry_errors,
        show_progress=not args.no_progress, allow_unsandboxed=args.allow_unsandboxed,
        **_given(args, "notebook_grader", "scheduler"),
    )
    print(f"graded {len(summary.graded)}, recorded from an interrupted run "
          f"{summary.recorded_only}, unchanged {summary.skipped} ({summary.seconds:g} s)")
    for result in summary.attention:
        codes = ", ".join(sorted({p.code for p in result.all_problems}))
        print(f"  needs attention: {result.student} · {result.assignment}: {codes}")
    return 0


def _feedback(args) -> int:
    from autograder.outputs.feedback import feedback

    pages = feedback(args.course_dir, args.assignments or None, students=args.students)
    print(f"{len(pages.pages)} feedback page(s); index: {os.path.relpath(pages.index)}")
    for archive in pages.moodle_zips:
        print(f"for Moodle (Upload multiple feedback files in a zip): {os.path.relpath(archive)}")
    return 0


def _export(args) -> int:
    from autograder.outputs.export import export

    exported = export(args.course_dir, args.assignments or None, out=args.out,
                      **_given(args, "moodle_language"))
    print(f"CSV: {os.path.relpath(exported.csv)}\nJSON: {os.path.relpath(exported.json)}")
    for worksheet in exported.moodle_worksheets:
        print(f"Moodle grading worksheet: {os.path.relpath(worksheet)}")
    return 0


def _report(args) -> int:
    from autograder.outputs.report import report

    written = report(args.course_dir, args.assignments or None, out=args.out)
    print(f"class report: {os.path.relpath(written.html)} ({len(written.images)} plots)")
    return 0


def _publish(args) -> int:
    from autograder.outputs.publish import publish

    published = publish(args.course_dir, args.assignments or None,
                        **_given(args, "moodle_language"))
    pages, exported = published.feedback, published.export
    print(f"feedback: {len(pages.pages)} page(s), index {os.path.relpath(pages.index)}")
    for archive in pages.moodle_zips:
        print(f"feedback for Moodle (Upload multiple feedback files in a zip): "
              f"{os.path.relpath(archive)}")
    print(f"grades: {os.path.relpath(exported.csv)}, {os.path.relpath(exported.json)}")
    for worksheet in exported.moodle_worksheets:
        print(f"Moodle grading worksheet: {os.path.relpath(worksheet)}")
    print(f"class report: {os.path.relpath(published.report.html)}")
    return 0


def _check(args) -> int:
    from autograder.check import check, summary

    result = check(args.notebook, **_given(args, "timeout"))
    print(summary(result))
    return 0 if result.ok else 1


def _demo(args) -> int:
    from autograder.demo import demo

    demo(args.course_dir, workers=args.workers, **_given(args, "out"))
    return 0


VERBS = {
    "release": _release, "collect": _collect, "grade": _grade, "feedback": _feedback,
    "export": _export, "report": _report, "publish": _publish, "check": _check, "demo": _demo,
}


def _given(args, *names: str) -> dict:
    """The options the user gave: the others keep the API function's own default."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _terminate(signum, frame):
    raise KeyboardInterrupt  # so that workers and kernels are stopped on the way out


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    handler = VERBS[args.verb]
    try:
        return handler(args)
    except AutograderError as error:
        print(f"autograder {args.verb}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"autograder {args.verb}: interrupted; what was finished is kept (run it again to "
              "resume)", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
