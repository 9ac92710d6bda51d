"""Who may send work to the grading cluster, without a cluster: `autograder certificates` writes
owner-only files that chain to their own CA, and `scheduler_access` (behind every --scheduler)
refuses a plain tcp:// address off loopback unless told, and a tls:// one without the course's
three files. The refusals by a running TLS scheduler are in test_cluster.py."""

from __future__ import annotations

import os
import stat

import pytest

from autograder.api import certificates
from autograder.batch.access import TLS_OPTIONS, is_loopback, scheduler_access
from autograder.batch.certificates import ROLES
from autograder.cli import main
from autograder.course import AutograderError

OFF_LOOPBACK = "tcp://192.0.2.10:8786"  # TEST-NET-1: refused before any packet is sent


@pytest.fixture(autouse=True)
def no_scheduler_variables(monkeypatch):
    for variable in ["AUTOGRADER_SCHEDULER", *(v for _, v in TLS_OPTIONS.values())]:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return certificates(tmp_path_factory.mktemp("access") / "tls")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_certificates_are_owner_only_even_under_an_open_umask(tmp_path):
    folder = tmp_path / "tls"
    folder.mkdir(mode=0o755)
    previous = os.umask(0)
    try:
        written = certificates(folder)
    finally:
        os.umask(previous)
    assert mode(folder) == 0o700
    assert len(written.files) == 7
    assert {path.name: mode(path) for path in folder.iterdir()} == {
        path.name: 0o600 for path in [*written.files, folder / ".gitignore"]}


def test_each_role_has_a_key_and_a_certificate_of_the_clusters_own_ca(certs):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca = x509.load_pem_x509_certificate(certs.ca.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    for role in ROLES:
        cert = x509.load_pem_x509_certificate(certs.cert(role).read_bytes())
        key = serialization.load_pem_private_key(certs.key(role).read_bytes(), password=None)
        cert.verify_directly_issued_by(ca)
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert key.public_key().public_bytes(serialization.Encoding.PEM, public) == \
            cert.public_key().public_bytes(serialization.Encoding.PEM, public)
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH} <= set(usages)
    assert b"PRIVATE KEY" not in certs.ca.read_bytes()  # the CA's key is never written


def test_certificates_replace_a_set_only_with_force(tmp_path):
    first = certificates(tmp_path / "tls")
    ca = first.ca.read_bytes()
    with pytest.raises(AutograderError, match="--force"):
        certificates(tmp_path / "tls")
    assert first.ca.read_bytes() == ca  # untouched
    certificates(tmp_path / "tls", force=True)
    assert first.ca.read_bytes() != ca


def grade_command(course, *options: str, capsys) -> tuple[int, list[str]]:
    """`autograder grade` in this process (a subprocess spends seconds importing nbgrader; the
    one-line claim of a real connection is tested in a subprocess in test_cluster.py)."""
    status = main(["grade", "--no-progress", "--course-dir", str(course), *options])
    return status, capsys.readouterr().err.strip().splitlines()


def test_a_plain_scheduler_off_loopback_is_refused_in_one_line(tiny_class, capsys):
    status, lines = grade_command(tiny_class.course, "--scheduler", OFF_LOOPBACK, capsys=capsys)
    assert status == 2 and len(lines) == 1, lines
    assert "tls://" in lines[0] and "--allow-insecure-scheduler" in lines[0]
    assert not (tiny_class.course / "grading").exists()  # refused before anything was touched


def test_which_plain_addresses_pass_without_the_flag(monkeypatch):
    for address in ("tcp://127.0.0.1:8786", "tcp://127.3.2.1:8786", "tcp://[::1]:8786",
                    "localhost:8786", "tcp://LOCALHOST:8786", "inproc://127.0.0.1/1/2"):
        assert scheduler_access(address).security is None, address
    for address in (OFF_LOOPBACK, "sched.example.org:8786", "ws://10.0.0.1:8786",
                    "tcp://[2001:db8::1]:8786", "tcp://:8786", "tcp://127.example.org:8786"):
        with pytest.raises(AutograderError, match="--allow-insecure-scheduler"):
            scheduler_access(address)
    assert scheduler_access(OFF_LOOPBACK, allow_insecure=True).address == OFF_LOOPBACK
    monkeypatch.setenv("AUTOGRADER_SCHEDULER", OFF_LOOPBACK)  # the variable is checked too
    with pytest.raises(AutograderError, match="--allow-insecure-scheduler"):
        scheduler_access()
    assert not is_loopback("0.0.0.0")


def test_a_tls_scheduler_needs_the_three_files(certs, monkeypatch, tmp_path):
    address = "tls://127.0.0.1:8786"
    client = {"tls_ca_file": certs.ca, "tls_cert": certs.cert("client"),
              "tls_key": certs.key("client")}
    with pytest.raises(AutograderError, match="--tls-cert, --tls-key") as missing:
        scheduler_access(address, tls_ca_file=certs.ca)
    assert "\n" not in str(missing.value) and "autograder certificates" in str(missing.value)
    access = scheduler_access(address, **client)
    assert access.encrypted and access.security.require_encryption
    assert access.security.tls_client_key == str(certs.key("client"))
    monkeypatch.setenv("HOME", str(certs.folder.parent))  # "~/tls/..." as a shell would
    tilde = {name: f"~/{certs.folder.name}/{path.name}" for name, path in client.items()}
    assert scheduler_access(address, **tilde).security.tls_ca_file == str(certs.ca)

    for name, path in client.items():  # the variables, as AUTOGRADER_SCHEDULER for --scheduler
        monkeypatch.setenv(TLS_OPTIONS[name][1], str(path))
    assert scheduler_access(address).encrypted
    with pytest.raises(AutograderError, match="tls://"):  # files with a plain address
        scheduler_access("tcp://127.0.0.1:8786")
    monkeypatch.delenv("AUTOGRADER_TLS_KEY")

    with pytest.raises(AutograderError, match="--scheduler"):
        scheduler_access(None, **client)
    with pytest.raises(AutograderError, match="no se puede leer --tls-key"):
        scheduler_access(address, **{**client, "tls_key": tmp_path / "nowhere.pem"})
    with pytest.raises(AutograderError, match="no forman un certificado"):
        scheduler_access(address, **{**client, "tls_key": certs.key("worker")})
    shared = tmp_path / "shared-key.pem"
    shared.write_bytes(certs.key("client").read_bytes())
    shared.chmod(0o644)
    with pytest.raises(AutograderError, match="chmod 600"):
        scheduler_access(address, **{**client, "tls_key": shared})


def test_a_tls_scheduler_without_the_files_is_one_line_and_exit_2(tiny_class, capsys):
    status, lines = grade_command(tiny_class.course, "--scheduler", "tls://127.0.0.1:8786",
                                  capsys=capsys)
    assert status == 2 and len(lines) == 1 and "--tls-ca-file" in lines[0], lines
