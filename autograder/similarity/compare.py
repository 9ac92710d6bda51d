"""Which pairs of students share work, and how much: an inverted index of fingerprints.

Every fingerprint points to the students whose work has it, so a pair is only looked at when it
shares fingerprints: the cost grows with the matches, not with the square of the class. A
fingerprint found in more than `common` students (an idiom everybody writes, MOSS's `-m`) is
dropped for everyone, like the release's boilerplate.

A pair's score, per kind (code, written answers), is the larger of the two students' shares of
their own work that the other student's work also has: matched units / units written, where
"written" is at least `FLOOR` units, so that a few short cells that everybody writes the same
way cannot make a high score on their own. Longer cells weigh more because they hold more units.
The pair's score is the larger of its code and written-answer scores.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from autograder.similarity.fingerprints import CODE, TEXT, Fingerprints, fingerprint
from autograder.similarity.works import Release, Work

KINDS = (CODE, TEXT)
# Units written below which a share is taken over FLOOR instead (calibrated with
# tests/similarity_corpus.py): about four lines of code, or two sentences.
FLOOR = {CODE: 150, TEXT: 20}
MIN_SHARED = 2  # fingerprints a pair must share before it is scored


@dataclass(eq=False)
class Student:
    work: Work
    prints: dict[str, Fingerprints]
    coverage: dict[str, list[np.ndarray]] = field(default_factory=dict)  # own units, per cell
    unique: dict[str, np.ndarray] = field(default_factory=dict)

    def written(self, kind: str) -> int:
        return int(sum(c.sum() for c in self.coverage[kind]))

    @property
    def blank(self) -> bool:
        return not any(self.written(kind) for kind in KINDS)


@dataclass(eq=False)
class Pair:
    a: Student
    b: Student
    score: float
    by_kind: dict[str, float]
    by_cell: dict[str, float]  # label -> larger of the two students' shares of that cell
    matched: dict[str, tuple[list[np.ndarray], list[np.ndarray]]]  # kind -> covered units (a, b)


def fingerprint_work(work: Work, release: Release) -> Student:
    prints = {}
    for kind in KINDS:
        sources = [cell.source if cell.kind == kind else "" for cell in work.cells]
        prints[kind] = fingerprint(kind, sources, release.boilerplate[kind])
    return Student(work, prints)


def common_limit(class_size: int) -> int:
    """A fingerprint in more students than this is an idiom, not a copy (at least 10, as
    MOSS's default; a tenth of a larger class)."""
    return max(20, class_size // 10)


def drop_common(students: list[Student], limit: int) -> None:
    """Remove the fingerprints found in more than `limit` students, then note what is left."""
    for kind in KINDS:
        uniques = [np.unique(s.prints[kind].hashes) for s in students]
        if uniques:
            values, counts = np.unique(np.concatenate(uniques), return_counts=True)
            common = values[counts > limit]
        else:
            common = np.zeros(0, dtype=np.int64)
        for student, unique in zip(students, uniques):
            prints = student.prints[kind]
            if len(common):
                prints.keep(~np.isin(prints.hashes, common))
                unique = unique[~np.isin(unique, common)]
            student.unique[kind] = unique
            student.coverage[kind] = prints.covered()


def candidate_pairs(students: list[Student]) -> Counter:
    """(i, j) -> fingerprints shared, for pairs sharing any; earlier cohorts only with the
    class. Grouping the index by fingerprint makes this cost the number of shared ones."""
    shared: Counter = Counter()
    for kind in KINDS:
        owners = [np.full(len(s.unique[kind]), i, dtype=np.int64) for i, s in enumerate(students)]
        if not owners:
            continue
        hashes = np.concatenate([s.unique[kind] for s in students])
        who = np.concatenate(owners)
        order = np.argsort(hashes, kind="stable")
        hashes, who = hashes[order], who[order]
        starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
        sizes = np.diff(np.r_[starts, len(hashes)])
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
            group = who[start:start + size].tolist()
            for i, j in combinations(group, 2):
                if not (students[i].work.earlier and students[j].work.earlier):
                    shared[(i, j)] += 1
    return shared


def score_pair(a: Student, b: Student) -> Pair:
    by_kind, by_cell, matched = {}, {}, {}
    for kind in KINDS:
        common = np.intersect1d(a.unique[kind], b.unique[kind], assume_unique=True)
        covered_a = a.prints[kind].covered(np.isin(a.prints[kind].hashes, common))
        covered_b = b.prints[kind].covered(np.isin(b.prints[kind].hashes, common))
        matched[kind] = (covered_a, covered_b)
        shares = []
        for student, covered in ((a, covered_a), (b, covered_b)):
            hits = sum(int(c.sum()) for c in covered)
            shares.append(hits / max(student.written(kind), FLOOR[kind]))
            for label, share in _cell_shares(student, kind, covered).items():
                by_cell[label] = max(by_cell.get(label, 0.0), share)
        by_kind[kind] = max(shares)
    return Pair(a, b, max(by_kind.values()), by_kind, by_cell, matched)


def _cell_shares(student: Student, kind: str, covered: list[np.ndarray]) -> dict[str, float]:
    """Per label, the share of the student's own units there that are matched (the cells a
    student added share one label)."""
    totals: dict[str, list[int]] = {}
    for cell, own, hit in zip(student.work.cells, student.coverage[kind], covered):
        if cell.kind == kind and own.any():
            total = totals.setdefault(cell.label, [0, 0])
            total[0] += int(hit.sum())
            total[1] += int(own.sum())
    return {label: hits / own for label, (hits, own) in totals.items()}


def compare(works: list[Work], release: Release, *, common: int | None = None,
            minimum: float = 0.0) -> tuple[list[Pair], list[Student], int]:
    """Pairs scoring at least `minimum`, best first; every student, blank ones marked; and how
    many pairs were scored (those sharing fingerprints)."""
    students = [fingerprint_work(work, release) for work in works]
    current = sum(1 for s in students if not s.work.earlier)
    drop_common(students, common if common is not None else common_limit(current))
    pairs, scored = [], 0
    for (i, j), count in candidate_pairs(students).items():
        if count < MIN_SHARED:
            continue
        scored += 1
        pair = score_pair(students[i], students[j])
        if pair.score >= minimum and pair.score > 0:
            pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.a.work.who, p.b.work.who))
    return pairs, students, scored
