"""Seconds to grade each exercise's reference notebook: this tree against an earlier commit.

    python benchmarks/grading_modes.py --before fb64a1e [--rounds 2]

Runs every source notebook (reference answers, hidden tests included) top to bottom in a fresh
kernel as nbgrader's autograde does (NBGRADER_EXECUTION set, so the training cells use their
grading settings), alternating the two versions so that a shared machine's load hits both alike,
and prints wall seconds per notebook and their ratio. Kernel start-up and shut-down are included:
the earlier commit's kernel is shut down gracefully, as the grader did then; this tree's the way
`autograder.notebook.grader.KERNEL_SHUTDOWN` says (the grader's own setting).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.notebook.grader import KERNEL_SHUTDOWN

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("01-autoencoder", "02-stacked-autoencoder", "03-vae")


def notebook_at(revision: str | None, assignment: str) -> nbformat.NotebookNode:
    path = f"exercises/{assignment}/{assignment}.ipynb"
    if revision is None:
        return nbformat.read(REPO / path, as_version=4)
    text = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout
    return nbformat.reads(text, as_version=4)


def seconds(notebook: nbformat.NotebookNode, shutdown: str) -> float:
    started = time.monotonic()
    client = NotebookClient(notebook, timeout=600, kernel_name="python3", shutdown_kernel=shutdown,
                            resources={"metadata": {"path": str(REPO)}})
    client.execute(stderr=subprocess.DEVNULL)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    if errors:
        raise SystemExit(f"a cell failed: {errors[0].ename}: {errors[0].evalue}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    os.environ["PYTHONPATH"] = str(REPO)
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    for assignment in ASSIGNMENTS:
        before, after = [], []
        for _ in range(args.rounds):
            before.append(seconds(notebook_at(args.before, assignment), "graceful"))
            after.append(seconds(notebook_at(None, assignment), KERNEL_SHUTDOWN))
        b, a = min(before), min(after)
        print(f"{assignment}: before {b:.1f} s, after {a:.1f} s, ratio {a / b:.2f} "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
