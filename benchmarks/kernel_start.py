"""How long a sandboxed kernel takes to start: this tree's sandbox against an earlier commit's.

Each round starts, alternately, the interpreter under each sandbox and times what a grading
kernel does first: start Python and import what every notebook imports (IPython's kernel,
Keras with TensorFlow, matplotlib's pyplot). The earlier sandbox's module is read from git, so
both run in one process on one machine, minutes apart (the machine's load drifts).

    python benchmarks/kernel_start.py --before acd20fc --rounds 5
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIRST_IMPORTS = "import ipykernel.kernelapp, keras, matplotlib.pyplot; import autograder.observe"


def sandbox_module(commit: str | None):
    """This tree's sandbox, or the one at `commit` (loaded from git into a private module)."""
    if commit is None:
        from autograder.kernel import sandbox

        return sandbox
    where = f"{commit}:autograder/kernel/sandbox.py"
    source = subprocess.run(["git", "-C", str(REPO), "show", where],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "earlier_sandbox.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("earlier_sandbox", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_seconds(module, environment_of) -> float:
    with tempfile.TemporaryDirectory(dir="/var/tmp") as scratch:
        course = Path(scratch) / "course"
        workdir = course / "autograded" / "ana" / "a"
        workdir.mkdir(parents=True)
        sockets = Path(scratch) / "sockets"
        sockets.mkdir()
        spec = module.specification(course, workdir, sockets)
        command = module.wrap([sys.executable, "-c", FIRST_IMPORTS], json.dumps(spec))
        started = time.perf_counter()
        subprocess.run(command, cwd=workdir, check=True, env=environment_of(spec),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="commit whose sandbox to compare with")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    import os

    from autograder.kernel.environment import kernel_variables
    from autograder.kernel.manager import kernel_environment

    chosen = kernel_environment(max_memory_mb=0, pidfile=Path("/dev/null"), threads=1)
    versions = {
        "before": (sandbox_module(options.before), lambda spec: {**os.environ, **json.loads(
            chosen["AUTOGRADER_KERNEL_ENVIRONMENT"])}),  # it inherited the grader's variables
        "now": (sandbox_module(None), lambda spec: kernel_variables(chosen, spec)),
    }
    times: dict[str, list[float]] = {name: [] for name in versions}
    start_seconds(*versions["now"])  # warm the page cache for both
    for _ in range(options.rounds):
        for name, (module, environment_of) in versions.items():
            times[name].append(start_seconds(module, environment_of))
    for name, values in times.items():
        print(f"{name:>6}: min {min(values):.2f} s, median {statistics.median(values):.2f} s "
              f"over {len(values)} starts")
    print(f" ratio: {min(times['now']) / min(times['before']):.2f} (fastest now / fastest before)"
          f", {statistics.median(times['now']) / statistics.median(times['before']):.2f} "
          "(medians)")


if __name__ == "__main__":
    main()
