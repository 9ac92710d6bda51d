"""`autograder certificates`: the files a grading cluster needs for mutual TLS, owner-only.

A private certificate authority made for this one cluster signs a certificate and key for each
role: the scheduler, the workers and the instructor's client. Dask checks, in both directions,
that the other end's certificate was signed by that authority (`distributed.security`: it
requires a peer certificate and does not check host names), so whoever holds none of these keys
cannot connect. The authority's own key is used once, in memory, and never written: nobody can
sign another certificate later; `--force` makes a whole new set instead.

    cluster-tls/  (0700)      ca.pem, scheduler.pem, scheduler-key.pem, worker.pem,
                              worker-key.pem, client.pem, client-key.pem  (each 0600)

The keys are ECDSA P-256, the signatures SHA-256 (`cryptography`, which Dask itself uses).
A `.gitignore` inside keeps the folder out of a course repository.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from autograder import messages
from autograder.course import AutograderError
from autograder.results import write_text_atomically

ROLES = ("scheduler", "worker", "client")
CA_FILE = "ca.pem"
DEFAULT_FOLDER = "cluster-tls"
DEFAULT_DAYS = 365


def cert_name(role: str) -> str:
    return f"{role}.pem"


def key_name(role: str) -> str:
    return f"{role}-key.pem"


@dataclass(frozen=True)
class ClusterCertificates:
    """A folder written by `certificates`; the paths each role's Dask options take."""

    folder: Path
    days: int = DEFAULT_DAYS  # of validity, from when they were made

    @property
    def ca(self) -> Path:
        return self.folder / CA_FILE

    def cert(self, role: str) -> Path:
        return self.folder / cert_name(role)

    def key(self, role: str) -> Path:
        return self.folder / key_name(role)

    @property
    def files(self) -> list[Path]:
        return [self.ca] + [path for role in ROLES for path in (self.cert(role), self.key(role))]

    def security(self):
        """A `distributed.security.Security` for every role (a `LocalCluster`, a test)."""
        from distributed.security import Security

        roles = {f"tls_{role}_{kind}": str(path) for role in ROLES
                 for kind, path in (("cert", self.cert(role)), ("key", self.key(role)))}
        return Security(require_encryption=True, tls_ca_file=str(self.ca), **roles)


def certificates(out: str | os.PathLike = DEFAULT_FOLDER, *, days: int = DEFAULT_DAYS,
                      force: bool = False) -> ClusterCertificates:
    """Write a new authority's certificate and each role's certificate and key into `out`.

    Args:
        out: the folder (made with permissions 0700; every file in it 0600).
        days: how long the certificates are valid.
        force: replace the files of an earlier run (the scheduler and every worker then need
            the new ones: the old ones are no longer accepted by the new ones).
    """
    if days < 1:
        raise AutograderError(messages.CERTS_BAD_DAYS.format(days=days))
    written = ClusterCertificates(Path(out).expanduser().resolve(), days)
    existing = [path.name for path in written.files if path.exists()]
    if existing and not force:
        raise AutograderError(messages.CERTS_EXIST.format(
            folder=written.folder, files=", ".join(existing)))
    try:
        written.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(written.folder, 0o700)  # an existing folder, or one mkdir's umask widened
        for path, text in _pem_files(written, days).items():
            write_text_atomically(path, text)  # a temporary file made 0600, then renamed
            os.chmod(path, 0o600)
        ignore = written.folder / ".gitignore"
        if not ignore.exists():
            write_text_atomically(ignore, "# private keys: never commit this folder\n*\n")
    except OSError as error:
        raise AutograderError(messages.CERTS_UNWRITABLE.format(
            folder=written.folder, error=error.strerror or error)) from None
    return written


def _pem_files(written: ClusterCertificates, days: int) -> dict[Path, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=days)

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "autograder"),
                          x509.NameAttribute(NameOID.COMMON_NAME, text)])

    def usage(**allowed: bool) -> x509.KeyUsage:
        flags = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment",
                               "data_encipherment", "key_agreement", "key_cert_sign",
                               "crl_sign", "encipher_only", "decipher_only"), False)
        return x509.KeyUsage(**{**flags, **allowed})

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"autograder cluster CA {x509.random_serial_number() % 10**8:08d}")
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files = {written.ca: ca_cert.public_bytes(pem).decode()}
    for role in ROLES:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder().subject_name(name(f"autograder {role}"))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(digital_signature=True), critical=True)
            # every Dask process both listens and connects (workers talk to each other)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(f"autograder-{role}")]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        files[written.cert(role)] = cert.public_bytes(pem).decode()
        files[written.key(role)] = key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return files


def describe(written: ClusterCertificates) -> str:
    """What goes on which machine, with the commands that use it (the verb's console text)."""
    return messages.CERTS_WRITTEN.format(folder=written.folder, days=written.days)
