"""Who may send work to the grading cluster: the scheduler's address and the course's TLS files.

A Dask scheduler runs whatever Python a connected client sends, on every worker, and the workers
hold the submissions and the reference solutions. So `scheduler_access` (the one place every
command that talks to a scheduler turns its options into a connection) accepts:

- `tls://HOST:PORT` with the CA, certificate and key of the cluster (`autograder certificates`):
  mutual TLS, only holders of a certificate signed by that CA get in;
- a plain `tcp://` address on loopback (127.0.0.0/8, ::1, localhost: an SSH tunnel, a
  port-forward, one machine);
- any other plain address only with `allow_insecure=True`, said out loud by the instructor.

Each option falls back to its environment variable, as `--scheduler` does to
AUTOGRADER_SCHEDULER.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from autograder import messages
from autograder.course import AutograderError

SCHEDULER_VARIABLE = "AUTOGRADER_SCHEDULER"
# option -> (its command-line spelling, its variable)
TLS_OPTIONS = {
    "tls_ca_file": ("--tls-ca-file", "AUTOGRADER_TLS_CA_FILE"),
    "tls_cert": ("--tls-cert", "AUTOGRADER_TLS_CERT"),
    "tls_key": ("--tls-key", "AUTOGRADER_TLS_KEY"),
}
TLS_SCHEMES = ("tls", "wss")
PLAIN_SCHEMES = ("tcp", "ws")
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


@dataclass(frozen=True)
class SchedulerAccess:
    """Where the scheduler is and how to prove who we are (`security` None: plain TCP)."""

    address: str
    security: object | None = None  # distributed.security.Security

    @property
    def encrypted(self) -> bool:
        return self.security is not None


def scheduler_access(
    scheduler: str | None = None,
    *,
    tls_ca_file: str | os.PathLike | None = None,
    tls_cert: str | os.PathLike | None = None,
    tls_key: str | os.PathLike | None = None,
    allow_insecure: bool = False,
) -> SchedulerAccess | None:
    """The checked address and credentials, or None when no scheduler is given (grade locally).

    Raises `AutograderError` (one line) for a plain non-loopback address without
    `allow_insecure`, a `tls://` address without all three files, a file that cannot be read, a
    key other users can read, or files that do not make a certificate and its key.
    """
    given = {"tls_ca_file": tls_ca_file, "tls_cert": tls_cert, "tls_key": tls_key}
    address = scheduler or os.environ.get(SCHEDULER_VARIABLE) or None
    if address is None:
        if any(given.values()):
            raise AutograderError(messages.TLS_FILES_WITHOUT_SCHEDULER)
        return None
    files = {name: os.path.expanduser(str(value or os.environ.get(TLS_OPTIONS[name][1]) or ""))
             or None for name, value in given.items()}
    scheme, host = _scheme_and_host(address)
    if scheme in TLS_SCHEMES:
        return SchedulerAccess(address, _security(address, files))
    if any(files.values()):
        raise AutograderError(messages.TLS_FILES_WITHOUT_TLS.format(address=address))
    if scheme == "inproc" or is_loopback(host) or allow_insecure:
        return SchedulerAccess(address)
    raise AutograderError(messages.PLAIN_TCP_REFUSED.format(address=address))


def is_loopback(host: str) -> bool:
    """Only this machine can reach `host`: a loopback IP literal or localhost (not resolved)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _scheme_and_host(address: str) -> tuple[str, str]:
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address, strict=False)  # no scheme: Dask's tcp
        if scheme in TLS_SCHEMES + PLAIN_SCHEMES:
            return scheme, parse_host_port(location)[0]
    except ValueError:
        raise AutograderError(messages.BAD_ADDRESS.format(address=address)) from None
    if scheme == "inproc":
        return scheme, ""
    raise AutograderError(messages.UNKNOWN_SCHEME.format(address=address, scheme=scheme))


def _security(address: str, files: dict[str, str | None]):
    import ssl

    from distributed.security import Security

    missing = [name for name, path in files.items() if not path]
    if missing:
        raise AutograderError(messages.TLS_FILES_MISSING.format(
            address=address,
            options=", ".join(TLS_OPTIONS[name][0] for name in missing),
            variables=", ".join(TLS_OPTIONS[name][1] for name in missing)))
    for name, path in files.items():
        try:
            with open(path, "rb"):
                pass
            mode = stat.S_IMODE(Path(path).stat().st_mode)
        except OSError as error:
            raise AutograderError(messages.TLS_FILE_UNREADABLE.format(
                option=TLS_OPTIONS[name][0], path=path, error=error.strerror or error)) from None
        if name == "tls_key" and mode & 0o077:  # as ssh does with a private key
            raise AutograderError(messages.TLS_KEY_OPEN.format(path=path, mode=mode))
    security = Security(require_encryption=True, tls_ca_file=files["tls_ca_file"],
                        tls_client_cert=files["tls_cert"], tls_client_key=files["tls_key"])
    try:
        security.get_connection_args("client")  # loads them: a wrong file fails here, clearly
    except (ssl.SSLError, ValueError, OSError) as error:
        detail = str(getattr(error, "reason", None) or error).splitlines()[0]
        raise AutograderError(messages.TLS_FILES_INVALID.format(error=detail)) from None
    return security
