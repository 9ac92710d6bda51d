"""Seconds to grade one exercise's reference notebook against another's, in the same run.

    python benchmarks/exercise_budget.py [--rounds 3] [--baseline 03-vae] [--new 04-conditional-vae]

Each round runs both reference notebooks (hidden tests included) top to bottom in a fresh kernel,
alternately, as `autograder grade` runs them: NBGRADER_EXECUTION and AUTOGRADER_VERDICT_OUTSIDE
set, the kernel in the exercise's folder (where grading puts the files it ships, the data). Then,
in a fresh process per exercise, what a grading worker does once for it: compute the reference
observations and take every verdict on the notebook's observations (for 04 this trains the
grader's digit classifier). Prints the fastest round of each and the ratio new / baseline.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.notebook.grader import KERNEL_SHUTDOWN

REPO = Path(__file__).resolve().parents[1]
ENVIRONMENT = {"NBGRADER_EXECUTION": "autograde", "AUTOGRADER_VERDICT_OUTSIDE": "1",
               "PYTHONPATH": str(REPO)}
VERDICTS_SCRIPT = """
import sys, time
import nbformat
from autograder.notebook.verdicts import judge_cell, reported_properties
notebook = nbformat.read(sys.argv[1], as_version=4)
started = time.monotonic()
names = {c.metadata["nbgrader"]["grade_id"]: (c, reported_properties(c.source))
         for c in notebook.cells if reported_properties(c.source)}
failed = [grade_id for grade_id, (c, reported) in names.items()
          if not judge_cell(c, reported).passed]
print(time.monotonic() - started, failed)
"""


def run_notebook(assignment: str) -> tuple[float, nbformat.NotebookNode]:
    folder = REPO / "exercises" / assignment
    notebook = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            shutdown_kernel=KERNEL_SHUTDOWN,
                            resources={"metadata": {"path": str(folder)}})
    os.environ.update(ENVIRONMENT)
    started = time.monotonic()
    client.execute(stderr=subprocess.DEVNULL)
    elapsed = time.monotonic() - started
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    if errors:
        raise SystemExit(f"{assignment}: a cell failed: {errors[0].ename}: {errors[0].evalue}")
    return elapsed, notebook


def verdict_seconds(notebook, scratch: Path) -> tuple[float, float]:
    """(wall seconds of a fresh worker process judging every hidden test, the part inside it
    spent judging), with the failed cells checked to be none."""
    path = scratch / "executed.ipynb"
    nbformat.write(notebook, path)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", VERDICTS_SCRIPT, str(path)], cwd=REPO,
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    total = time.monotonic() - started
    judging, failed = done.stdout.strip().splitlines()[-1].split(" ", 1)
    if failed != "[]":
        raise SystemExit(f"the reference failed hidden tests: {failed}")
    return total, float(judging)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default="03-vae")
    parser.add_argument("--new", default="04-conditional-vae")
    args = parser.parse_args()
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}",
          flush=True)
    kernel = {args.baseline: [], args.new: []}
    executed = {}
    for _ in range(args.rounds):
        for assignment in (args.baseline, args.new):
            seconds, executed[assignment] = run_notebook(assignment)
            kernel[assignment].append(seconds)
            print(f"  {assignment}: {seconds:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        worker = {a: verdict_seconds(executed[a], Path(scratch)) for a in kernel}
    base, new = min(kernel[args.baseline]), min(kernel[args.new])
    print(f"kernel, fastest round: {args.baseline} {base:.1f} s, {args.new} {new:.1f} s, "
          f"ratio {new / base:.2f}")
    for assignment, (total, judging) in worker.items():
        print(f"once per worker, {assignment}: {total:.1f} s in a fresh process "
              f"({judging:.1f} s judging, reference observations and classifier included)")
    print(f"load at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
