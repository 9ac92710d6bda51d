"""Local worker pool vs a two-worker Dask LocalCluster on one class, and the scheduler's cost.

    python benchmarks/cluster.py --students 4                  # 01-autoencoder
    python benchmarks/cluster.py --students 6 --rounds 4 --noop-tasks 5000 --json cluster.json

In one run: builds one class of N submissions (as benchmarks/grading.py does), then for each
round grades one fresh copy with `grade(workers=2)` (the local pool) and another with
`grade(scheduler=...)` on a LocalCluster of two process workers with one kernel slot each
(which goes first alternates, so neither always meets a cold or a warm machine), checks that
both gradebooks hold the same per-test points, records the Dask worker and nanny processes'
own CPU time, then times thousands of no-op tasks through the same scheduler (with
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
import statistics
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


def own_cpu_seconds() -> float:
    """CPU seconds of this process alone (a Dask worker or nanny; its kernels are children)."""
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def dask_cpu(client) -> float:
    """CPU seconds used so far by every worker and nanny process of the cluster."""
    workers = client.run(own_cpu_seconds)
    nannies = client.run(own_cpu_seconds, nanny=True)
    return sum(workers.values()) + sum(nannies.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", default="01-autoencoder")
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2,
                        help="local and cluster alternate first, one fresh class copy each")
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

    with dask.config.set({"distributed.scheduler.work-stealing": True}):
        started = time.perf_counter()
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               resources={"kernels": 1}, silence_logs=40)
        startup_seconds = time.perf_counter() - started
    seconds = {"local": [], "cluster": []}
    dask_cpu_seconds = 0.0
    same = True
    try:
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            for number in range(args.rounds):
                copies = {}
                order = ("local", "cluster") if number % 2 == 0 else ("cluster", "local")
                for where in order:
                    copies[where] = work / f"{where}-{number}"
                    shutil.copytree(base, copies[where])
                    started = time.perf_counter()
                    if where == "local":
                        grade(copies[where], [args.assignment], workers=2, show_progress=False)
                    else:
                        # fresh worker processes, as the local pool starts its own each time
                        client.restart(wait_for_workers=True)
                        started = time.perf_counter()
                        cpu_before = dask_cpu(client)
                        grade(copies[where], [args.assignment],
                              scheduler=cluster.scheduler_address, show_progress=False)
                        dask_cpu_seconds += dask_cpu(client) - cpu_before
                    seconds[where].append(time.perf_counter() - started)
                local_points = points(copies["local"], args.assignment)
                cluster_points = points(copies["cluster"], args.assignment)
                for student in sorted(set(local_points) | set(cluster_points)):
                    mine, theirs = local_points.get(student, {}), cluster_points.get(student, {})
                    cells = sorted(name for name in set(mine) | set(theirs)
                                   if mine.get(name) != theirs.get(name))
                    if cells or (student in local_points) != (student in cluster_points):
                        same = False
                        print(f"round {number}, {student}: local and cluster points differ in "
                              f"{cells}: {[mine.get(c) for c in cells]} vs "
                              f"{[theirs.get(c) for c in cells]}", file=sys.stderr)

            client.submit(noop, -1, pure=False).result()  # warm: function shipped once
            started = time.perf_counter()
            futures = client.map(noop, range(args.noop_tasks), resources={"kernels": 1},
                                 pure=False)
            client.gather(futures)
            noop_seconds = time.perf_counter() - started
    finally:
        cluster.close()

    per_local = statistics.median(seconds["local"]) / args.students
    per_cluster = statistics.median(seconds["cluster"]) / args.students
    per_task = noop_seconds / args.noop_tasks
    figures = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
        "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
                   f"{os.cpu_count()} CPUs · load {os.getloadavg()[0]:.2f}",
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "students": args.students,
        "rounds": args.rounds,
        "assignment": args.assignment,
        "same_points": same,
        "local_pool_seconds_per_submission": round(per_local, 2),
        "cluster_seconds_per_submission": round(per_cluster, 2),
        "cluster_over_local": round(per_cluster / per_local, 3),
        "cluster_over_local_per_round": [
            round(cluster / local, 3)
            for local, cluster in zip(seconds["local"], seconds["cluster"])],
        # the worker and nanny processes' own CPU (not their kernels'), per graded submission
        "dask_cpu_seconds_per_submission": round(
            dask_cpu_seconds / (args.rounds * args.students), 3),
        "cluster_startup_seconds": round(startup_seconds, 2),
        "noop_tasks": args.noop_tasks,
        "scheduler_ms_per_task": round(per_task * 1000, 3),
        # two workers: one core's seconds per submission is twice the wall seconds
        "projection_hours": project(2 * per_cluster, per_task),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if not same:
        sys.exit(f"the gradebooks differ (kept for a look: {work})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
