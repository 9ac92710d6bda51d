"""Local worker pool vs a two-worker Dask LocalCluster on one class, and the scheduler's cost.

    python benchmarks/cluster.py --students 4                  # 01-autoencoder
    python benchmarks/cluster.py --students 6 --noop-tasks 5000 --json cluster.json

In one run: builds one class of N submissions (as benchmarks/grading.py does), grades one copy
with `grade(workers=2)` (the local pool) and another with `grade(scheduler=...)` on a
LocalCluster of two process workers with one kernel slot each, checks that both gradebooks hold
the same per-test points, then times thousands of no-op tasks through the same scheduler (with
the `kernels` resource, as grading tasks ask). Prints seconds per submission for both, their
ratio (the engine's overhead), the scheduler's seconds per task, and a projection of the wall
time for 5,000 and 50,000 submissions on 10, 100 and 1,000 worker cores. On a shared machine,
compare the ratio, not the absolute seconds: both runs share the same load.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def noop(number: int) -> int:
    return number


def project(per_core_seconds: float, scheduler_seconds: float) -> dict:
    """Wall hours: the grading work spread over the cores, plus the scheduler's serial share."""
    table = {}
    for submissions in (5000, 50000):
        for cores in (10, 100, 1000):
            seconds = submissions * per_core_seconds / cores + submissions * scheduler_seconds
            table[f"{submissions} on {cores}"] = round(seconds / 3600, 3)
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="01-autoencoder")
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--noop-tasks", type=int, default=5000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import dask
    from distributed import Client, LocalCluster
    from grading import build_class, points  # benchmarks/grading.py

    from autograder.api import grade

    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    base = work / "class"
    shutil.copytree(REPO / "exercises", base / "exercises")
    shutil.copy(REPO / "nbgrader_config.py", base / "nbgrader_config.py")
    build_class(base, args.assignment, args.students)
    local, remote = work / "local", work / "cluster"
    shutil.copytree(base, local)
    shutil.copytree(base, remote)

    started = time.perf_counter()
    grade(local, [args.assignment], workers=2, show_progress=False)
    local_seconds = time.perf_counter() - started

    with dask.config.set({"distributed.scheduler.work-stealing": True}):
        started = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               resources={"kernels": 1}, silence_logs=40)
        startup_seconds = time.perf_counter() - started
    try:
        started = time.perf_counter()
        grade(remote, [args.assignment], scheduler=cluster.scheduler_address,
              show_progress=False)
        cluster_seconds = time.perf_counter() - started

        with Client(cluster.scheduler_address, set_as_default=False) as client:
            client.submit(noop, -1, pure=False).result()  # warm: function shipped once
            started = time.perf_counter()
            futures = client.map(noop, range(args.noop_tasks), resources={"kernels": 1},
                                 pure=False)
            client.gather(futures)
            noop_seconds = time.perf_counter() - started
    finally:
        cluster.close()

    same = points(local, args.assignment) == points(remote, args.assignment)
    per_local = local_seconds / args.students
    per_cluster = cluster_seconds / args.students
    per_task = noop_seconds / args.noop_tasks
    figures = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
                   f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f}",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "students": args.students,
        "assignment": args.assignment,
        "same_points": same,
        "local_pool_seconds_per_submission": round(per_local, 2),
        "cluster_seconds_per_submission": round(per_cluster, 2),
        "cluster_over_local": round(per_cluster / per_local, 3),
        "cluster_startup_seconds": round(startup_seconds, 2),
        "noop_tasks": args.noop_tasks,
        "scheduler_ms_per_task": round(per_task * 1000, 3),
        # two workers: one core's seconds per submission is twice the wall seconds
        "projection_hours": project(2 * per_cluster, per_task),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    if not same:
        sys.exit("the two gradebooks differ")


if __name__ == "__main__":
    main()
