"""Fingerprints of a student's own work: winnowed k-grams over normalised tokens (MOSS's method).

Code goes through copydetect's filter (Pygments tokens; every variable, attribute, function and
class name becomes one letter, strings become `S`, comments, docstrings and whitespace go), so
renamed identifiers, rewritten comments and reformatting leave the fingerprints as they were.
Written answers become the sequence of their content words' Spanish stems (accents, case and
function words dropped), so light rewording keeps most of their k-grams.

The k-grams are hashed here, deterministically (copydetect uses Python's `hash()`, salted per
process: which k-grams winnowing keeps, and so every score, would change from run to run);
copydetect's `winnow` selects them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from copydetect.utils import filter_code, winnow

CODE, TEXT = "code", "text"


@dataclass(frozen=True)
class Method:
    """k: units in a k-gram (filtered characters of code, words of text); window: winnowing's
    window, so that any match of k + window - 1 units is guaranteed to be found."""

    k: int
    window: int


METHODS = {CODE: Method(k=25, window=6), TEXT: Method(k=4, window=3)}

# Random odd multipliers: a k-gram's hash is a dot product modulo 2**64 (fixed seed: the same
# hashes in every run and on every machine)
_MULTIPLIERS = np.random.default_rng(20261204).integers(1, 2**63, size=64, dtype=np.uint64) | 1


@dataclass
class Units:
    """One cell's normalised token sequence, with the line of the cell each unit comes from."""

    values: np.ndarray  # int64, one per unit
    lines: np.ndarray  # int64, 0-based line in the cell's source
    spans: np.ndarray | None = None  # text: each word's (start, end) in the cleaned source


def clean(source: str) -> str:
    """A cell's source as Pygments reads it (and as the report shows it): Unix line ends, no
    blank lines around it."""
    return source.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def code_units(source: str) -> Units:
    source = clean(source)
    filtered, offsets = filter_code(source, "cell.py", "python")
    values = np.frombuffer(filtered.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    positions = np.arange(len(filtered)) + _dropped_before(filtered, offsets, len(source))
    newlines = np.array([m.start() for m in re.finditer("\n", source)], dtype=np.int64)
    return Units(values, np.searchsorted(newlines, positions, side="right").astype(np.int64))


def _dropped_before(filtered: str, offsets: np.ndarray, raw_length: int) -> np.ndarray:
    """For each filtered character, how many source characters the filter dropped before it.

    copydetect records [position, characters dropped so far] just before each drop (at the last
    character written, -1 before the first), so a character needs the value of the first record
    at or after it; past the last record, everything dropped. A class name's record holds its
    length - 1 instead (copydetect's slip): the next record, minus that, is the true value."""
    records = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)[1:].copy()  # [0, 0]: start
    for i in range(len(records)):
        key = records[i, 0]
        first_at_key = i == 0 or records[i - 1, 0] != key
        if 0 <= key < len(filtered) and filtered[key] == "O" and first_at_key:
            following = records[i + 1, 1] if i + 1 < len(records) else raw_length - len(filtered)
            records[i, 1] = following - records[i, 1]
    keys = np.append(records[:, 0], len(filtered))
    values = np.append(records[:, 1], raw_length - len(filtered))
    return values[np.searchsorted(keys, np.arange(len(filtered)), side="left")]


_WORD = re.compile(r"[^\W_]+")
# Spanish function words, and Markdown/LaTeX words that carry no content
_STOPWORDS = frozenset("""
a al algo algun alguna algunas alguno algunos ante antes aun asi aunque bajo bien cada casi como
con contra cual cuales cuando de del desde donde dos el ella ellas ello ellos en entre era eran
es esa esas ese eso esos esta estan estas este esto estos fue fueron ha hace hacen han hasta hay
la las le les lo los mas me mi mientras mismo muy nada ni no nos o otra otras otro otros para
pero poco por porque puede pueden que quien se sea sean segun ser si sido sin sino sobre solo
son su sus tambien tan tanto te tiene tienen todo todos tu un una unas uno unos y ya
frac mathbf mathrm left right cdot text sum log exp
""".split())


@cache
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=65536)
def _stem_id(word: str) -> int:
    """A word's Spanish stem as a number (cached: a class writes the same words over and over)."""
    return zlib.crc32(_stemmer().stemWord(word).encode())


def _plain(word: str) -> str:
    """Lower case, accents dropped (ñ kept)."""
    word = unicodedata.normalize("NFKD", word.lower())
    word = "".join(ch for ch in word if not unicodedata.combining(ch) or ch == "\u0303")
    return unicodedata.normalize("NFKC", word)


def text_units(source: str) -> Units:
    source = clean(source)
    stems, lines, spans = [], [], []
    for match in _WORD.finditer(source):
        word = _plain(match.group())
        if word in _STOPWORDS or len(word) < 2:
            continue
        stems.append(_stem_id(word))
        lines.append(source.count("\n", 0, match.start()))
        spans.append(match.span())
    return Units(np.array(stems, dtype=np.int64), np.array(lines, dtype=np.int64),
                 np.array(spans, dtype=np.int64).reshape(-1, 2))


def units(kind: str, source: str) -> Units:
    return code_units(source) if kind == CODE else text_units(source)


def kgram_hashes(values: np.ndarray, k: int) -> np.ndarray:
    """Hash of every k-gram, 52 bits (copydetect's winnow compares them as floats)."""
    if len(values) < k:
        return np.zeros(0, dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(values.astype(np.uint64), k)
    with np.errstate(over="ignore"):
        mixed = (windows * _MULTIPLIERS[:k]).sum(axis=1, dtype=np.uint64)
    return (mixed >> np.uint64(12)).astype(np.int64)


def all_hashes(kind: str, source: str) -> set[int]:
    """Every k-gram of a text (not only the winnowed ones): boilerplate to remove."""
    return set(kgram_hashes(units(kind, source).values, METHODS[kind].k).tolist())


@dataclass
class Fingerprints:
    """One student's fingerprints of one kind over all their cells.

    `hashes[i]` was selected at unit `starts[i]` of cell `cells[i]`; the k-gram covers units
    starts[i] .. starts[i] + k - 1 of that cell."""

    kind: str
    cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lines: list[np.ndarray] = field(default_factory=list)  # per cell, each unit's line
    spans: list[np.ndarray | None] = field(default_factory=list)  # per cell (text): characters
    sizes: list[int] = field(default_factory=list)  # per cell, its number of units

    def keep(self, mask: np.ndarray) -> None:
        self.cells, self.starts, self.hashes = self.cells[mask], self.starts[mask], \
            self.hashes[mask]

    def covered(self, mask: np.ndarray | None = None) -> list[np.ndarray]:
        """Per cell, which units the (masked) fingerprints cover."""
        k = METHODS[self.kind].k
        coverage = [np.zeros(size, dtype=bool) for size in self.sizes]
        chosen = slice(None) if mask is None else mask
        for cell, start in zip(self.cells[chosen].tolist(), self.starts[chosen].tolist()):
            coverage[cell][start:start + k] = True
        return coverage


def fingerprint(kind: str, sources: list[str], boilerplate: set[int]) -> Fingerprints:
    method = METHODS[kind]
    result = Fingerprints(kind)
    cells, starts, hashes = [], [], []
    for index, source in enumerate(sources):
        cell_units = units(kind, source)
        result.lines.append(cell_units.lines)
        result.spans.append(cell_units.spans)
        result.sizes.append(len(cell_units.values))
        kgrams = kgram_hashes(cell_units.values, method.k)
        if not len(kgrams):
            continue
        selected, positions = winnow(kgrams, method.window, remove_duplicates=False)
        own = np.array([h not in boilerplate for h in selected.tolist()], dtype=bool)
        cells.append(np.full(int(own.sum()), index, dtype=np.int64))
        starts.append(positions[own].astype(np.int64))
        hashes.append(selected[own].astype(np.int64))
    if cells:
        result.cells, result.starts = np.concatenate(cells), np.concatenate(starts)
        result.hashes = np.concatenate(hashes)
    return result
