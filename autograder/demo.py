"""`autograder demo`: the whole instructor pipeline on a made-up class, in a throw-away folder.

Copies the course (exercises/ and nbgrader_config.py) to OUT, releases every assignment, builds a
Moodle "download all submissions" zip for 01-autoencoder with five students — a complete
reference submission, a blank one, a partial one saved under another file name, one with a bug,
and a corrupt notebook — plus a roster, then collects, grades in parallel, writes feedback,
exports and reports, and says where each output is.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.batch.grade import grade
from autograder.course import AutograderError
from autograder.intake.collect import collect
from autograder.intake.release import release
from autograder.outputs.export import export
from autograder.outputs.feedback import feedback
from autograder.outputs.report import report

DEMO_ASSIGNMENT = "01-autoencoder"
MARKER = ".autograder-demo"
_SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")

# a plausible mistake: summed instead of averaged squared error per example
BUGGY_CELLS = {
    "reconstruction_error": (
        "def reconstruction_error(model, x):\n"
        '    """Error cuadrático de reconstrucción de cada ejemplo de x, forma (n,)."""\n'
        '    x = np.asarray(x, dtype="float32")\n'
        "    reconstructions = model.predict(x, verbose=0)\n"
        "    return np.sum(np.square(x - reconstructions), axis=1)  # suma, no media\n"
    ),
}
# the partial submission stops after the first training
PARTIAL_UNTIL = "train_autoencoder"


@dataclass
class Student:
    name: str
    moodle_id: str
    login: str
    kind: str  # complete, blank, partial, bug, broken
    file_name: str = f"{DEMO_ASSIGNMENT}.ipynb"


STUDENTS = [
    Student("Ana García López", "1001", "ana.garcia", "complete"),
    Student("Bruno Díaz Sanz", "1002", "bruno.diaz", "blank"),
    Student("Carmen Ruiz Gil", "1003", "carmen.ruiz", "partial", "01-autoencoder (1).ipynb"),
    Student("David Fernández Mora", "1004", "david.fernandez", "bug"),
    Student("Elena Martín Vidal", "1005", "elena.martin", "broken"),
]


def demo(
    course_dir: str | os.PathLike = ".",
    *,
    out: str | os.PathLike = "demo-class",
    workers: int | None = None,
    say=print,
) -> dict[str, Path]:
    """Run the pipeline on a demo class in `out` (recreated); return the outputs' paths."""
    source, out = Path(course_dir).resolve(), Path(out).resolve()
    if not (source / "nbgrader_config.py").is_file():
        raise AutograderError(
            f"{source} no es la carpeta de un curso (no tiene nbgrader_config.py)")
    _fresh_folder(out)
    shutil.copytree(source / "exercises", out / "exercises")
    shutil.copy(source / "nbgrader_config.py", out / "nbgrader_config.py")

    started = time.monotonic()
    say("1/7 release: versiones de estudiante de cada ejercicio")
    released = release(out)
    say("2/7 clase de ejemplo: zip de Moodle con 5 entregas y lista de clase")
    moodle_zip, roster = build_class(out)
    say("3/7 collect: entregas del zip a submitted/")
    collected = collect(moodle_zip, DEMO_ASSIGNMENT, out, roster=roster)
    for student in collected.students:
        for problem in student.problems:
            say(f"    {student.student}: {problem.message}")
    say("4/7 grade: corrección automática en paralelo")
    graded = grade(out, [DEMO_ASSIGNMENT], workers=workers)
    say("5/7 feedback: un informe por estudiante")
    pages = feedback(out, [DEMO_ASSIGNMENT])
    say("6/7 export: notas para Canvas y Moodle")
    exported = export(out, [DEMO_ASSIGNMENT])
    say("7/7 report: informe de la clase")
    written = report(out, [DEMO_ASSIGNMENT])

    outputs = {
        "versiones de estudiante (un zip por ejercicio)": released[0].zip_path.parent,
        "zip de Moodle de la clase de ejemplo": moodle_zip,
        "libro de notas (nbgrader)": out / "gradebook.db",
        "notebooks ejecutados": out / "autograded",
        "informes de los estudiantes": pages.index,
        "zip de informes para Moodle": pages.moodle_zips[0] if pages.moodle_zips else pages.index,
        "notas para Canvas": exported.canvas,
        "notas para el libro de Moodle": exported.moodle_gradebook,
        "notas en JSON": exported.json,
        "informe de la clase": written.html,
    }
    say("")
    for result in sorted(graded.graded, key=lambda r: r.student):
        codes = ", ".join(sorted({p.code for p in result.all_problems}))
        say(f"  {result.student:<16} {result.points:>4g} / {result.max_points:g}"
            + (f"   ({codes})" if codes else ""))
    say(f"\nDemo terminada en {time.monotonic() - started:.0f} s "
        f"(corrección: {graded.seconds:.0f} s). Resultados:")
    for label, path in outputs.items():
        say(f"  {label + ':':<40} {os.path.relpath(path)}")
    return outputs


def _fresh_folder(out: Path) -> None:
    if out.exists():
        if not (out / MARKER).is_file():
            raise AutograderError(
                f"{out} ya existe y no es una carpeta de demostración: elige otro --out")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by `autograder demo`; deleted by the next one\n")


def solution_sources(source_notebook: Path) -> dict[str, str]:
    """grade_id -> what a student who solved it would have in each answer cell."""
    nb = nbformat.read(source_notebook, as_version=4)
    return {
        cell.metadata.nbgrader["grade_id"]: "\n".join(
            line for line in cell.source.splitlines() if not _SOLUTION_MARKER.match(line)
        )
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def submission(release_notebook: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(release_notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _answers(kind: str, solutions: dict[str, str]) -> dict[str, str]:
    if kind == "blank":
        return {}
    if kind == "partial":
        names = list(solutions)
        return {name: solutions[name] for name in names[: names.index(PARTIAL_UNTIL) + 1]}
    if kind == "bug":
        return {**solutions, **BUGGY_CELLS}
    return dict(solutions)


def build_class(out: Path) -> tuple[Path, Path]:
    """The demo's Moodle zip and roster CSV, written in `out`."""
    solutions = solution_sources(out / "exercises" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb")
    release_notebook = out / "release" / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.ipynb"
    moodle_zip = out / f"moodle-{DEMO_ASSIGNMENT}.zip"
    with zipfile.ZipFile(moodle_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for student in STUDENTS:
            nb = submission(release_notebook, _answers(student.kind, solutions))
            data = nbformat.writes(nb).encode()
            if student.kind == "broken":
                data = data[: len(data) // 2]  # an interrupted upload
            folder = f"{student.name}_{student.moodle_id}_assignsubmission_file_"
            archive.writestr(f"{folder}/{student.file_name}", data)
    roster = out / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "email", "moodle_id"])
        for student in STUDENTS:
            writer.writerow([student.login, student.name, f"{student.login}@alumnos.upm.es",
                             student.moodle_id])
    return moodle_zip, roster
