"""Rosters as people save them (Excel on a Spanish Windows, LibreOffice, Google Sheets), and
sources that hold no submission."""

from __future__ import annotations

import csv
import io
import zipfile

import nbformat
import pytest

from autograder.api import AutograderError, collect
from autograder.cli import main
from autograder.intake.roster import Roster

PEOPLE = [  # id, surname, name, email, Moodle participant
    ("ana.garcia", "García López", "Ana", "ana@upm.es", "1001"),
    ("b.munoz", "Muñoz Ibáñez", "Begoña", "begona@upm.es", "1002"),
    ("c.nunez", "Núñez, Peña", "Çelia", "celia@upm.es", "1003"),  # a comma inside a field
]


def _roster_text(delimiter: str) -> str:
    rows = [["ID", "Apellidos", "Nombre", "Dirección de correo", "Identificador"]]
    rows += [[i, s, n, e, f"Participante {m}"] for i, s, n, e, m in PEOPLE]
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return stream.getvalue()


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("cp1252", ";"),  # Excel, "CSV (delimitado por comas)" on a Spanish Windows
        ("latin_1", ";"),
        ("utf-8", ","),  # LibreOffice, Google Sheets
        ("utf-8-sig", ";"),  # Excel, "CSV UTF-8"
        ("utf-16", "\t"),  # Excel, "Texto Unicode"
        ("utf-8", "\t"),
    ],
)
def test_a_roster_is_read_whatever_its_encoding_and_delimiter(tmp_path, encoding, delimiter):
    path = tmp_path / "lista.csv"
    path.write_bytes(_roster_text(delimiter).encode(encoding))

    people = Roster.read(path).people

    assert [(p.id, p.last_name, p.first_name, p.email, p.moodle_id) for p in people] == PEOPLE
    if encoding == "cp1252":  # the bytes are not UTF-8: it really had to detect the encoding
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"id;nombre;correo\r\n", "solo tiene la cabecera"),
        (b"nombre;correo\nAna;ana@upm.es\n", "no tiene columna de id"),
        (b"", "vac\u00eda"),
        (b"PK\x03\x04 un xlsx", "libro de Excel"),
    ],
)
def test_a_bad_roster_is_one_clear_line(tiny_class, tmp_path, capsys, content, message):
    roster = tmp_path / "lista.csv"
    roster.write_bytes(content)
    source = tmp_path / "entregas" / "ana.garcia"
    source.mkdir(parents=True)
    nbformat.write(tiny_class.complete(), source / "tiny.ipynb")

    status = main(["collect", str(source.parent), "-a", "tiny", "--roster", str(roster),
                   "--course-dir", str(tiny_class.course)])

    err = capsys.readouterr().err
    assert status == 2 and message in err and err.strip().count("\n") == 0


def test_a_cp1252_roster_matches_a_moodle_zip(tiny_class, tmp_path):
    archive = tmp_path / "descarga.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for _, surname, name, _, number in PEOPLE[:2]:
            zipped.writestr(f"{name} {surname}_{number}_assignsubmission_file_/tiny.ipynb",
                            nbformat.writes(tiny_class.complete()))
    roster = tmp_path / "lista.csv"
    roster.write_bytes(_roster_text(";").encode("cp1252"))

    report = collect(archive, "tiny", tiny_class.course, roster=roster)

    assert {s.student: s.name for s in report.students} == {
        "ana.garcia": "Ana García López", "b.munoz": "Begoña Muñoz Ibáñez"}
    assert report.missing == ["c.nunez"] and not report.problems


def test_a_source_without_any_notebook_is_an_error_not_a_student(tiny_class, tmp_path):
    archive = tmp_path / "descarga.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("apuntes/tema1.pdf", b"%PDF-1.4")
    with pytest.raises(AutograderError, match="no contiene ningún notebook"):
        collect(archive, "tiny", tiny_class.course)
    assert not (tiny_class.course / "submitted").exists()


def test_a_folder_without_notebook_is_reported_not_turned_into_a_student(tiny_class, tmp_path):
    archive = tmp_path / "entregas.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ana.garcia/tiny.ipynb", nbformat.writes(tiny_class.complete()))
        zipped.writestr("material/enunciado.pdf", b"%PDF-1.4")
        # a real Moodle participant who handed in only a PDF is still a student (gets a 0)
        zipped.writestr("David Mora_1004_assignsubmission_file_/memoria.pdf", b"%PDF-1.4")

    report = collect(archive, "tiny", tiny_class.course)

    assert {s.student for s in report.students} == {"ana.garcia", "1004"}
    assert [p.code for p in report.problems] == ["not_a_submission"]
    assert "material" in report.problems[0].message
    assert not (tiny_class.course / "submitted" / "material").exists()


@pytest.mark.slow
def test_a_class_not_from_moodle_gets_no_moodle_feedback_zip(tiny_class, tmp_path, capsys):
    from autograder.api import grade

    source = tmp_path / "entregas"
    (source / "ana.garcia").mkdir(parents=True)
    nbformat.write(tiny_class.complete(), source / "ana.garcia" / "tiny.ipynb")
    roster = tmp_path / "lista.csv"  # participant numbers known: the worksheet can be mapped
    roster.write_bytes(_roster_text(";").encode("cp1252"))
    collect(source, "tiny", tiny_class.course, roster=roster)
    grade(tiny_class.course, workers=1, show_progress=False)

    assert main(["publish", "--course-dir", str(tiny_class.course)]) == 0

    out = capsys.readouterr().out
    assert not (tiny_class.course / "feedback" / "tiny-moodle.zip").exists()
    assert "zip" not in out  # nothing announced that Moodle could not map back to students
    assert (tiny_class.course / "export" / "tiny-moodle-worksheet.csv").is_file()
