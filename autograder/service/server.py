"""`autograder serve`: the API function that opens the course and runs the service until stopped.

The service holds the course's grading lock for its whole life, as `autograder grade` does for a
run: its owner process (`owner.py`, started with the lock) is the gradebook's only writer, and a
`grade` started meanwhile is refused. uvicorn stops on SIGTERM or Ctrl-C; the owner then stops
the running jobs with their kernels and puts them back in the queue, to be graded on the next
start.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
import sys

from autograder.batch.job import DEFAULT_NOTEBOOK_GRADER
from autograder.course import AutograderError, Course
from autograder.kernel import sandbox
from autograder.notebook.limits import Limits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_UPLOAD_MB = 20
BIND_ERRORS = {
    errno.EADDRINUSE: "ese puerto ya está en uso (¿otro `autograder serve`?); elige otro con "
                      "--port",
    errno.EACCES: "sin permiso (los puertos por debajo de 1024 necesitan root: usa el proxy)",
    errno.EADDRNOTAVAIL: "esta máquina no tiene esa dirección",
}


def serve(
    course_dir: str | os.PathLike = ".",
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    workers: int | None = None,
    limits: Limits | None = None,
    limit_overrides: dict | None = None,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    scheduler: str | None = None,
    tls_ca_file: str | os.PathLike | None = None,
    tls_cert: str | os.PathLike | None = None,
    tls_key: str | os.PathLike | None = None,
    allow_insecure_scheduler: bool = False,
    allow_unsandboxed: bool = False,
    notebook_grader: str = DEFAULT_NOTEBOOK_GRADER,
    forwarded_allow_ips: str | None = None,
) -> None:
    """Serve the course's submissions on http://HOST:PORT until SIGTERM or Ctrl-C.

    Args:
        workers, limits, limit_overrides, scheduler, tls_*, allow_*: as for `grade` (same
            engine, same limits: each assignment's measured ones unless `limits` is given).
        max_upload_mb: the largest notebook accepted (refused with 413 while it arrives).
        forwarded_allow_ips: addresses of the reverse proxy whose X-Forwarded-Proto/For
            headers are trusted (default: 127.0.0.1), so that cookies are Secure behind TLS.
    """
    import uvicorn

    from autograder.batch import grade as engine
    from autograder.batch.access import scheduler_access
    from autograder.batch.measured_limits import limits_for
    from autograder.service.app import create_app
    from autograder.service.owner import OwnerProcess
    from autograder.service.policy import load_policy
    from autograder.service.store import Store
    from autograder.service.submissions import Service
    from autograder.service.tokens import service_dir

    course = Course.open(course_dir)
    if max_upload_mb <= 0:
        raise AutograderError("--max-upload-mb debe ser positivo")
    access = scheduler_access(scheduler, tls_ca_file=tls_ca_file, tls_cert=tls_cert,
                              tls_key=tls_key, allow_insecure=allow_insecure_scheduler)
    if access is None and sandbox.bwrap_path() is None:
        print(sandbox.WARNING, file=sys.stderr)
    _check_address(host, port)
    store = Store(service_dir(course))
    service = Service(course, store, int(max_upload_mb * 1024 * 1024), store.secret())
    if not service.assignments():
        raise AutograderError("no hay ninguna tarea publicada de un solo cuaderno: ejecuta antes "
                              "`autograder release`")
    for assignment in service.assignments():
        load_policy(service.folder, assignment)  # a broken policy stops the start, not a student
        line = limits_for(course, assignment, limits, limit_overrides)[1]
        if line:
            print(f"límites: {line}", file=sys.stderr)
    config = {
        "course_dir": str(course.root), "workers": workers,
        "limits": dataclasses.asdict(limits) if limits else None,
        "limit_overrides": limit_overrides, "scheduler": scheduler,
        "tls_ca_file": _path(tls_ca_file), "tls_cert": _path(tls_cert), "tls_key": _path(tls_key),
        "allow_insecure_scheduler": allow_insecure_scheduler,
        "allow_unsandboxed": allow_unsandboxed, "notebook_grader": notebook_grader,
    }
    with engine._exclusive(course, "autograder serve") as lock:
        service.grader = OwnerProcess(course, store.folder, config, lock.fileno())
        config = uvicorn.Config(
            create_app(service), host=host, port=port, access_log=False, log_level="warning",
            proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips or "127.0.0.1",
            timeout_graceful_shutdown=30, lifespan="on")
        server = uvicorn.Server(config)
        print(f"sirviendo en http://{host}:{port}/ (Ctrl-C para parar)", file=sys.stderr)
        server.run()


def _path(value) -> str | None:
    return os.path.abspath(value) if value else None


def _check_address(host: str, port: int) -> None:
    """A busy or foreign address is one line before anything starts (uvicorn's own complaint
    comes after the grader has started, as a log line and exit status 3)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise AutograderError(f"no se reconoce la dirección {host}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            why = BIND_ERRORS.get(error.errno, error.strerror or str(error))
            raise AutograderError(f"no se puede escuchar en {host}:{port}: {why}") from None
