"""`autograder collect`: a Moodle "download all submissions" zip made here, a folder per student,
a roster, every kind of problem, and originals left untouched."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.api import AutograderError, collect

ASSIGNMENT = "tiny"


def moodle_folder(name: str, participant: int) -> str:
    return f"{name}_{participant}_assignsubmission_file_"


def make_moodle_zip(path: Path, tiny_class) -> dict[str, bytes]:
    """The zip a Moodle assignment's "Download all submissions" gives, with every problem."""
    good = nbformat.writes(tiny_class.complete()).encode()
    blank = nbformat.writes(tiny_class.notebook()).encode()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("entrega/tiny.ipynb", good)
    files = {
        f"{moodle_folder('Ana García López', 1001)}/tiny.ipynb": good,
        f"{moodle_folder('Bruno Díaz', 1002)}/Copia de tiny.ipynb": blank,
        f"{moodle_folder('Carmen Ruiz', 1003)}/tiny.ipynb": good,
        f"{moodle_folder('Carmen Ruiz', 1003)}/borrador.ipynb": blank,
        f"{moodle_folder('David Fernández', 1004)}/memoria.pdf": b"%PDF-1.4 no es un cuaderno",
        f"{moodle_folder('Elena Martín', 1005)}/tiny.ipynb": good[: len(good) // 2],
        f"{moodle_folder('Fede Gil', 1006)}/tiny.ipynb": b"\x89PNG\r\n\x1a\n binario",
        f"{moodle_folder('Gema Sanz', 1007)}/entrega.zip": inner.getvalue(),
        "Gema Sanz_1007_assignsubmission_onlinetext_/onlinetext.html": b"<p>hola</p>",
        "Hugo Mora_1008_assignsubmission_file_tiny.ipynb": good,  # Moodle's flat layout
        "notas-del-profesor.txt": b"fuera de toda carpeta",
        "__MACOSX/._basura": b"",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return files


ROSTER = """id,Apellidos,Nombre,Email,moodle_id
ana.garcia,García López,Ana,ana@upm.es,1001
bruno.diaz,Díaz,Bruno,bruno@upm.es,Participant 1002
carmen.ruiz,Ruiz,Carmen,carmen@upm.es,
david.fernandez,Fernandez,David,david@upm.es,
elena.martin,Martín,Elena,elena@upm.es,1005
fede.gil,Gil,Fede,fede@upm.es,1006
gema.sanz,Sanz,Gema,gema@upm.es,1007
hugo.mora,Mora,Hugo,hugo@upm.es,1008
irene.sol,Sol,Irene,irene@upm.es,1009
"""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_moodle_zip_with_roster_is_collected_with_every_problem_listed(tiny_class, tmp_path):
    archive = tmp_path / "descarga.zip"
    files = make_moodle_zip(archive, tiny_class)
    roster = tmp_path / "lista.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    original = (_digest(archive), archive.stat().st_mtime, _digest(roster))

    report = collect(archive, ASSIGNMENT, tiny_class.course, roster=roster)

    assert (_digest(archive), archive.stat().st_mtime, _digest(roster)) == original
    students = {s.student: s for s in report.students}
    assert set(students) == {"ana.garcia", "bruno.diaz", "carmen.ruiz", "david.fernandez",
                             "elena.martin", "fede.gil", "gema.sanz", "hugo.mora"}
    assert report.missing == ["irene.sol"]
    codes = {student: {p.code for p in s.problems} for student, s in students.items()}
    assert codes == {
        "ana.garcia": set(),
        "bruno.diaz": {"wrong_file_name"},
        "carmen.ruiz": {"several_notebooks"},  # matched by name: no participant number
        "david.fernandez": {"no_notebook"},
        "elena.martin": {"corrupt_json"},
        "fede.gil": {"not_a_notebook"},
        "gema.sanz": set(),  # found inside the zip she uploaded
        "hugo.mora": set(),
    }
    assert [p.code for p in report.problems] == ["outside_folder"]

    submitted = tiny_class.course / "submitted"
    good = files[f"{moodle_folder('Ana García López', 1001)}/tiny.ipynb"]
    assert (submitted / "ana.garcia" / ASSIGNMENT / "tiny.ipynb").read_bytes() == good
    assert (submitted / "carmen.ruiz" / ASSIGNMENT / "tiny.ipynb").read_bytes() == good
    assert (submitted / "gema.sanz" / ASSIGNMENT / "tiny.ipynb").read_bytes() == good
    assert (submitted / "hugo.mora" / ASSIGNMENT / "tiny.ipynb").read_bytes() == good
    assert not (submitted / "david.fernandez" / ASSIGNMENT / "tiny.ipynb").exists()
    assert (submitted / "ana.garcia" / ASSIGNMENT / "timestamp.txt").is_file()

    manifest = json.loads((tiny_class.course / "grading" / ASSIGNMENT / "collect.json")
                          .read_text(encoding="utf-8"))
    assert manifest["students"]["ana.garcia"]["moodle_id"] == "1001"
    assert manifest["students"]["ana.garcia"]["folder"] == moodle_folder("Ana García López", 1001)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tiny_class.course / 'gradebook.db'}") as gradebook:
        ana = gradebook.find_student("ana.garcia")
        assert (ana.first_name, ana.last_name, ana.email) == ("Ana", "García López", "ana@upm.es")


def test_moodle_zip_without_roster_uses_participant_numbers(tiny_class, tmp_path):
    archive = tmp_path / "descarga.zip"
    make_moodle_zip(archive, tiny_class)

    report = collect(archive, ASSIGNMENT, tiny_class.course)

    students = {s.student: s for s in report.students}
    assert set(students) == {str(n) for n in range(1001, 1009)}
    assert students["1001"].name == "Ana García López"
    assert not any(p.code == "not_in_roster" for s in report.students for p in s.problems)


def test_recollecting_the_same_zip_changes_nothing(tiny_class, tmp_path):
    archive = tmp_path / "descarga.zip"
    make_moodle_zip(archive, tiny_class)
    collect(archive, ASSIGNMENT, tiny_class.course)
    submitted = tiny_class.course / "submitted"
    first = {p: p.read_bytes() for p in submitted.rglob("*") if p.is_file()}

    collect(archive, ASSIGNMENT, tiny_class.course)

    assert {p: p.read_bytes() for p in submitted.rglob("*") if p.is_file()} == first


def test_folder_per_student_and_roster_name_matching(tiny_class, tmp_path):
    source = tmp_path / "entregas"
    (source / "ana.garcia").mkdir(parents=True)
    nbformat.write(tiny_class.complete(), source / "ana.garcia" / "tiny.ipynb")
    (source / "Bruno Díaz" / ".ipynb_checkpoints").mkdir(parents=True)
    nbformat.write(tiny_class.notebook(), source / "Bruno Díaz" / "tiny.ipynb")
    nbformat.write(tiny_class.notebook(), source / "Bruno Díaz" / ".ipynb_checkpoints" /
                   "tiny-checkpoint.ipynb")
    (source / "desconocido").mkdir()
    nbformat.write(tiny_class.notebook(), source / "desconocido" / "tiny.ipynb")
    roster = tmp_path / "lista.csv"
    roster.write_text("ID;Nombre completo;Correo\nana.garcia;Ana García;ana@upm.es\n"
                      "b.diaz;Díaz, Bruno;bruno@upm.es\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}

    report = collect(source, ASSIGNMENT, tiny_class.course, roster=roster)

    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before
    students = {s.student: s for s in report.students}
    assert set(students) == {"ana.garcia", "b.diaz", "desconocido"}
    assert not students["b.diaz"].problems  # the checkpoint copy is not a second notebook
    assert [p.code for p in report.problems] == ["not_in_roster"]


@pytest.mark.parametrize("source", ["no-such.zip", "not-a-zip.zip", "empty-folder"])
def test_unusable_source_is_a_clear_error(tiny_class, tmp_path, source):
    (tmp_path / "not-a-zip.zip").write_text("hola")
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(AutograderError):
        collect(tmp_path / source, ASSIGNMENT, tiny_class.course)


def test_collect_cli_reports_problems_and_bad_input_exits_2(tiny_class, tmp_path):
    archive = tmp_path / "descarga.zip"
    make_moodle_zip(archive, tiny_class)

    ok = tiny_class.cli("collect", str(archive), "-a", ASSIGNMENT)
    assert ok.returncode == 0, ok.stderr
    assert "8 entrega(s) de tiny recogida(s)" in ok.stdout
    assert "no es JSON válido" in ok.stdout

    unknown = tiny_class.cli("collect", str(archive), "-a", "no-existe")
    assert unknown.returncode == 2
    assert unknown.stderr.strip().count("\n") == 0 and "tarea desconocida" in unknown.stderr
