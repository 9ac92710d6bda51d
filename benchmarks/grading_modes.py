"""Seconds to grade each exercise's reference notebook: this tree against an earlier commit.

    python benchmarks/grading_modes.py --before fb64a1e [--rounds 2] [--verdicts-in-kernel]

Runs every source notebook (reference answers, hidden tests included) top to bottom in a fresh
kernel, alternating the two versions so that a shared machine's load hits both alike, and prints
wall seconds per notebook and their ratio. Each version runs with its own `autograder` package
(the earlier commit's from a temporary `git worktree`), so its hidden tests run the probes they
had then. Kernel start-up and shut-down are included: the earlier commit's kernel is shut down
gracefully, as its grader did; this tree's the way `autograder.notebook.grader.KERNEL_SHUTDOWN`
says.

By default the kernel gets the environment `autograder grade` gives it (NBGRADER_EXECUTION and
AUTOGRADER_VERDICT_OUTSIDE): the hidden tests hand out observations and the grader judges them
against reference observations it computes once per worker process, not once per notebook. That
once-per-worker cost is measured separately, in a fresh process per version. With
`--verdicts-in-kernel` the kernel also computes the reference and judges, as a plain
`nbgrader autograde` or a student's own run does.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.notebook.grader import KERNEL_SHUTDOWN

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("01-autoencoder", "02-stacked-autoencoder", "03-vae")
REFERENCE_SCRIPT = (
    "from autograder.checks import registry\n"
    "for prop in registry.PROPERTIES.values():\n"
    "    prop.expected()\n"
)


def seconds(tree: Path, assignment: str, shutdown: str, environment: dict) -> float:
    notebook = nbformat.read(tree / f"exercises/{assignment}/{assignment}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", shutdown_kernel=shutdown,
                            resources={"metadata": {"path": str(tree)}})
    os.environ.update(environment, PYTHONPATH=str(tree))
    started = time.monotonic()
    client.execute(stderr=subprocess.DEVNULL)
    elapsed = time.monotonic() - started
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    if errors:
        raise SystemExit(f"{tree}: a cell failed: {errors[0].ename}: {errors[0].evalue}")
    return elapsed


def reference_seconds(tree: Path) -> float:
    """Seconds a fresh process takes to compute every reference observation the hidden tests
    of the three notebooks need (what a grading worker does once), Keras import included."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", REFERENCE_SCRIPT], cwd=tree, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": str(tree)})
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--verdicts-in-kernel", action="store_true",
                        help="the kernel computes the reference and judges (plain nbgrader)")
    args = parser.parse_args()
    environment = {"NBGRADER_EXECUTION": "autograde"}
    if not args.verdicts_in_kernel:
        environment["AUTOGRADER_VERDICT_OUTSIDE"] = "1"
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}, verdicts "
          f"{'in the kernel' if args.verdicts_in_kernel else 'in the grader'}")
    with tempfile.TemporaryDirectory() as scratch:
        earlier = Path(scratch) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(earlier), args.before],
                       cwd=REPO, check=True, capture_output=True)
        try:
            for assignment in ASSIGNMENTS:
                before, after = [], []
                for _ in range(args.rounds):
                    before.append(seconds(earlier, assignment, "graceful", environment))
                    after.append(seconds(REPO, assignment, KERNEL_SHUTDOWN, environment))
                b, a = min(before), min(after)
                print(f"{assignment}: before {b:.1f} s, after {a:.1f} s, ratio {a / b:.2f} "
                      f"(all rounds: before {_list(before)}, after {_list(after)}; "
                      f"load {os.getloadavg()[0]:.1f})", flush=True)
            if not args.verdicts_in_kernel:
                b, a = reference_seconds(earlier), reference_seconds(REPO)
                print(f"reference observations, once per grading worker: before {b:.1f} s, "
                      f"after {a:.1f} s", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(earlier)], cwd=REPO,
                           check=False, capture_output=True)


def _list(values: list[float]) -> str:
    return " ".join(f"{value:.1f}" for value in values)


if __name__ == "__main__":
    main()
