"""Time and memory of `autograder similarity` for synthetic classes of one exercise.

    .venv/bin/python benchmarks/similarity.py 100 800

Each synthetic submission of 01-autoencoder is built with the test corpus's generators
(tests/similarity_corpus.py): every answer cell from one of the implementations that wrote it,
plus two helper functions of the student's own (random, different for everyone), all in a
disguise (renamed, comments, reformatted, reordered, dead code, all); the written answer one of
the two, reworded or not; and one student in ten copies an earlier one (in another disguise).
The implementations are few, so each is in far more notebooks than the index's idiom limit and
drops out: what tells students apart is their own code, as in a real class. Each class size
runs in a fresh process, so that its peak resident memory is its own. Prints one line per size.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

ASSIGNMENT = "01-autoencoder"
COPY_SHARE = 0.1


def synthetic_class(size: int, seed: int = 0) -> tuple[dict, set]:
    """Submission name -> notebook, and the planted copies as {frozenset({a, b})}."""
    import similarity_corpus as corpus

    rng = random.Random(seed)
    origins = corpus.origins(ASSIGNMENT)
    by_cell: dict[str, list[str]] = {}
    for answers in origins.values():
        for grade_id, text in answers.items():
            by_cell.setdefault(grade_id, []).append(text)
    kinds = {gid: "markdown" if gid.startswith("answer_") else "code" for gid in by_cell}
    answers_of, notebooks, copies = {}, {}, set()
    for number in range(size):
        name = f"s{number:04d}"
        if number and rng.random() < COPY_SHARE:
            source = rng.choice(sorted(answers_of))
            base = answers_of[source]
            copies.add(frozenset({name, source}))
        else:  # the exercise's implementations, plus code of the student's own (unique)
            base = {gid: rng.choice(texts) for gid, texts in by_cell.items()}
            for offset, gid in enumerate(("autoencoder_class", "add_noise")):
                base[gid] += "\n\n\n" + corpus.dead_code(10_000 + 2 * number + offset)
        how = rng.choice(corpus.DISGUISES)
        answers = {gid: corpus.disguised(text, how, kinds[gid], seed=number)
                   if kinds[gid] == "code" or rng.random() < 0.5 else text
                   for gid, text in base.items()}
        answers_of[name] = answers
        notebooks[name] = corpus.submission(ASSIGNMENT, answers)
    return notebooks, copies


def run_one(size: int) -> dict:
    import similarity_corpus as corpus

    from autograder.api import similarity

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        notebooks, copies = synthetic_class(size)
        course = corpus.course(Path(folder) / "course", ASSIGNMENT, notebooks)
        built = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        result = similarity(ASSIGNMENT, course)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        flagged = {frozenset({p.a.work.who, p.b.work.who}) for p in result.flagged}
    return {
        "submissions": size,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),  # this process's CPU time: less hurt by a busy machine
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "pairs_scored": result.scored,
        "all_pairs": size * (size - 1) // 2,
        "planted_copies": len(copies),
        "planted_copies_flagged": len(copies & flagged),
        "flagged": len(flagged),
        "build_seconds": round(built, 1),
    }


def main(sizes: list[int]) -> None:
    for size in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True,
            check=True, cwd=ROOT,
        ).stdout
        print(output.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(run_one(int(sys.argv[2]))))
    else:
        main([int(arg) for arg in sys.argv[1:]] or [100, 800])
