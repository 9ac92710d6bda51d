"""Seconds per submission: `autograder grade --workers 1`, `--workers 2`, `nbgrader autograde`.

    python benchmarks/grading.py --students 6            # 01-autoencoder, fast mode
    python benchmarks/grading.py --students 4 --rounds 3 --json bench.json
    python benchmarks/grading.py --students 12 --workers 1,2,3

Builds one class of N submissions of a real assignment (cycling through a complete reference
submission, one with a bug and a partial one, so that every notebook trains its models), copies
it into one identical course folder per command and grades each copy once, in the same run,
with each command as an instructor would type it (process start-up included). Then checks that
the gradebooks hold identical per-test points, and prints seconds per submission and the speed-ups
over sequential nbgrader. CPU seconds (the command, its workers and kernels) are printed next to
wall seconds, with the machine's load average: on a shared machine, other work slows the parallel
runs the most, while CPU seconds per submission do not depend on it. Kernels sandboxed with
bubblewrap do not pass their CPU time up to us, so that column reads n/a for autograder runs
unless --no-sandbox (which grades as nbgrader does, unsandboxed).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

from autograder.kernel import sandbox

REPO = Path(__file__).resolve().parents[1]
KINDS = ("complete", "bug", "partial")


def build_class(course: Path, assignment: str, students: int) -> None:
    """Release `assignment` in `course` and collect N submissions from a Moodle-style zip."""
    from autograder.api import collect, release
    from autograder.demo import _answers, solution_sources, submission

    release(course, [assignment])
    solutions = solution_sources(course / "exercises" / assignment / f"{assignment}.ipynb")
    notebook = course / "release" / assignment / f"{assignment}.ipynb"
    archive = course.parent / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for number in range(students):
            kind = KINDS[number % len(KINDS)]
            nb = submission(notebook, _answers(kind, solutions))
            folder = f"Estudiante {number:02d}_{5000 + number}_assignsubmission_file_"
            zipped.writestr(f"{folder}/{assignment}.ipynb", nbformat.writes(nb))
    collect(archive, assignment, course)


def timed(command: list[str], cwd: Path, environment: dict) -> tuple[float, float, float]:
    """Wall seconds of `command`, its CPU seconds (kernels and workers included), and the
    1-minute load average when it started."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, load


def points(course: Path, assignment: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {
            s.student.id: {g.name: g.auto_score for nb in s.notebooks for g in nb.grades}
            for s in gradebook.find_assignment(assignment).submissions
        }


NBGRADER = "nbgrader autograde (sequential)"


def ceiling(course: Path, assignment: str, environment: dict, at_once: int) -> float:
    """Seconds to run the submitted notebooks with no grading at all (`jupyter nbconvert
    --execute`, one numerical thread each, fast mode), `at_once` at a time: what the machine
    itself allows, whatever the grader."""
    from concurrent.futures import ThreadPoolExecutor

    environment = dict(environment, NBGRADER_EXECUTION="autograde")
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        environment[name] = "1"
    notebooks = sorted((course / "submitted").glob(f"*/{assignment}/{assignment}.ipynb"))

    def execute(notebook: Path) -> None:
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                        "--execute", "--allow-errors", "--output", "executed.ipynb",
                        str(notebook)], env=environment, capture_output=True, check=True)

    started = time.monotonic()
    with ThreadPoolExecutor(at_once) as pool:
        list(pool.map(execute, notebooks))
    return time.monotonic() - started


def commands(assignment: str, workers: list[int]) -> dict[str, list[str]]:
    runs = {NBGRADER: ["nbgrader", "autograde", assignment]}
    for count in workers:
        runs[f"autograder grade --workers {count}"] = [
            "autograder", "grade", assignment, "--workers", str(count), "--no-progress"]
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=6, help="class size (default: 6)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the runs, rotating their order (default: 1); the "
                        "median speed-up is less sensitive to other work on the machine")
    parser.add_argument("--assignment", default="01-autoencoder")
    parser.add_argument("--workers", default="1,2",
                        help="worker counts to time, comma-separated (default: 1,2)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without bubblewrap (AUTOGRADER_NO_SANDBOX=1), as nbgrader does")
    parser.add_argument("--ceiling", action="store_true",
                        help="also time the bare notebooks (no grading), 1 and then 2 at a time")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the course folders")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="grading-benchmark-"))
    template = folder / "template"
    template.mkdir()
    shutil.copytree(REPO / "exercises", template / "exercises")
    shutil.copy(REPO / "nbgrader_config.py", template / "nbgrader_config.py")
    print(f"building a class of {args.students} submissions of {args.assignment} in {folder}")
    build_class(template, args.assignment, args.students)

    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), environment["PATH"]])
    if args.no_sandbox:
        environment[sandbox.OFF_VARIABLE] = "1"
    sandboxed = sandbox.bwrap_path() is not None and environment.get(sandbox.OFF_VARIABLE) != "1"
    print(f"autograder kernels sandboxed with bubblewrap: {sandboxed}")
    runs = list(commands(args.assignment, [int(n) for n in args.workers.split(",")]).items())
    rounds, gradebooks = [], {}
    for number in range(args.rounds):
        print(f"round {number + 1} of {args.rounds}")
        figures = {}
        turn = number % len(runs)
        for label, command in runs[turn:] + runs[:turn]:  # rotate the order
            course = folder / f"round{number}-{len(figures)}"
            shutil.copytree(template, course)
            seconds, cpu, load = timed(command, course, environment)
            # a sandboxed kernel's CPU time does not reach us through bwrap: not comparable
            cpu_known = label == NBGRADER or not sandboxed
            figures[label] = {"seconds": round(seconds, 1), "load_average": round(load, 2),
                              "per_submission": round(seconds / args.students, 2),
                              "cpu_per_submission": round(cpu / args.students, 2)
                              if cpu_known else None}
            cpu_text = f"{cpu / args.students:6.2f}" if cpu_known else "   n/a"
            gradebooks[f"{number}/{label}"] = points(course, args.assignment)
            if not args.keep:
                shutil.rmtree(course)
            print(f"  {label:<34} {seconds:7.1f} s  {seconds / args.students:6.2f} s/submission  "
                  f"{cpu_text} CPU s/submission  (load {load:.1f})", flush=True)
        baseline = figures[NBGRADER]["seconds"]
        for figure in figures.values():
            figure["speedup_vs_nbgrader"] = round(baseline / figure["seconds"], 2)
        rounds.append(figures)

    ceilings = {}
    if args.ceiling:
        course = folder / "ceiling"
        shutil.copytree(template, course)
        for at_once in (1, 2):
            ceilings[at_once] = round(ceiling(course, args.assignment, environment, at_once), 1)
            print(f"  bare notebooks, {at_once} at a time (no grading) {ceilings[at_once]:7.1f} s  "
                  f"{ceilings[at_once] / args.students:6.2f} s/submission", flush=True)
        print(f"the machine's own ceiling for 2 at a time: {ceilings[1] / ceilings[2]:.2f}x")
    identical = len({json.dumps(g, sort_keys=True) for g in gradebooks.values()}) == 1
    medians = {
        label: statistics.median(r[label]["speedup_vs_nbgrader"] for r in rounds)
        for label, _ in runs if label != NBGRADER and rounds
    }
    print("median speed-up over sequential nbgrader: " + ", ".join(
        f"{label}: {value:.2f}x" for label, value in medians.items()))
    print(f"per-test points identical in every gradebook: {identical}")
    if args.json:
        args.json.write_text(json.dumps({
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
            "assignment": args.assignment, "students": args.students, "kinds": KINDS,
            "sandboxed": sandboxed, "bare_notebooks_seconds": ceilings,
            "rounds": rounds, "median_speedup": medians, "identical_points": identical,
        }, indent=1))
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
