"""`autograder tokens`: one secret personal link per student, one instructor link.

The link is BASE_URL/e/<token>; the same token is the student's `Authorization: Bearer` token
for the API. Only a hash of each token is stored (service/service.db): a lost link cannot be
read back, only re-issued, which also revokes the old one.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import AutograderError, Course
from autograder.intake.roster import Roster
from autograder.service.store import INSTRUCTOR, STUDENT, Store

DEFAULT_URL = "http://127.0.0.1:8000"
INSTRUCTOR_ID = "profesor"
LINKS_FILE = "enlaces.csv"


def service_dir(course: Course) -> Path:
    return course.root / "service"


def student_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/e/{token}"


def instructor_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/p/{token}"


@dataclass
class IssuedTokens:
    links_file: Path | None = None
    issued: list[str] = field(default_factory=list)  # students given a new link
    kept: list[str] = field(default_factory=list)  # students who already had one
    revoked: list[str] = field(default_factory=list)
    instructor_link: str = ""


def tokens(
    course_dir: str | os.PathLike = ".",
    *,
    roster: str | os.PathLike | None = None,
    base_url: str = DEFAULT_URL,
    out: str | os.PathLike | None = None,
    revoke: list[str] | None = None,
    reissue: list[str] | None = None,
    instructor: bool = False,
) -> IssuedTokens:
    """Issue links to the roster's students who have none (and an instructor link the first
    time), re-issue (`reissue`) or revoke (`revoke`) some students' links. The new links go to a
    CSV (id, name, email, link) for a mail merge, readable by its owner only."""
    course = Course.open(course_dir)
    store = Store(service_dir(course))
    if not (roster or revoke or reissue or instructor):
        raise AutograderError("indica --roster, --reissue, --revoke o --instructor")
    report = IssuedTokens()
    people = Roster.read(roster).people if roster else []
    known = {person.id: person for person in people}
    for student in revoke or []:
        if not store.revoke(student):
            raise AutograderError(f"{student} no tiene ningún enlace activo")
        report.revoked.append(student)
    rows = []
    holders = store.holders(STUDENT)
    for student in reissue or []:
        person = known.get(student) or store.person(student)
        if person is None:
            raise AutograderError(f"{student} no está en la lista de clase ni tiene enlace: "
                                  "indica --roster")
        name = getattr(person, "full_name", None) or getattr(person, "name", "")
        token = store.issue(student, STUDENT, name, person.email)
        rows.append((student, name, person.email, student_link(base_url, token)))
        report.issued.append(student)
    for person in people:
        if person.id in holders or person.id in report.issued:
            report.kept.append(person.id)
            continue
        token = store.issue(person.id, STUDENT, person.full_name, person.email)
        rows.append((person.id, person.full_name, person.email, student_link(base_url, token)))
        report.issued.append(person.id)
    if instructor or not store.holders(INSTRUCTOR):
        report.instructor_link = instructor_link(base_url, store.issue(INSTRUCTOR_ID, INSTRUCTOR))
    if rows:
        report.links_file = Path(out) if out else service_dir(course) / LINKS_FILE
        _write_links(report.links_file, rows)
    return report


def _write_links(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "email", "link"])
        writer.writerows(rows)
    temporary.replace(path)
