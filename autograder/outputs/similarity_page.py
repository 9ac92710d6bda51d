"""report/similarity-<assignment>.html and .csv: the similarity report's two files (their owner).

The page ranks the pairs by score and shows the flagged ones (and the next few below the
threshold) side by side, cell by cell, with the lines whose fingerprints match highlighted, as
MOSS and JPlag show them. The CSV has every pair scoring at least `run.LISTED`.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import numpy as np

from autograder.course import Course
from autograder.outputs.templates import render
from autograder.outputs.templates.similarity import SIMILARITY
from autograder.results import write_text_atomically
from autograder.similarity.compare import FLOOR, KINDS, Pair, Student
from autograder.similarity.fingerprints import CODE, METHODS, TEXT, clean
from autograder.similarity.works import OTHER_CELLS


def page_name(assignment: str, suffix: str) -> str:
    return f"similarity-{assignment}.{suffix}"


def write_pages(course: Course, result, out: Path | None) -> tuple[Path, Path]:
    from autograder.similarity.run import SHOWN_BELOW

    folder = out or course.root / "report"
    folder.mkdir(parents=True, exist_ok=True)
    labels = _labels(result)
    flagged = result.flagged
    shown = {id(p) for p in flagged + [p for p in result.pairs
                                       if p.score < result.threshold][:SHOWN_BELOW]}
    html = folder / page_name(result.assignment, "html")
    write_text_atomically(html, render(
        SIMILARITY,
        course=course.course_id,
        assignment=result.assignment,
        generated=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        result=result,
        rows=[_row(rank, pair, result.threshold) for rank, pair in enumerate(result.pairs, 1)
              if id(pair) in shown],
        details=[_details(rank, pair, labels, result.threshold)
                 for rank, pair in enumerate(result.pairs, 1) if id(pair) in shown],
        floor=FLOOR, methods=METHODS,
    ))
    path = folder / page_name(result.assignment, "csv")
    write_text_atomically(path, _csv(result, labels))
    return html, path


def _labels(result) -> list[str]:
    found = {label for pair in result.pairs for label in pair.by_cell}
    extra = sorted(label for label in found if label not in result.cells)
    return list(result.cells) + [label for label in extra if label.endswith(OTHER_CELLS)]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def _kind_score(pair: Pair, kind: str) -> float | None:
    """None when neither student wrote anything of that kind."""
    wrote = pair.a.written(kind) or pair.b.written(kind)
    return pair.by_kind[kind] if wrote else None


def _row(rank: int, pair: Pair, threshold: float) -> dict:
    return {"rank": rank, "a": pair.a.work.shown, "b": pair.b.work.shown,
            "earlier": pair.a.work.earlier or pair.b.work.earlier,
            "score": _percent(pair.score), "code": _percent(_kind_score(pair, CODE)),
            "text": _percent(_kind_score(pair, TEXT)), "flagged": pair.score >= threshold}


def _details(rank: int, pair: Pair, labels: list[str], threshold: float) -> dict:
    blocks = []
    for label in labels:
        left = _cells(pair.a, pair, 0, label)
        right = _cells(pair.b, pair, 1, label)
        if not left and not right:
            continue
        blocks.append({"label": label, "share": _percent(pair.by_cell.get(label)),
                       "matched": label in pair.by_cell and pair.by_cell[label] > 0,
                       "left": left, "right": right})
    return {"rank": rank, "row": _row(rank, pair, threshold), "blocks": blocks}


def _cells(student: Student, pair: Pair, side: int, label: str) -> list[dict]:
    """The student's cells under `label`: code as lines {text, hit}, a written answer as
    pieces {text, hit} (matched runs of words, the words between them included)."""
    cells = []
    for index, cell in enumerate(student.work.cells):
        if cell.label != label:
            continue
        source = clean(cell.source)
        prints = student.prints[cell.kind]
        covered = pair.matched[cell.kind][side][index]
        if cell.kind == TEXT:
            cells.append({"kind": TEXT, "pieces": _pieces(source, prints.spans[index], covered)})
            continue
        hit_lines = set(np.unique(prints.lines[index][covered]).tolist())
        cells.append({"kind": CODE, "lines": [
            {"text": line, "hit": number in hit_lines}
            for number, line in enumerate(source.split("\n"))]})
    return cells


def _pieces(source: str, spans: np.ndarray, covered: np.ndarray) -> list[dict]:
    pieces, done, index = [], 0, 0
    while index < len(covered):
        if not covered[index]:
            index += 1
            continue
        last = index
        while last + 1 < len(covered) and covered[last + 1]:
            last += 1
        start, end = int(spans[index][0]), int(spans[last][1])
        pieces += [{"text": source[done:start], "hit": False},
                   {"text": source[start:end], "hit": True}]
        done, index = end, last + 1
    return [*pieces, {"text": source[done:], "hit": False}]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _csv(result, labels: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["estudiante_a", "estudiante_b", "nombre_a", "nombre_b", "curso_anterior",
                     "puntuacion", "codigo", "respuestas_escritas", "revisar", *labels])
    for pair in result.pairs:
        writer.writerow([
            pair.a.work.who, pair.b.work.who, pair.a.work.name, pair.b.work.name,
            "sí" if pair.a.work.earlier or pair.b.work.earlier else "no",
            f"{pair.score:.3f}", *[_number(_kind_score(pair, kind)) for kind in KINDS],
            "sí" if pair.score >= result.threshold else "no",
            *[_number(pair.by_cell.get(label)) for label in labels],
        ])
    return buffer.getvalue()
