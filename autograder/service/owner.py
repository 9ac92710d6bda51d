"""The gradebook's owner in a process of its own, so that request handlers never wait for it.

The web process (uvicorn) holds the course's grading lock and starts
`python -m autograder.service.owner` with the lock's file descriptor: the lock is then held while
either process lives, so a `grade` or a second `serve` is refused until both are gone (one
writer, always). The owner runs `grading.Grader` (planning, the worker pool or the cluster,
recording through nbgrader's gradebook) exactly as the web process used to in a thread; the two
share only the SQLite store (the queue) and two small channels:

- the owner's stdin: the web process writes `wake` after each accepted upload, and `stop` for a
  graceful stop (running jobs stopped with their kernels, back to the queue);
- `service/owner.json` (this module owns it), rewritten every second by the owner: worker
  slots, jobs handed out, and when each running job started, for the queue's ETA.

The owner dies with the web process (Linux's parent-death signal, SIGKILL: a killed service is
a killed owner, and the next start grades what was cut short exactly once, as before), stops
gracefully on SIGTERM or SIGINT (systemd and Ctrl-C reach both processes), and is started again
by the web process if it ever exits by itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder.batch.measured_limits import limits_for
from autograder.course import Course
from autograder.notebook.limits import Limits
from autograder.results import write_json_atomically
from autograder.service.logs import log

STATUS_FILE = "owner.json"
STATUS_SECONDS = 1.0
RESTART_SECONDS = 5  # between an owner that exited by itself and the next one
STOP_SECONDS = 90  # a graceful stop: the running jobs stopped with their kernels, then the rest
PR_SET_PDEATHSIG = 1


class OwnerProcess:
    """The web process's handle on the owner: the same calls the app made on `Grader`."""

    def __init__(self, course: Course, folder: Path, config: dict, lock_fd: int):
        # config: course_dir, workers, limits (a Limits' fields or None), limit_overrides,
        # scheduler, tls_ca_file, tls_cert, tls_key, allow_insecure_scheduler,
        # allow_unsandboxed, notebook_grader (JSON: it goes to the owner's stdin)
        self.course, self.folder, self.config, self.lock_fd = course, folder, config, lock_fd
        self.limits = Limits(**config["limits"]) if config.get("limits") else None
        self.process: subprocess.Popen | None = None
        self.write_lock = threading.Lock()
        self.stopping = threading.Event()
        self.status_cache: tuple[float, dict] = (0.0, {})

    # Life cycle (the app's lifespan) ---------------------------------------------------------

    def start(self) -> None:
        (self.folder / STATUS_FILE).unlink(missing_ok=True)
        self._spawn()
        # a long-lived thread: Linux sends the parent-death signal when the thread that
        # started the child ends, so restarts happen here, and the first start in the caller's
        threading.Thread(target=self._watch, daemon=True, name="owner-watch").start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.service.owner"], stdin=subprocess.PIPE,
            text=True, bufsize=1, pass_fds=(self.lock_fd,))
        self._send(json.dumps({**self.config, "parent": os.getpid()}))
        log("owner_started", pid=self.process.pid)

    def _watch(self) -> None:
        while not self.stopping.wait(1):
            process = self.process
            if process is not None and process.poll() is not None and not self.stopping.is_set():
                log("owner_exited", pid=process.pid, status=process.returncode)
                if self.stopping.wait(RESTART_SECONDS):
                    return
                self._spawn()

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is None:
            return
        self._send("stop")
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def wake(self) -> None:
        self._send("wake")

    def _send(self, line: str) -> None:
        with self.write_lock:
            try:
                self.process.stdin.write(line + "\n")
                self.process.stdin.flush()
            except (OSError, ValueError, AttributeError):
                pass  # the owner is gone: the watcher starts another, which reads the queue

    # What the pages read ---------------------------------------------------------------------

    def _status(self) -> dict:
        read_at, status = self.status_cache
        if time.monotonic() - read_at > STATUS_SECONDS / 2:
            try:
                status = json.loads((self.folder / STATUS_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                status = {}
            self.status_cache = (time.monotonic(), status)
        return status

    def ready(self) -> bool:
        """The owner is running and has reported within the last few seconds."""
        process = self.process
        if process is None or process.poll() is not None:
            return False
        try:
            age = time.time() - (self.folder / STATUS_FILE).stat().st_mtime
        except OSError:
            return False
        return age < 5 * STATUS_SECONDS

    def slots(self) -> int:
        return int(self._status().get("slots", 0))

    def running(self) -> int:
        """Jobs handed to the executor (being graded, or next in line for a worker)."""
        return int(self._status().get("handed", 0))

    def elapsed(self) -> dict[str, float]:
        """Submission id -> seconds its job has run on a worker so far."""
        now = time.time()
        return {key: max(0.0, now - started)
                for key, started in self._status().get("running", {}).items()}

    def limits_of(self, assignment: str) -> Limits:
        return limits_for(self.course, assignment, self.limits,
                          self.config.get("limit_overrides"))[0]


# The owner process -------------------------------------------------------------------------------

class _Stop(Exception):
    pass


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the check below and the stdin EOF remain
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def _report(grader, path: Path, stopping: threading.Event) -> None:
    while not stopping.wait(STATUS_SECONDS):
        now = time.time()
        try:
            write_json_atomically(path, {
                "pid": os.getpid(), "slots": grader.slots(), "handed": grader.running(),
                "running": {key: round(now - seconds, 1)
                            for key, seconds in grader.elapsed().items()}})
        except (OSError, RuntimeError) as error:  # a dict changed while read: next second
            log("owner_status_error", error=str(error))


def main() -> int:
    from autograder.batch.access import scheduler_access
    from autograder.service.grading import Grader
    from autograder.service.store import Store
    from autograder.service.tokens import service_dir

    config = json.loads(sys.stdin.readline())
    _die_with_parent(config["parent"])

    def stop(signum, frame):
        raise _Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    course = Course.open(config["course_dir"])
    store = Store(service_dir(course))
    access = scheduler_access(
        config.get("scheduler"), tls_ca_file=config.get("tls_ca_file"),
        tls_cert=config.get("tls_cert"), tls_key=config.get("tls_key"),
        allow_insecure=config.get("allow_insecure_scheduler", False))
    grader = Grader(course, store, workers=config.get("workers"),
                    limits=Limits(**config["limits"]) if config.get("limits") else None,
                    access=access, allow_unsandboxed=config.get("allow_unsandboxed", False),
                    notebook_grader=config["notebook_grader"],
                    limit_overrides=config.get("limit_overrides"))
    stopping = threading.Event()
    try:
        grader.start()
        threading.Thread(target=_report, args=(grader, store.folder / STATUS_FILE, stopping),
                         daemon=True).start()
        for line in sys.stdin:
            if line.strip() == "wake":
                grader.wake()
            elif line.strip() == "stop":
                break
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stopping.set()
        if getattr(grader, "owner", None) is not None:
            grader.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
