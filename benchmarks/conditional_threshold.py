"""Exercise 04: how often the grader's classifier reads the requested digit, over training seeds.

    python benchmarks/conditional_threshold.py [--seeds 10] [--json out.json]

Trains exercise 04's reference exactly as the notebook does when graded (its own cells, fast
mode: the first 2,000 digits of the bundled subset, 5 epochs), once per training seed, then
generates what the hidden test generates (30 images of each digit, `generate(labels, seed=0)`)
and lets the grader's classifier (`autograder.checks.conditional_generation`) read them. The
same for the end-to-end mutant whose decoder ignores the label and for the two alternative
styles of `tests/mutants.py` (two seeds each). `MIN_CONDITIONAL_ACCURACY` is set from these
figures: well below the reference's lowest, far above the label-ignoring model's.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
ASSIGNMENT = "04-conditional-vae"


def definitions(notebook) -> dict:
    """The notebook's setup, data and definition cells run in one namespace, in fast mode."""
    from exercise_notebooks import cell, is_definition_cell, nbgrader_metadata

    os.environ["AUTOENCODERS_COURSE_FAST"] = "1"
    namespace: dict = {"__name__": "__main__"}
    for current in notebook.cells:
        grade_id = nbgrader_metadata(current).get("grade_id")
        if current.cell_type == "code" and not nbgrader_metadata(current).get("grade") and (
                grade_id in ("setup", "data") or is_definition_cell(current.source)):
            exec(compile(current.source, grade_id or "cell", "exec"), namespace)
    for line in cell(notebook, "train_cvae").source.splitlines():  # the training settings
        if line.startswith(("EPOCHS =", "BATCH_SIZE =")):
            exec(line, namespace)
    return namespace


def accuracy(notebook, seed: int) -> tuple[float, float]:
    """(share read as requested, training seconds) of one model trained with `seed`, with the
    training cell's settings (the cell itself seeds 1; here each run gets its own seed)."""
    from autograder.checks import conditional_generation as check

    names = definitions(notebook)
    keras = names["keras"]
    keras.utils.set_random_seed(seed)
    model = names["ConditionalVAE"](latent_dim=2, num_classes=10, seed=seed)
    model.compile(optimizer="adam", loss=names["reconstruction_loss"])
    started = time.monotonic()
    model.fit([names["x_train"], names["y_train_one_hot"]], names["x_train"],
              epochs=names["EPOCHS"], batch_size=names["BATCH_SIZE"], verbose=0)
    trained = time.monotonic() - started
    observed = check.probe_conditional_generation(model)
    labels = observed["labels"]
    return float((check.grader_reads(observed["images"]) == labels).mean()), trained


def main() -> None:
    from exercise_notebooks import mutated, source_notebook, with_sources
    from mutants import ALTERNATIVES, MUTANTS

    from autograder.checks import conditional_generation as check

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.chdir(REPO / "exercises" / ASSIGNMENT)  # the data cell reads mnist_subset.npz here
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
          f"threshold {check.MIN_CONDITIONAL_ACCURACY}", flush=True)
    source = source_notebook(ASSIGNMENT)
    variants = {"reference": (source, range(args.seeds))}
    for mutant in MUTANTS:
        if mutant.assignment == ASSIGNMENT and mutant.trained_loses:
            variants[f"mutant {mutant.name}"] = (
                mutated(source, mutant.grade_id, mutant.old, mutant.new), range(2))
    for name, (assignment, sources) in ALTERNATIVES.items():
        if assignment == ASSIGNMENT:
            variants[f"alternative {name}"] = (with_sources(source, sources), range(2))
    results = {}
    for label, (notebook, seeds) in variants.items():
        runs = [accuracy(notebook, seed) for seed in seeds]
        shares = [share for share, _ in runs]
        results[label] = shares
        print(f"{label}: read as requested {' '.join(f'{s:.2f}' for s in shares)} "
              f"(min {min(shares):.2f}, median {statistics.median(shares):.2f}); training "
              f"{statistics.median(t for _, t in runs):.1f} s per model; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
