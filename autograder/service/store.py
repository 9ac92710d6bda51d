"""The service's persistent state: tokens, every upload as it came, the grading queue.

One SQLite file, service/service.db in the course folder, plus the uploads' bytes under
service/uploads/. An upload is written and fsynced, then its row committed, and only then is it
answered "accepted": a kill at any moment loses nothing accepted. A submission's status moves
queued -> grading -> graded | failed; a row left in "grading" by a killed service goes back to
the queue (or, when its result was already stored, is only recorded) on the next start.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY, who TEXT NOT NULL, role TEXT NOT NULL,
    name TEXT, email TEXT, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS submissions (
    id TEXT PRIMARY KEY, student TEXT NOT NULL, assignment TEXT NOT NULL,
    filename TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    received_at TEXT NOT NULL, late INTEGER NOT NULL, counts INTEGER NOT NULL,
    status TEXT NOT NULL, result TEXT, seconds REAL, graded_at TEXT, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS by_student ON submissions (student, assignment, received_at);
CREATE INDEX IF NOT EXISTS by_status ON submissions (status, seq);
CREATE TABLE IF NOT EXISTS gradings (
    submission TEXT NOT NULL, finished_at TEXT NOT NULL, ok INTEGER NOT NULL);
"""

QUEUED, GRADING, GRADED, FAILED = "queued", "grading", "graded", "failed"
STUDENT, INSTRUCTOR = "student", "instructor"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def token_hash(token: str) -> str:
    """Tokens are 256 random bits: a plain SHA-256 is enough (no dictionary to guess from)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Holder:
    who: str  # student id, or "profesor"
    role: str
    name: str = ""
    email: str = ""


@dataclass
class Submission:
    id: str
    student: str
    assignment: str
    filename: str
    sha256: str
    size: int
    received_at: str
    late: bool
    counts: bool
    status: str
    result: dict | None
    seconds: float | None
    graded_at: str | None
    seq: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Submission:
        data = dict(row)
        data["result"] = json.loads(data["result"]) if data["result"] else None
        data["late"], data["counts"] = bool(data["late"]), bool(data["counts"])
        return cls(**data)

    @property
    def received(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.received_at)


class Store:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.uploads = self.folder / "uploads"
        self.uploads.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)  # students' work and the CSRF key: the owner's only
        self.path = self.folder / "service.db"
        self._lock = threading.Lock()  # one writer at a time: rate check + insert are atomic
        with self._connect() as db:
            db.executescript(SCHEMA)
            db.execute("PRAGMA journal_mode=WAL")

    @contextmanager
    def _connect(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self):
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # Tokens -----------------------------------------------------------------------------------

    def issue(self, who: str, role: str, name: str = "", email: str = "") -> str:
        """A new token for `who`; any earlier one of theirs stops working."""
        token = secrets.token_urlsafe(32)
        with self.transaction() as db:
            db.execute("UPDATE tokens SET revoked_at = ? WHERE who = ? AND role = ? AND "
                       "revoked_at IS NULL", (now().isoformat(), who, role))
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, NULL)",
                       (token_hash(token), who, role, name, email, now().isoformat()))
        return token

    def revoke(self, who: str) -> int:
        with self.transaction() as db:
            return db.execute("UPDATE tokens SET revoked_at = ? WHERE who = ? AND "
                              "revoked_at IS NULL", (now().isoformat(), who)).rowcount

    def holders(self, role: str) -> set[str]:
        with self._connect() as db:
            rows = db.execute("SELECT who FROM tokens WHERE role = ? AND revoked_at IS NULL",
                              (role,)).fetchall()
        return {row["who"] for row in rows}

    def holder(self, token: str) -> Holder | None:
        if not token or len(token) > 200:
            return None
        with self._connect() as db:
            row = db.execute("SELECT who, role, name, email FROM tokens WHERE hash = ? AND "
                             "revoked_at IS NULL", (token_hash(token),)).fetchone()
        return Holder(row["who"], row["role"], row["name"] or "", row["email"] or "") if row \
            else None

    def person(self, student: str) -> Holder | None:
        with self._connect() as db:
            row = db.execute("SELECT who, role, name, email FROM tokens WHERE who = ? AND "
                             "role = ? ORDER BY created_at DESC LIMIT 1",
                             (student, STUDENT)).fetchone()
        return Holder(row["who"], row["role"], row["name"] or "", row["email"] or "") if row \
            else None

    # Uploads and queue ------------------------------------------------------------------------

    def upload_path(self, submission_id: str) -> Path:
        return self.uploads / f"{submission_id}.ipynb"

    def accept(self, student: str, assignment: str, filename: str, data: bytes,
               received: datetime.datetime, late: bool, counts: bool, allowed) -> Submission:
        """Store the bytes (fsynced) and queue them. `allowed(recent_times)` -> None or the
        refusal to raise (the rate limit), decided under the same lock as the insert."""
        submission_id = secrets.token_urlsafe(12)
        path = self.upload_path(submission_id)
        with self.transaction() as db:
            hour_ago = (received - datetime.timedelta(hours=1)).isoformat()
            recent = [datetime.datetime.fromisoformat(row["received_at"]) for row in db.execute(
                "SELECT received_at FROM submissions WHERE student = ? AND assignment = ? AND "
                "received_at > ? ORDER BY received_at", (student, assignment, hour_ago))]
            refusal = allowed(recent)
            if refusal is not None:
                raise refusal
            with open(path, "xb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions").fetchone()[0]
            db.execute("INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,NULL,NULL,NULL,?)",
                       (submission_id, student, assignment, filename,
                        hashlib.sha256(data).hexdigest(), len(data), received.isoformat(),
                        int(late), int(counts), QUEUED, seq))
        directory = os.open(self.uploads, os.O_RDONLY)  # the file's name is durable too
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return self.get(submission_id)

    def get(self, submission_id: str) -> Submission | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
        return Submission.from_row(row) if row else None

    def of_student(self, student: str) -> list[Submission]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM submissions WHERE student = ? ORDER BY seq DESC",
                              (student,)).fetchall()
        return [Submission.from_row(row) for row in rows]

    def all(self, assignment: str | None = None) -> list[Submission]:
        with self._connect() as db:
            if assignment:
                rows = db.execute("SELECT * FROM submissions WHERE assignment = ? ORDER BY seq",
                                  (assignment,)).fetchall()
            else:
                rows = db.execute("SELECT * FROM submissions ORDER BY seq").fetchall()
        return [Submission.from_row(row) for row in rows]

    def with_status(self, *statuses: str) -> list[Submission]:
        marks = ",".join("?" * len(statuses))
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM submissions WHERE status IN ({marks}) ORDER BY seq",
                              statuses).fetchall()
        return [Submission.from_row(row) for row in rows]

    def claim(self, busy: set[tuple[str, str]]) -> Submission | None:
        """The oldest queued submission whose student has none of that assignment in grading
        (a student's submissions are graded in the order they came), marked as grading."""
        with self.transaction() as db:
            for row in db.execute("SELECT * FROM submissions WHERE status = ? ORDER BY seq",
                                  (QUEUED,)).fetchall():
                if (row["student"], row["assignment"]) in busy:
                    continue
                db.execute("UPDATE submissions SET status = ? WHERE id = ?", (GRADING, row["id"]))
                return Submission.from_row(row)
        return None

    def save_result(self, submission_id: str, result: dict, ok: bool) -> None:
        """The result, stored before it is recorded in the gradebook (a kill in between only
        records it again on restart: recording sets values, it never adds)."""
        with self.transaction() as db:
            db.execute("UPDATE submissions SET result = ?, seconds = ?, graded_at = ? WHERE id = ?",
                       (json.dumps(result), result.get("seconds"), now().isoformat(),
                        submission_id))
            db.execute("INSERT INTO gradings VALUES (?, ?, ?)",
                       (submission_id, now().isoformat(), int(ok)))

    def finish(self, submission_id: str, status: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE submissions SET status = ? WHERE id = ?", (status, submission_id))

    def requeue_unfinished(self) -> list[Submission]:
        """On start: grading rows without a result go back to the queue; those with one are
        returned, to be recorded."""
        with self.transaction() as db:
            db.execute("UPDATE submissions SET status = ? WHERE status = ? AND result IS NULL",
                       (QUEUED, GRADING))
            rows = db.execute("SELECT * FROM submissions WHERE status = ?", (GRADING,)).fetchall()
        return [Submission.from_row(row) for row in rows]

    def gradings(self) -> dict[str, int]:
        """submission id -> how many gradings finished for it (exactly one, normally)."""
        with self._connect() as db:
            rows = db.execute("SELECT submission, COUNT(*) AS n FROM gradings "
                              "GROUP BY submission").fetchall()
        return {row["submission"]: row["n"] for row in rows}

    def measured_seconds(self, last: int = 20) -> list[float]:
        with self._connect() as db:
            rows = db.execute("SELECT seconds FROM submissions WHERE seconds IS NOT NULL "
                              "ORDER BY graded_at DESC LIMIT ?", (last,)).fetchall()
        return [row["seconds"] for row in rows if row["seconds"]]

    def secret(self) -> bytes:
        """The server's key for CSRF tokens, made once (readable by its owner only)."""
        path = self.folder / "secret.key"
        if not path.is_file():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(secrets.token_bytes(32))
        return path.read_bytes()
