"""A deadline rush on `autograder serve`: N students upload within a window, through HTTP.

    python benchmarks/service_rush.py --tiny --students 30 --window 20
    python benchmarks/service_rush.py --students 6 --window 60       # 01-autoencoder, fast mode

Builds a course (the tests' tiny assignment with --tiny, else the real one, released), N
submissions (cycling through complete, buggy and blank/partial ones), starts `autograder serve
--workers W` on 127.0.0.1, and has N client threads upload at seeded random moments within the
window, each then polling its submission every 2 s until it is graded. Reports acceptance
latency (POST to 202) p50/p95 while grading runs, upload-to-feedback time p50/p95, and the
service's throughput (N / first upload to last graded) against `autograder grade --workers W`
on the same notebooks in another copy of the course, in the same run (its wall time, process
start included). Checks that both gradebooks hold the same points. Loopback only.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import nbformat

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def environment() -> dict:
    bin_dir = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ["PATH"]])}


def tiny_course(course: Path, students: int) -> tuple[str, dict[str, bytes]]:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import TINY, TINY_CONFIG, TinyClass, tiny_source_notebook

    from autograder.api import release

    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(TINY_CONFIG)
    (course / "exercises" / TINY).mkdir(parents=True)
    nbformat.write(tiny_source_notebook(), course / "exercises" / TINY / f"{TINY}.ipynb")
    release(course, [TINY])
    k = TinyClass(course)
    kinds = [k.complete(), k.complete(mul="def mul(a, b):\n    return a + b"), k.notebook()]
    return TINY, {f"e{n:03d}": nbformat.writes(kinds[n % 3]).encode() for n in range(students)}


def real_course(course: Path, assignment: str, students: int) -> tuple[str, dict[str, bytes]]:
    from autograder.api import release
    from autograder.demo import _answers, solution_sources, submission

    course.mkdir(parents=True)
    shutil.copytree(REPO / "exercises", course / "exercises")
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    release(course, [assignment])
    solutions = solution_sources(course / "exercises" / assignment / f"{assignment}.ipynb")
    released = course / "release" / assignment / f"{assignment}.ipynb"
    kinds = ("complete", "bug", "partial")
    return assignment, {
        f"e{n:03d}": nbformat.writes(submission(released, _answers(kinds[n % 3], solutions)))
        .encode() for n in range(students)}


def points(course: Path, assignment: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: {g.name: g.auto_score for nb in s.notebooks for g in nb.grades}
                for s in gradebook.find_assignment(assignment).submissions}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rush(url: str, tokens: dict, assignment: str, notebooks: dict, window: float, seed: int):
    """One thread per student: upload at a random moment of the window, poll until graded."""
    rng = random.Random(seed)
    moments = {student: rng.uniform(0, window) for student in notebooks}
    accepted, feedback, errors = {}, {}, []
    started = time.monotonic()

    def student(who: str):
        time.sleep(max(0.0, moments[who] - (time.monotonic() - started)))
        with httpx.Client(base_url=url, timeout=60,
                          headers={"Authorization": f"Bearer {tokens[who]}"}) as client:
            sent = time.monotonic()
            answer = client.post("/api/submissions", data={"assignment": assignment},
                                 files={"notebook": (f"{assignment}.ipynb", notebooks[who])})
            accepted[who] = time.monotonic() - sent
            if answer.status_code != 202:
                errors.append(f"{who}: {answer.status_code} {answer.text[:200]}")
                return
            status_url = answer.json()["status_url"]
            while True:
                time.sleep(2.0)  # the student's page refreshes every 10 s; scripts poll
                if client.get(status_url).json()["status"] in ("graded", "failed"):
                    feedback[who] = (sent - started, time.monotonic() - started)
                    return

    threads = [threading.Thread(target=student, args=(who,)) for who in notebooks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return accepted, feedback, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--window", type=float, default=60.0, help="seconds the uploads span")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", default="01-autoencoder")
    parser.add_argument("--tiny", action="store_true", help="the tests' tiny assignment")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from autograder.api import tokens

    root = Path(tempfile.mkdtemp(prefix="service-rush-"))
    course = root / "served"
    if args.tiny:
        assignment, notebooks = tiny_course(course, args.students)
    else:
        assignment, notebooks = real_course(course, args.assignment, args.students)
    batch = root / "batch"
    shutil.copytree(course, batch)
    roster = root / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{s},Estudiante {s}\n" for s in notebooks))
    port = free_port()
    issued = tokens(course, roster=roster, base_url=f"http://127.0.0.1:{port}")
    with open(issued.links_file, newline="", encoding="utf-8") as stream:
        links = {row["id"]: row["link"].rsplit("/e/", 1)[1] for row in csv.DictReader(stream)}
    policy = course / "service" / f"{assignment}.toml"
    policy.write_text(f"per_hour = {args.students}\n")

    log = open(root / "serve.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "serve", "--course-dir", str(course),
         "--port", str(port), "--workers", str(args.workers)],
        env=environment(), stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):  # up, and, where the owner is a process of its own, grading
        try:
            health = httpx.get(f"{url}/api/health", timeout=1)
            if health.status_code == 200 and health.json().get("grader", "ready") == "ready":
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    load = os.getloadavg()[0]
    started = time.monotonic()
    accepted, feedback, errors = rush(url, links, assignment, notebooks, args.window, args.seed)
    service_seconds = max(done for _, done in feedback.values()) - \
        min(sent for sent, _ in feedback.values())
    load_after = os.getloadavg()[0]
    server.terminate()
    server.wait(timeout=120)
    log.close()
    if errors:
        sys.exit("refused uploads:\n" + "\n".join(errors))
    events = [json.loads(line) for line in (root / "serve.log").read_text().splitlines()
              if line.startswith("{")]
    recording = [e["record_ms"] for e in events if e["event"] == "graded" and "record_ms" in e]
    preparing = [e["prepare_ms"] for e in events if e["event"] == "grading" and "prepare_ms" in e]
    # inside the web app, from the request's first byte to the answer's last: the client's own
    # threads (30 of them, on the same cores) and the socket's queue are not in it
    checking = [e["check_ms"] for e in events if e["event"] == "accepted" and "check_ms" in e]
    storing = [e["store_ms"] for e in events if e["event"] == "accepted" and "store_ms" in e]
    in_app = [e["ms"] for e in events if e["event"] == "request" and e.get("method") == "POST"
              and e.get("path") == "/api/submissions"]

    for student, data in notebooks.items():
        folder = batch / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_bytes(data)
    grade_started = time.monotonic()
    subprocess.run(["autograder", "grade", assignment, "--workers", str(args.workers),
                    "--no-progress"], cwd=batch, env=environment(), check=True,
                   capture_output=True)
    grade_seconds = time.monotonic() - grade_started
    same = points(course, assignment) == points(batch, assignment)

    latencies = [1000 * seconds for seconds in accepted.values()]
    to_feedback = [done - sent for sent, done in feedback.values()]
    figures = {
        "date": datetime.date.today().isoformat(), "assignment": assignment,
        "students": args.students, "window_s": args.window, "workers": args.workers,
        "cpus": os.cpu_count(), "load_average_at_start": round(load, 2),
        "accept_ms_p50": round(statistics.median(latencies), 1),
        "accept_ms_p95": round(percentile(latencies, 0.95), 1),
        "accept_ms_max": round(max(latencies), 1),
        "accept_in_app_ms_p50": round(statistics.median(in_app), 1) if in_app else None,
        "accept_in_app_ms_p95": round(percentile(in_app, 0.95), 1) if in_app else None,
        "load_average_after_rush": round(load_after, 2),
        "check_ms_p50_p95": [round(statistics.median(checking), 1),
                             round(percentile(checking, 0.95), 1)] if checking else None,
        "store_ms_p50_p95": [round(statistics.median(storing), 1),
                             round(percentile(storing, 0.95), 1)] if storing else None,
        "feedback_s_p50": round(statistics.median(to_feedback), 1),
        "feedback_s_p95": round(percentile(to_feedback, 0.95), 1),
        "record_ms_p50": round(statistics.median(recording), 1) if recording else None,
        "prepare_ms_p50": round(statistics.median(preparing), 1) if preparing else None,
        "service_seconds": round(service_seconds, 1),
        "grade_seconds": round(grade_seconds, 1),
        "throughput_ratio": round(grade_seconds / service_seconds, 2),
        "same_points": same, "wall_s": round(time.monotonic() - started, 1),
    }
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    shutil.rmtree(root, ignore_errors=True)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
