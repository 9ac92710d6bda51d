"""The class list (optional CSV) and how a submission folder is matched to a student in it.

Accepted columns (case and accents ignored; only an id column is required):

    id | student_id | username | idnumber     the id used in the gradebook
    name | full name | nombre                 or first_name + last_name (nombre / apellidos)
    email | email address | correo
    moodle_id | participant | identifier      Moodle's participant number ("Participant 123" ok)

Folders are matched by Moodle participant number first, then by id, then by name (word order,
case and accents ignored, so "García López, Ana" matches "Ana García López").

A roster is read as people save it: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode text"),
cp1252 / Latin-1 (Excel on a Spanish Windows), with `,`, `;` or tab between columns. The
encoding is a byte-order mark when there is one, else strict UTF-8, else charset-normalizer's
verdict among the encodings rosters come in: left free, it reads "Muñoz" saved by Excel as
cp1250 ("Muńoz"), since a few accented letters cannot tell those code pages apart. The delimiter
is csv.Sniffer's (standard library) over the first lines, limited to the three above.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from autograder.course import AutograderError

ROSTER_ENCODINGS = ["utf_8", "utf_16", "cp1252", "latin_1"]  # what rosters are saved in
ROSTER_DELIMITERS = ",;\t"

_COLUMNS = {
    "id": ("id", "student_id", "studentid", "username", "idnumber", "id number", "usuario"),
    "name": ("name", "full name", "fullname", "nombre completo", "student", "alumno"),
    "first_name": ("first_name", "first name", "firstname", "nombre"),
    "last_name": ("last_name", "last name", "lastname", "surname", "apellidos", "apellido"),
    "email": ("email", "email address", "e-mail", "correo", "correo electronico",
              "direccion de correo"),
    "moodle_id": ("moodle_id", "participant", "participante", "identifier", "identificador"),
}


@dataclass
class Person:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    moodle_id: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def name_key(name: str) -> tuple[str, ...]:
    """Words of a name without accents, case or order: the same person however it is written."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return tuple(sorted(re.findall(r"[a-z0-9]+", plain)))


def split_name(full_name: str) -> tuple[str, str]:
    """'Ana García López' and 'García López, Ana' -> ('Ana', 'García López')."""
    if "," in full_name:
        last, first = (part.strip() for part in full_name.split(",", 1))
        return first, last
    words = full_name.split()
    return (words[0], " ".join(words[1:])) if words else ("", "")


def safe_id(text: str) -> str:
    """A student id usable as a folder name and in the gradebook."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", plain).strip("._") or "sin_id"


class Roster:
    def __init__(self, people: list[Person]):
        self.people = people
        self.by_id = {p.id: p for p in people}
        self.by_moodle = {p.moodle_id: p for p in people if p.moodle_id}
        self.by_name: dict[tuple[str, ...], list[Person]] = {}
        for person in people:
            if person.full_name:
                self.by_name.setdefault(name_key(person.full_name), []).append(person)

    @classmethod
    def read(cls, path: str | Path) -> Roster:
        path = Path(path)
        if not path.is_file():
            raise AutograderError(f"no existe la lista de clase {path}")
        lines = [line for line in _lines(path) if line.strip()]
        if not lines:
            raise AutograderError(f"la lista de clase {path} está vacía")
        rows = list(csv.reader(lines, dialect=_dialect(path, lines)))
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        header = {_plain(column): column for column in rows[0]}
        columns = {
            field: next((header[_plain(a)] for a in aliases if _plain(a) in header), None)
            for field, aliases in _COLUMNS.items()
        }
        if columns["id"] is None:
            raise AutograderError(
                f"la lista de clase {path} no tiene columna de id (una de: "
                f"{', '.join(_COLUMNS['id'])}); su cabecera es: {'; '.join(rows[0])}")
        records = [dict(zip(rows[0], row)) for row in rows[1:]]
        people = [_person(row, columns) for row in records
                  if (row.get(columns["id"]) or "").strip()]
        if not people:
            raise AutograderError(
                f"la lista de clase {path} solo tiene la cabecera: ningún estudiante con id")
        return cls(people)

    def match(self, *, folder_id: str = "", moodle_id: str = "", name: str = "") -> Person | None:
        """The person a submission folder belongs to, or None (unknown or ambiguous)."""
        if moodle_id and moodle_id in self.by_moodle:
            return self.by_moodle[moodle_id]
        if folder_id and folder_id in self.by_id:
            return self.by_id[folder_id]
        candidates = self.by_name.get(name_key(name), []) if name else []
        return candidates[0] if len(candidates) == 1 else None


def _plain(text: str) -> str:
    """A column name without accents, case, underscores or extra spaces."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(text.casefold().replace("_", " ").split())


def _person(row: dict, columns: dict) -> Person:
    def value(field: str) -> str:
        column = columns[field]
        return (row.get(column) or "").strip() if column else ""

    first, last = value("first_name"), value("last_name")
    if not (first or last) and value("name"):
        first, last = split_name(value("name"))
    moodle = re.sub(r"\D", "", value("moodle_id"))  # "Participant 1234" -> "1234"
    return Person(safe_id(value("id")), first, last, value("email"), moodle)


def _lines(path: Path) -> list[str]:
    data = path.read_bytes()
    if data[:2] == b"PK" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise AutograderError(f"{path} es un libro de Excel: guárdalo como CSV "
                              "(Archivo > Guardar como > CSV) y vuelve a intentarlo")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _decoded(path, data, encoding).splitlines()
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=ROSTER_ENCODINGS).best()
    if best is None or "\x00" in str(best):
        raise AutograderError(f"no se puede leer {path} como texto: guárdalo como CSV en "
                              "UTF-8 (o el CSV de Excel) y vuelve a intentarlo")
    return str(best).splitlines()


def _decoded(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise AutograderError(f"{path} empieza como {encoding} pero no lo es: guárdalo de "
                              "nuevo como CSV en UTF-8") from None


def _dialect(path: Path, lines: list[str]):
    sample = "\n".join(lines[:20])
    try:
        return csv.Sniffer().sniff(sample, ROSTER_DELIMITERS)
    except csv.Error:
        if len(lines[:1]) and not any(d in lines[0] for d in ROSTER_DELIMITERS):
            return csv.excel  # a single column: an id per line
        raise AutograderError(f"no se reconoce el separador de {path}: usa «,», «;» o "
                              "tabulador entre columnas") from None
