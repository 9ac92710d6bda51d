"""The similarity report: calibration on the labelled corpus, bad input, earlier cohorts, outputs.

No kernel and no TensorFlow: notebooks are only read. The corpus (tests/similarity_corpus.py)
is compared once per exercise, in a module fixture.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import signal
import subprocess
import sys
import zipfile

import nbformat
import numpy as np
import pytest
import similarity_corpus as corpus
from copydetect.utils import filter_code
from exercise_notebooks import ASSIGNMENTS, ROOT, cell
from mutants import ALTERNATIVES

from autograder.api import similarity
from autograder.course import AutograderError, Course
from autograder.outputs.report import similar_work
from autograder.similarity import THRESHOLD
from autograder.similarity.fingerprints import _dropped_before, clean
from autograder.similarity.works import Cell, own_cells, read_release

# Built from stacked_frozen_stage_models by swapping two methods (tests/mutants.py): __init__
# and call are the same text, so the pair is neither independent nor a copy and is left out.
DERIVED = frozenset({"stacked_frozen_stage_models", "stacked_explicit_loop_functional_classifier"})


@pytest.fixture(scope="module")
def calibration(tmp_path_factory) -> dict:
    """Per exercise: the corpus, its course folder and the similarity result."""
    found = {}
    for assignment in ASSIGNMENTS:
        notebooks = corpus.corpus(assignment)
        folder = corpus.course(tmp_path_factory.mktemp(assignment), assignment, notebooks)
        found[assignment] = (notebooks, folder, similarity(assignment, folder))
    return found


def labelled_pairs(calibration) -> list[tuple[str, str, str, str, float]]:
    """(assignment, label, a, b, score) for every pair of the corpus; label is copy,
    independent or blank."""
    rows = []
    for assignment, (notebooks, _, result) in calibration.items():
        scores = {frozenset({p.a.work.who, p.b.work.who}): p.score for p in result.pairs}
        for a, b in itertools.combinations(sorted(notebooks), 2):
            origins = {corpus.origin(a), corpus.origin(b)}
            if origins == DERIVED:
                continue
            label = ("blank" if "blank" in origins else
                     "copy" if len(origins) == 1 else "independent")
            rows.append((assignment, label, a, b, scores.get(frozenset({a, b}), 0.0)))
    return rows


def test_every_copy_is_flagged_and_no_independent_or_blank_pair(calibration):
    rows = labelled_pairs(calibration)
    copies = [r for r in rows if r[1] == "copy"]
    independent = [r for r in rows if r[1] == "independent"]
    blank = [r for r in rows if r[1] == "blank"]
    # 7 notebooks per origin (the original and its 6 disguises): 21 copied pairs each
    assert len(copies) == sum(len(corpus.origins(a)) * 21 for a in ASSIGNMENTS)
    missed = [r for r in copies if r[4] < THRESHOLD]
    accused = [r for r in independent if r[4] >= THRESHOLD]
    assert not missed, missed[:5]
    assert not accused, accused[:5]
    assert all(score == 0.0 for *_, score in blank)
    # the figures README and the calibration comment quote
    flagged = [r for r in rows if r[4] >= THRESHOLD]
    precision = sum(r[1] == "copy" for r in flagged) / len(flagged)
    recall = sum(r[4] >= THRESHOLD for r in copies) / len(copies)
    assert min(r[4] for r in copies) >= 0.41 and max(r[4] for r in independent) <= 0.36
    readme = " ".join((ROOT / "README.md").read_text("utf-8").split())
    assert f"precision {precision:.2f} and recall {recall:.2f}" in readme
    assert f"default threshold, {THRESHOLD:.2f}" in readme
    assert "the most disguised copy scores at least 0.41" in readme
    assert "the closest independent pair at most 0.36" in readme


def test_blank_and_starter_only_notebooks_are_listed_and_never_compared(calibration):
    for _, _, result in calibration.values():
        skipped = {item.who: item.reason for item in result.skipped}
        assert set(skipped) == {"blank--starter_only", "blank--emptied", "blank--no_cells"}
        assert all("en blanco" in reason for reason in skipped.values())
        assert not [p for p in result.pairs if "blank" in p.a.work.who + p.b.work.who]


def test_written_answers_survive_rewording_but_independent_answers_do_not_match(calibration):
    _, _, result = calibration["01-autoencoder"]
    scores = {frozenset({p.a.work.who, p.b.work.who}): p for p in result.pairs}
    reworded = scores[frozenset({"reference--original", "reference--comments"})]
    assert reworded.by_cell["answer_autoencoder_vs_pca"] >= 0.5
    independent = scores.get(frozenset({"reference--original",
                                        "autoencoder_functional_tanh--original"}))
    assert independent is None or independent.by_kind["text"] < 0.1


def test_a_short_answer_everybody_writes_alike_does_not_flag_a_pair(tmp_path):
    """The same one-line choose_threshold: alone, or next to work written apart, it is too
    little to flag a pair, though the cell itself is identical."""
    assignment = "01-autoencoder"
    origins = corpus.origins(assignment)
    one_liner = {"choose_threshold": origins["reference"]["choose_threshold"]}
    notebooks = {
        "ana": corpus.submission(assignment, one_liner),
        "bea": corpus.submission(assignment, one_liner),
        "carla": corpus.submission(assignment, origins["reference"]),
        "dani": corpus.submission(assignment,
                                  {**origins["autoencoder_functional_tanh"], **one_liner}),
    }
    result = similarity(assignment, corpus.course(tmp_path / "c", assignment, notebooks))
    scores = {frozenset({p.a.work.who, p.b.work.who}): p for p in result.pairs}
    for pair in (("ana", "bea"), ("carla", "dani"), ("ana", "carla")):
        found = scores.get(frozenset(pair))
        assert found is None or found.by_cell.get("choose_threshold", 1.0) == 1.0
        assert found is None or found.score < THRESHOLD
    assert scores[frozenset({"ana", "bea"})].by_cell == {"choose_threshold": 1.0}
    assert not result.flagged


def test_corrupt_and_missing_notebooks_are_listed_and_skipped(tmp_path):
    assignment = "01-autoencoder"
    origins = corpus.origins(assignment)
    notebooks = {"ana": corpus.submission(assignment, origins["reference"]),
                 "bea": corpus.submission(assignment, origins["reference"])}
    folder = corpus.course(tmp_path / "c", assignment, notebooks)
    broken = folder / "submitted" / "carla" / assignment
    broken.mkdir(parents=True)
    (broken / f"{assignment}.ipynb").write_bytes(b'{"cells": [{"cell_type": ')
    (folder / "submitted" / "dani" / assignment).mkdir(parents=True)
    binary = folder / "submitted" / "eva" / assignment
    binary.mkdir(parents=True)
    (binary / f"{assignment}.ipynb").write_bytes(bytes(range(256)))
    odd = folder / "submitted" / "fede" / assignment  # JSON that is almost a notebook
    odd.mkdir(parents=True)
    (odd / f"{assignment}.ipynb").write_text(json.dumps({"nbformat": 4, "metadata": [], "cells": [
        {"cell_type": "code", "source": 12, "metadata": []}, "no es una celda",
        {"cell_type": "code", "source": ["x = 1\n", 2], "metadata": {"nbgrader": "x"}}]}))
    manifest = folder / "grading" / assignment / "collect.json"  # as `collect` writes it
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"students": {"ana": {"name": "Ana García"}}}))

    result = similarity(assignment, folder)

    skipped = {item.who: item.reason for item in result.skipped}
    assert set(skipped) == {"carla", "dani", "eva", "fede"}
    assert "JSON" in skipped["carla"] and "no hay" in skipped["dani"]
    assert "«01-autoencoder.ipynb»" in skipped["eva"]
    assert not [reason for reason in skipped.values() if "nota" in reason]  # no grade here
    assert [(p.a.work.who, p.b.work.who) for p in result.flagged] == [("ana", "bea")]
    # cells a hand-edited notebook may hold are skipped, never a crash
    release = read_release(Course.open(folder), assignment)
    odd_cells = nbformat.from_dict({"cells": [
        {"cell_type": "code", "source": 12, "metadata": []}, "no es una celda",
        {"cell_type": "raw", "source": "x"},
        {"cell_type": "markdown", "source": ["Mi ", "respuesta"], "metadata": {"nbgrader": 3}}]})
    assert own_cells(odd_cells, assignment, release) == [
        Cell("otras celdas", "text", "Mi respuesta")]
    html = result.html.read_text("utf-8")
    assert "carla" in html and "Ana García (ana)" in html
    (row,) = csv.DictReader(result.csv.open(encoding="utf-8"))
    assert (row["estudiante_a"], row["nombre_a"], row["nombre_b"]) == ("ana", "Ana García", "")


def test_a_notebook_handed_down_from_an_earlier_cohort_shows_up(tmp_path):
    assignment = "03-vae"
    origins = corpus.origins(assignment)
    current = {"ana": corpus.submission(assignment, origins["reference"]),
               "bea": corpus.submission(assignment, origins["vae_other_style"])}
    folder = corpus.course(tmp_path / "c", assignment, current)
    disguised = {gid: corpus.disguised(text, "all", "code" if "answer" not in gid else
                                       "markdown", seed=5)
                 for gid, text in origins["vae_other_style"].items()}
    archive = tmp_path / "2025.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, answers in (("luis", disguised), ("marta", disguised),
                              ("nora", origins["vae_tensorflow_ops"])):
            nb = corpus.submission(assignment, answers)
            zipped.writestr(f"{name}/{assignment}/{assignment}.ipynb", nbformat.writes(nb))
        zipped.writestr("roto/03-vae.ipynb", "no es json")
    earlier_folder = corpus.course(tmp_path / "2024", assignment,
                                   {"olga": corpus.submission(assignment, origins["reference"])})

    result = similarity(assignment, folder, against=[archive, earlier_folder / "submitted"])

    flagged = {frozenset({p.a.work.who, p.b.work.who}) for p in result.flagged}
    assert flagged == {frozenset({"2025.zip/luis/03-vae/03-vae.ipynb", "bea"}),
                       frozenset({"2025.zip/marta/03-vae/03-vae.ipynb", "bea"}),
                       frozenset({"ana", "submitted/olga"})}  # luis-marta: both earlier
    assert result.earlier == 4 and result.compared == 2
    assert [item.who for item in result.skipped] == ["2025.zip/roto/03-vae.ipynb"]
    rows = list(csv.DictReader(result.csv.open(encoding="utf-8")))
    assert {r["curso_anterior"] for r in rows if "olga" in r["estudiante_a"] + r["estudiante_b"]
            } == {"sí"}


def test_page_shows_pairs_side_by_side_with_matching_lines_highlighted(calibration):
    notebooks, folder, result = calibration["02-stacked-autoencoder"]
    html = result.html.read_text("utf-8")
    assert result.html == folder / "report" / "similarity-02-stacked-autoencoder.html"
    assert "no es una prueba de copia" in html and "no cambia ninguna nota" in html
    first = html.split('id="pareja-1"')[1].split('id="pareja-2"')[0]
    assert first.count('class="side"') >= 2 and 'class="hit"' in first
    # a highlighted line of the copy is code the other student also has
    hit = re.search(r'<span class="hit">([^<]*\w[^<]*)</span>', first).group(1)
    assert hit.strip()
    # written answers: the matched runs of words are marked, not whole lines
    marked = re.findall(r"<mark>([^<]*)</mark>", html)
    assert marked and all(len(m.split()) >= 4 for m in marked)
    rows = list(csv.DictReader(result.csv.open(encoding="utf-8")))
    assert len(rows) == len(result.pairs)
    assert set(rows[0]) >= {"estudiante_a", "estudiante_b", "puntuacion", "codigo",
                            "respuestas_escritas", "revisar", "stacked_autoencoder_class",
                            "answer_few_labels"}
    assert sum(r["revisar"] == "sí" for r in rows) == len(result.flagged)


def test_highlights_map_normalised_code_back_to_its_source_lines():
    """copydetect's offsets, read as fingerprints.py reads them, put every literal character of
    the filtered code on the same character of the source (class names included)."""
    sources = [text for _, cells in ALTERNATIVES.values() for text in cells.values()]
    for source in sources:
        source = clean(source)
        filtered, offsets = filter_code(source, "cell.py", "python")
        positions = np.arange(len(filtered)) + _dropped_before(filtered, offsets, len(source))
        for index, position in enumerate(positions.tolist()):
            if filtered[index] not in 'VFOPS"':
                assert source[position] == filtered[index]
            elif filtered[index] == "O":
                assert source[position].isupper()


def test_scores_are_the_same_in_every_process(calibration, tmp_path):
    """Fingerprints are hashed here, not with Python's salted hash(): another interpreter with
    another PYTHONHASHSEED gets the same scores."""
    _, folder, result = calibration["03-vae"]
    script = ("import sys; from autograder.api import similarity; "
              "r = similarity('03-vae', sys.argv[1], out=sys.argv[2]); "
              "print(sorted((p.a.work.who, p.b.work.who, round(p.score, 6)) for p in r.pairs))")
    output = subprocess.run(
        [sys.executable, "-c", script, str(folder), str(tmp_path)], capture_output=True,
        text=True, check=True, env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout
    assert output.strip() == str(sorted((p.a.work.who, p.b.work.who, round(p.score, 6))
                                        for p in result.pairs))


def test_only_its_own_files_are_written_and_no_grade_is_touched(tmp_path):
    assignment = "01-autoencoder"
    origins = corpus.origins(assignment)
    folder = corpus.course(tmp_path / "c", assignment, {
        "ana": corpus.submission(assignment, origins["reference"]),
        "bea": corpus.submission(assignment, origins["reference"])})
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    similarity(assignment, folder)

    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert {p: b for p, b in after.items() if p in before} == before
    assert {p.relative_to(folder).as_posix() for p in set(after) - set(before)} == {
        "report/similarity-01-autoencoder.html", "report/similarity-01-autoencoder.csv",
        "grading/01-autoencoder/similarity.json"}


def test_student_feedback_cannot_show_it():
    """Feedback pages are written by a module that never loads the similarity code."""
    script = ("import sys, autograder.outputs.feedback; "
              "print([m for m in sys.modules if 'similarity' in m])")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout
    assert output.strip() == "[]"


def test_class_report_lists_flagged_pairs_and_reuses_the_last_options(tmp_path):
    assignment = "03-vae"
    origins = corpus.origins(assignment)
    folder = corpus.course(tmp_path / "c", assignment, {
        "ana": corpus.submission(assignment, origins["reference"]),
        "bea": corpus.submission(assignment, origins["vae_other_style"])})
    earlier = corpus.course(tmp_path / "old", assignment,
                            {"olga": corpus.submission(assignment, origins["reference"])})
    similarity(assignment, folder, against=[earlier / "submitted"], threshold=0.5)
    course = Course.open(folder)

    (item,) = similar_work(course, [assignment], folder / "report")
    assert item["pairs"] == [{"a": "ana", "b": "submitted/olga", "score": 1.0}]
    assert item["page"] == "similarity-03-vae.html"

    # a changed submission: the report runs it again, with the same --against and threshold
    target = folder / "submitted" / "bea" / assignment / f"{assignment}.ipynb"
    nbformat.write(corpus.submission(assignment, origins["reference"]), target)
    (item,) = similar_work(course, [assignment], folder / "report")
    assert {(p["a"], p["b"]) for p in item["pairs"]} == {
        ("ana", "bea"), ("ana", "submitted/olga"), ("bea", "submitted/olga")}
    record = json.loads((folder / "grading" / assignment / "similarity.json").read_text())
    assert record["threshold"] == 0.5 and record["against"] == [str(earlier / "submitted")]


def test_cli_prints_spanish_lines_and_refuses_bad_input_in_one_line(calibration, tmp_path,
                                                                      capsys, request):
    request_cleanup = request.addfinalizer
    from autograder.cli import main

    terminate = signal.getsignal(signal.SIGTERM)  # main() installs its own
    request_cleanup(lambda: signal.signal(signal.SIGTERM, terminate))
    _, folder, _ = calibration["01-autoencoder"]
    assert main(["similarity", "01-autoencoder", "--course-dir", str(folder),
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "entregas comparadas" in out and "revisar:" in out
    assert "pareja(s) más" in out  # the console lists 20, the page all
    assert "sin comparar: blank--no_cells" in out

    for arguments, message in (
        (["similarity", "nope"], "tarea desconocida"),
        (["similarity", "01-autoencoder", "--against", str(tmp_path / "no")], "no existe"),
        (["similarity", "01-autoencoder", "--threshold", "0"], "entre 0 y 1"),
        (["similarity", "01-autoencoder", "--threshold", "mucho"], "no es un número"),
        (["similarity", "01-autoencoder", "--against", str(folder / "submitted")],
         "esta misma clase"),
    ):
        try:
            code = main([*arguments, "--course-dir", str(folder)])
        except SystemExit as stop:  # argparse's own refusals
            code = stop.code
        err = capsys.readouterr().err
        assert code == 2 and message in err and "Traceback" not in err
        assert len([line for line in err.splitlines() if "error" in line]) == 1


def test_an_unreleased_assignment_is_refused(tmp_path):
    folder = corpus.course(tmp_path / "c", "01-autoencoder", {})
    for path in (folder / "release").rglob("*.ipynb"):
        path.unlink()
    with pytest.raises(AutograderError, match="autograder release"):
        similarity("01-autoencoder", folder)
    with pytest.raises(AutograderError, match="umbral"):
        similarity("01-autoencoder", folder, threshold=1.5)


def test_answer_cells_come_from_the_release(calibration):
    notebooks, _, result = calibration["01-autoencoder"]
    assert result.cells == ["autoencoder_class", "reconstruction_error", "train_autoencoder",
                            "add_noise", "train_denoising", "choose_threshold",
                            "answer_autoencoder_vs_pca"]
    assert cell(notebooks["reference--original"], "setup").source  # locked cells are present


def test_flagged_pairs_are_under_needs_attention_in_the_class_report():
    from autograder.outputs.templates import REPORT, render

    html = render(REPORT, course="curso", summary=[], plots=[], failures=[], attention=[],
                  similar=[{"assignment": "03-vae", "page": "similarity-03-vae.html",
                            "pairs": [{"a": "ana", "b": "bea", "score": 0.8731}]}])
    attention = html.split("Entregas que requieren atención")[1]
    assert "Parecido entre entregas · 03-vae" in attention
    assert "ana y bea: 87 % de trabajo en común" in " ".join(attention.split())
    assert 'href="similarity-03-vae.html"' in attention
