"""`collect` keeps the files a student hands in next to the notebook, and says what it drops.

The validation run's case: a `numpy.py` beside the notebook vanished without a problem line,
while grading copies such files into the kernel's folder (as `nbgrader autograde` does).
"""

from __future__ import annotations

import zipfile

import nbformat

from autograder.api import collect
from autograder.batch.task import extra_files as files_for_the_kernel
from autograder.intake import extra_files

ASSIGNMENT = "tiny"


def hand_in(root, student: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_extra_files_travel_with_the_notebook_and_reach_the_kernels_folder(tiny_class, tmp_path):
    notebook = nbformat.writes(tiny_class.complete()).encode()
    root = tmp_path / "entregas"
    hand_in(root, "ana", {"tiny.ipynb": notebook, "numpy.py": b"x = 1\n",
                          "datos/pesos.csv": b"1,2\n"})
    hand_in(root, "bruno", {"entrega/tiny.ipynb": notebook, "entrega/utils.py": b"y = 2\n",
                            "otros/notas.txt": b"fuera", "entrega/timestamp.txt": b"hoy"})

    report = collect(root, ASSIGNMENT, tiny_class.course)

    students = {s.student: s for s in report.students}
    assert students["ana"].extra_files == ["datos/pesos.csv", "numpy.py"]
    assert students["ana"].problems == []
    assert students["bruno"].extra_files == ["utils.py"]
    dropped = {p.message for p in students["bruno"].problems if p.code == "dropped_files"}
    assert len(dropped) == 2
    assert any("«otros/notas.txt»" in m and "fuera de la carpeta del cuaderno" in m
               for m in dropped)
    assert any("«entrega/timestamp.txt»" in m for m in dropped)
    submitted = tiny_class.course / "submitted"
    assert (submitted / "ana" / ASSIGNMENT / "numpy.py").read_bytes() == b"x = 1\n"
    assert (submitted / "bruno" / ASSIGNMENT / "utils.py").read_bytes() == b"y = 2\n"
    assert (submitted / "bruno" / ASSIGNMENT / "timestamp.txt").read_text() != "hoy"

    # what a grading task carries into the kernel's folder (batch/task.build_task)
    shipped = [name for name, _ in files_for_the_kernel(submitted / "ana" / ASSIGNMENT)]
    assert {"numpy.py", "datos/pesos.csv"} <= set(shipped)


def test_a_later_submission_replaces_the_earlier_files_and_big_files_are_reported(
        tiny_class, tmp_path, monkeypatch):
    notebook = nbformat.writes(tiny_class.complete()).encode()
    first = tmp_path / "primera"
    hand_in(first, "ana", {"tiny.ipynb": notebook, "viejo.py": b"old\n"})
    collect(first, ASSIGNMENT, tiny_class.course)

    monkeypatch.setattr(extra_files, "MAX_EXTRA_MB", 1)
    second = tmp_path / "segunda.zip"
    with zipfile.ZipFile(second, "w") as archive:
        archive.writestr("ana/tiny.ipynb", notebook)
        archive.writestr("ana/modelo.keras", b"0" * (2 * 2**20))
        archive.writestr("ana/ayuda.py", b"z = 3\n")
    report = collect(second, ASSIGNMENT, tiny_class.course)

    folder = tiny_class.course / "submitted" / "ana" / ASSIGNMENT
    assert sorted(p.name for p in folder.iterdir()) == ["ayuda.py", "timestamp.txt", "tiny.ipynb"]
    [problem] = report.students[0].problems
    assert problem.code == "dropped_files" and "«modelo.keras»" in problem.message
    assert "1 MB" in problem.message
