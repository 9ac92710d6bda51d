"""`autograder report`: the class report, report/index.html with PNG plots next to it.

Per assignment: a grade histogram and the share of submissions passing each test; for the
class: the most frequent failure messages (numbers blanked so that the same mistake groups
together), and every submission that needs the instructor's attention — problems while collecting
or grading (tampering, timeouts, kernel deaths, unreadable notebooks) — and the pairs of students
whose work the similarity report flags (`autograder similarity`: only listed, never a grade).
"""

from __future__ import annotations

import datetime
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from matplotlib.ticker import MaxNLocator

from autograder.course import AutograderError, Course
from autograder.intake.manifest import Manifest
from autograder.outputs.class_results import ClassResults, load_class
from autograder.outputs.templates import render
from autograder.outputs.templates.report import REPORT
from autograder.results import PASSED, write_text_atomically
from autograder.similarity.run import flagged_pairs

_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?(?:e[-+]?\d+)?")


@dataclass
class Report:
    html: Path
    images: list[Path]


def report(
    course_dir: str | os.PathLike = ".",
    assignments: list[str] | None = None,
    *,
    out: str | os.PathLike | None = None,
    top: int = 15,
) -> Report:
    """Write the class report of `assignments` (default: all graded ones)."""
    course = Course.open(course_dir)
    results = load_class(course, assignments)
    if not results.submissions:
        raise AutograderError("no hay entregas corregidas: ejecuta antes `autograder grade`")
    folder = Path(out) if out else course.root / "report"
    folder.mkdir(parents=True, exist_ok=True)
    images, plots = [], []
    for assignment in results.assignments:
        if not results.of(assignment):
            continue
        histogram = _histogram(results, assignment, folder / f"notas-{assignment}.png")
        pass_rate = _pass_rate(results, assignment, folder / f"pruebas-{assignment}.png")
        images += [histogram, pass_rate]
        plots.append({"assignment": assignment, "histogram": histogram.name,
                      "pass_rate": pass_rate.name})
    failures = frequent_failures(results, top)
    failures_plot = _failures_plot(failures, folder / "fallos.png") if failures else None
    if failures_plot:
        images.append(failures_plot)
    html = folder / "index.html"
    write_text_atomically(html, render(
        REPORT,
        course=course.course_id,
        generated=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        summary=_summary(results),
        plots=plots,
        failures=failures,
        failures_plot=failures_plot.name if failures_plot else None,
        attention=[s for s in results.submissions if s.problems],
        without_submissions=[a for a in results.assignments if not results.of(a)],
        class_problems=_class_problems(course, results.assignments),
        similar=similar_work(course, results.assignments, folder),
    ))
    return Report(html, images)


def _summary(results: ClassResults) -> list[dict]:
    rows = []
    for assignment in results.assignments:
        submissions = results.of(assignment)
        if not submissions:  # listed apart: "0 entregas · media 0" read as a class of zeros
            continue
        points = [s.points for s in submissions]
        rows.append({
            "assignment": assignment,
            "count": len(submissions),
            "mean": round(statistics.fmean(points), 2),
            "median": statistics.median(points),
            "best": max(points),
            "max_points": sum(p for _, _, p in results.tests[assignment]),
            "attention": sum(1 for s in submissions if s.problems),
            "pending": sum(1 for s in submissions if s.pending_manual),
        })
    return rows


def frequent_failures(results: ClassResults, top: int) -> list[dict]:
    """The most frequent (assignment, test, message) failures, numbers blanked for grouping."""
    counts: Counter = Counter()
    examples: dict = {}
    for submission in results.submissions:
        for test in submission.tests:
            if test.message and test.status != PASSED:
                key = (submission.assignment, test.grade_id, _NUMBER.sub("#", test.message))
                counts[key] += 1
                examples.setdefault(key, test.message)
    return [
        {"assignment": a, "grade_id": g, "pattern": m, "example": examples[(a, g, m)], "count": n}
        for (a, g, m), n in counts.most_common(top)
    ]


def similar_work(course: Course, assignments: list[str], folder: Path) -> list[dict]:
    """Per assignment, the pairs the similarity report flags and its page (in `folder`)."""
    found = []
    for assignment in assignments:
        pairs, page = flagged_pairs(course, assignment, folder)
        if page is not None:
            found.append({"assignment": assignment, "pairs": pairs, "page": page.name})
    return found


def _class_problems(course: Course, assignments: list[str]) -> list[str]:
    problems = []
    for assignment in assignments:
        manifest = Manifest.read(course, assignment)
        problems += [f"{assignment}: {p['message']}" for p in manifest.problems]
        problems += [f"{assignment}: {m} no ha entregado" for m in manifest.missing]
    return problems


# Plots -------------------------------------------------------------------------------------

def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, whatever backend the session had
    import matplotlib.pyplot as plt

    return plt


def _histogram(results: ClassResults, assignment: str, path: Path) -> Path:
    plt = _pyplot()
    maximum = sum(p for _, _, p in results.tests[assignment]) or 1.0
    points = [s.points for s in results.of(assignment)]
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.hist(points, bins=min(20, max(5, int(maximum))), range=(0, maximum), color="#4c72b0",
              edgecolor="white")
    axes.set_xlabel(f"puntos (sobre {maximum:g})")
    axes.set_ylabel("entregas")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"{assignment}: notas ({len(points)} entregas)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def pass_rates(results: ClassResults, assignment: str) -> list[tuple[str, float]]:
    """(test label, share of graded submissions that pass it); hand grades still pending are
    left out of the share and counted in the label, not taken as failures."""
    rates = []
    for _, name, _ in results.tests[assignment]:
        rows = [t for s in results.of(assignment) for t in s.tests if t.grade_id == name]
        decided = [t for t in rows if not t.pending]
        pending = len(rows) - len(decided)
        label = f"{name} ({pending} pendiente{'s' if pending > 1 else ''})" if pending else name
        rates.append((label, sum(t.status == PASSED for t in decided) / len(decided)
                      if decided else 0.0))
    return rates


def _pass_rate(results: ClassResults, assignment: str, path: Path) -> Path:
    plt = _pyplot()
    rows = pass_rates(results, assignment)
    labels, rates = [label for label, _ in rows], [rate for _, rate in rows]
    figure, axes = plt.subplots(figsize=(6, 0.35 * len(rows) + 1.2))
    axes.barh(labels[::-1], [100 * r for r in rates[::-1]], color="#55a868")
    axes.set_xlim(0, 100)
    axes.set_xlabel("% de entregas corregidas que la superan")
    axes.set_title(f"{assignment}: pruebas superadas")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _failures_plot(failures: list[dict], path: Path) -> Path:
    plt = _pyplot()
    labels = [_shorten(f"{f['grade_id']}: {f['pattern']}") for f in failures][::-1]
    counts = [f["count"] for f in failures][::-1]
    figure, axes = plt.subplots(figsize=(9, 0.35 * len(labels) + 1.2))
    axes.barh(labels, counts, color="#c44e52")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("entregas")
    axes.set_title("Mensajes de fallo más frecuentes")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _shorten(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
