"""Grade on an existing Dask cluster: one task per submission, results back to the main process.

`ClusterExecutor.outcomes(jobs)` has the pool's contract (`pool.py`): it yields one `Outcome`
per job in the calling thread, so `grade.py` records each result as it arrives and stays the only
gradebook writer. Each job is packed here into a self-contained `GradingTask` (the workers need
neither the course folder nor a shared file system) and runs `task.run_task`, the function local
workers run, in the same sandbox with the same limits.

- Slots: a task asks for one unit of the `kernels` worker resource, so a machine runs at most as
  many kernels as its workers declare (`dask worker ... --nthreads 1 --resources kernels=1`).
- Same code everywhere: each worker is checked before the first task (and again inside every
  task, for workers that join later): its autograder version and the hash of its reference
  solutions and checks must be the client's, and it must have bubblewrap unless unsandboxed
  grading was allowed. A mismatch stops the run with a message naming both sides.
- Access: `access.py` checks the address and the course's TLS files before anything runs; the
  client connects with their `Security` (mutual TLS) or, on loopback, plain TCP.
- Faults: a worker that dies mid-task has its task rerun elsewhere by the scheduler, up to its
  `distributed.scheduler.allowed-failures`; then the student gets a recorded zero and feedback
  saying why. A scheduler that cannot be reached or goes away ends the run with a one-line error;
  what was recorded stays, and the next run resumes.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from autograder import messages
from autograder.batch.access import SchedulerAccess
from autograder.batch.job import GradingJob
from autograder.batch.pool import Outcome
from autograder.batch.task import TaskOutput, Workspace, build_task, extra_files, run_task
from autograder.course import AutograderError, Course
from autograder.kernel import sandbox
from autograder.kernel.manager import kernel_pidfile, kill_process_group
from autograder.results import SubmissionResult, write_text_atomically

CONNECT_TIMEOUT_VARIABLE = "AUTOGRADER_SCHEDULER_TIMEOUT"  # seconds, default 20
WORKERS_TIMEOUT_VARIABLE = "AUTOGRADER_WORKERS_TIMEOUT"  # seconds to wait for a first worker
RESOURCE = "kernels"


# What every worker must share with the client ------------------------------------------------

def code_identity() -> dict:
    """This process's autograder version and a hash of the code that decides points."""
    try:
        version = importlib.metadata.version("autoencoders-course")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {"version": version, "references": references_hash()}


def references_hash() -> str:
    """sha256 of the reference solutions and of the autograder (checks and grader) sources."""
    import autograder
    import solutions

    digest = hashlib.sha256()
    for package in (autograder, solutions):
        root = Path(package.__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{package.__name__}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def worker_identity() -> dict:
    return {**code_identity(), "bwrap": sandbox.bwrap_path() is not None}


def refusal(worker: str, found: dict, expected: dict, allow_unsandboxed: bool) -> str | None:
    """Why this worker must not grade for this client (None: it may)."""
    if (found["version"], found["references"]) != (expected["version"],
                                                    expected["references"]):
        return (f"el trabajador {worker} tiene autograder {found['version']} (referencias "
                f"{found['references']}) y este cliente {expected['version']} (referencias "
                f"{expected['references']}): instala la misma versión en todos los trabajadores")
    if not found["bwrap"] and not allow_unsandboxed:
        return (f"el trabajador {worker} no tiene bubblewrap (bwrap): instálalo allí, o pasa "
                "--allow-unsandboxed para corregir sin aislamiento a sabiendas")
    return None


class WorkerRefused(Exception):
    """Raised inside a task on a worker that must not grade (a late joiner)."""


# The function each Dask task runs, on a worker ------------------------------------------------

_running: dict[str, Path] = {}  # task id -> its scratch folder, for stop_kernels
_one_at_a_time = threading.Lock()  # grading sets process-wide environment variables


def grade_remotely(task, expected: dict, allow_unsandboxed: bool) -> TaskOutput:
    from distributed import get_worker

    reason = refusal(get_worker().address, worker_identity(), expected, allow_unsandboxed)
    if reason:
        raise WorkerRefused(reason)
    with _one_at_a_time:
        workspace = Workspace.temporary(task)
        _running[task.id] = workspace.scratch
        try:
            return run_task(task, workspace)
        finally:
            _running.pop(task.id, None)


def stop_kernels() -> int:
    """Kill the kernels of the tasks running in this worker (the client was interrupted)."""
    for task_id, scratch in list(_running.items()):
        kill_process_group(kernel_pidfile(str(scratch), task_id.split("/", 1)[1]))
    return len(_running)


# The client side --------------------------------------------------------------------------------

def connect(access: SchedulerAccess):
    from distributed import Client
    from distributed.comm.core import CommClosedError

    # the client's own log lines ("Failed to reconnect ...") would break the one-line error
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name.startswith("distributed"):  # dask's config sets levels on the children too
            logging.getLogger(name).setLevel(logging.CRITICAL)
    timeout = float(os.environ.get(CONNECT_TIMEOUT_VARIABLE, "20"))
    address = access.address
    try:
        return Client(address, timeout=timeout, set_as_default=False, security=access.security)
    except (OSError, TimeoutError, ValueError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        if access.encrypted and isinstance(error, CommClosedError):  # the handshake failed
            raise AutograderError(messages.TLS_REFUSED.format(
                address=address, detail=detail.rpartition(": ")[2])) from None
        raise AutograderError(
            f"no se puede conectar con el planificador de Dask en {address}: {detail}") from None


class ClusterExecutor:
    """Sends jobs to a Dask scheduler; yields outcomes like `WorkerPool.outcomes`."""

    def __init__(self, access: SchedulerAccess, course: Course, allow_unsandboxed: bool = False):
        self.address = access.address
        self.encrypted = access.encrypted
        self.course = course
        self.allow_unsandboxed = allow_unsandboxed
        self.client = connect(access)
        self.expected = code_identity()

    def check_workers(self) -> int:
        """Refuse the run if a connected worker differs; return the kernel slots available."""
        timeout = float(os.environ.get(WORKERS_TIMEOUT_VARIABLE, "120"))
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise AutograderError(
                f"ningún trabajador de Dask se unió a {self.address} en {timeout:g} s") from None
        for worker, found in self.client.run(worker_identity).items():
            reason = refusal(worker, found, self.expected, self.allow_unsandboxed)
            if reason:
                raise AutograderError(reason)
        slots = self.slots()
        if not slots:
            tls = (" --tls-ca-file ca.pem --tls-cert worker.pem --tls-key worker-key.pem"
                   if self.encrypted else "")
            raise AutograderError(
                f"ningún trabajador de {self.address} declara el recurso `{RESOURCE}`: arráncalos "
                f"con `dask worker {self.address} --nthreads 1 --resources {RESOURCE}=1{tls}`")
        return slots

    def slots(self) -> int:
        workers = self._scheduler_info().values()
        return int(sum(worker.get("resources", {}).get(RESOURCE, 0) for worker in workers))

    def workers(self) -> int:
        return len(self._scheduler_info())

    def _scheduler_info(self) -> dict:
        """The connected workers; the run stops here if the scheduler is gone."""
        if self.client.status not in ("running", "connecting", "newly-created"):
            raise AutograderError(self._lost(ConnectionError("client " + self.client.status)))
        info = self.client.scheduler_info(n_workers=-1)
        if "workers" not in info:  # an empty answer: the connection was lost
            raise AutograderError(self._lost(ConnectionError("no answer")))
        return info["workers"]

    def outcomes(self, jobs: list[GradingJob]) -> Iterator[Outcome]:
        from distributed import as_completed

        slots = self.check_workers()
        pending = list(reversed(jobs))  # longest first: pop() takes from the end
        futures = as_completed(loop=self.client.loop)
        by_key: dict[str, GradingJob] = {}
        finished = False

        def submit_more():
            # a window of tasks, not all: 50,000 notebooks' bytes would not fit in memory
            while pending and futures.count() < 2 * max(slots, 1) + 2:
                job = pending.pop()
                future = self.client.submit(
                    grade_remotely, build_task(self.course, job), self.expected,
                    self.allow_unsandboxed, key=f"grade-{job.id}-{job.fingerprint[:12]}",
                    resources={RESOURCE: 1}, pure=False, retries=0)
                by_key[future.key] = job
                futures.add(future)

        try:
            submit_more()
            while futures.count():
                future = self._next(futures)
                job = by_key.pop(future.key)
                yield self._outcome(job, future)
                slots = self.slots() or slots
                submit_more()
            finished = True
        finally:
            self._close(futures, interrupted=not finished)

    def _next(self, futures):
        try:
            return next(futures)
        except (OSError, TimeoutError) as error:
            raise AutograderError(self._lost(error)) from None

    def _lost(self, error) -> str:
        return (f"se perdió la conexión con el planificador de Dask en {self.address} "
                f"({type(error).__name__}); lo ya registrado se conserva: vuelve a ejecutar para "
                "continuar")

    def _outcome(self, job: GradingJob, future) -> Outcome:
        from distributed.scheduler import KilledWorker

        status = future.status
        if status == "finished":
            output = future.result()
            self._save(job, output)
            return Outcome(job, True)
        if status == "cancelled":  # the scheduler went away or restarted
            raise AutograderError(self._lost(RuntimeError("task cancelled")))
        error = future.exception()
        if isinstance(error, WorkerRefused):
            raise AutograderError(str(error))
        if isinstance(error, KilledWorker):
            times = self._allowed_failures() + 1
            return Outcome(job, False, messages.CLUSTER_WORKER_LOST.format(times=times))
        detail = f"{type(error).__name__}: {error}"[-300:]
        return Outcome(job, False, messages.CLUSTER_TASK_ERROR.format(detail=detail))

    def _allowed_failures(self) -> int:
        try:
            return int(self.client.run_on_scheduler(_scheduler_allowed_failures))
        except Exception:  # an old scheduler: its documented default
            return 3

    def _save(self, job: GradingJob, output: TaskOutput) -> None:
        """What a local worker leaves behind: autograded/<student>/<assignment> and the result."""
        workdir = self.course.autograded_dir / job.student / job.assignment
        workdir.mkdir(parents=True, exist_ok=True)
        for origin in (self.course.submitted_dir / job.student / job.assignment,
                       self.course.source_dir / job.assignment):
            for relative, path in extra_files(origin):
                (workdir / relative).parent.mkdir(parents=True, exist_ok=True)
                (workdir / relative).write_bytes(path.read_bytes())
        for name, data in output.autograded.items():
            write_text_atomically(workdir / f"{name}.ipynb", data.decode("utf-8"))
        SubmissionResult.from_json(output.result).save(Path(job.result_path))

    def _close(self, futures, interrupted: bool) -> None:
        try:
            if interrupted:
                running = list(futures.futures)
                self.client.cancel(running, force=True)
                self.client.run(stop_kernels)  # cancelling does not stop a running kernel
        except Exception:
            pass  # the scheduler may be gone already
        finally:
            try:
                self.client.close(timeout=10)
            except Exception:
                pass


def _scheduler_allowed_failures(dask_scheduler=None) -> int:
    return dask_scheduler.allowed_failures
