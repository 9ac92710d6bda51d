"""Credit and licence of the lecture, and the 2023 deck's style taken by the slides.

The lecture (course/) adapts the 2023 UPM deck "Autoencoders" (CC BY-NC-SA 4.0): the credit is on
the title slide, in course/README.md and in each notebook's first cell; course/LICENSE carries the
licence's legal code verbatim; the code is MIT (LICENSE). The slides have section dividers, numbered
captions naming each figure's source, the VAE diagram drawn by course/draw_vae_diagram.py and
LeCun's 2019 "self-supervised" quote with its source.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re

import nbformat
import numpy as np
import pytest
from test_course import (
    COURSE,
    FIGURES,
    NOTEBOOK_01,
    NOTEBOOK_02,
    NOTEBOOK_03,
    NOTEBOOKS,
    SCRIPT_FIGURES,
    SLIDES,
    slide_images,
    strip_marp,
)

ROOT = COURSE.parent
CC_URL = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
CREDIT = (
    "«Autoencoders» (2023)", "Alberto Díaz Álvarez", "Edgar Talavera Muñoz",
    "Guillermo Iglesias Hernández", "Departamento de Sistemas Informáticos", "UPM",
    "CC BY-NC-SA 4.0", CC_URL,
)
MNIST_CREDIT = ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0")
# sha256 of the CC BY-NC-SA 4.0 legal code as Creative Commons publishes it in plain text
# (legalcode.txt; copied from ScanCode's licence database, PyPI package licensedcode-data 32.1.0).
LEGAL_CODE_SHA256 = "7d41f85a2d305eff78241dd95a41262ee0c62ccc5e7627fa220abe91265587ae"
LEGAL_CODE_START = "Attribution-NonCommercial-ShareAlike 4.0 International\n"
LECUN_2019 = (
    "«I now call it “self-supervised learning”, because “unsupervised” is both a loaded and "
    "confusing term."
)


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def missing(text: str, pieces=CREDIT) -> list[str]:
    return [piece for piece in pieces if piece not in flat(text)]


def slides() -> str:
    return SLIDES.read_text(encoding="utf-8")


def slide_sections(text: str) -> list[str]:
    """The rendered slides' Markdown, one string per slide (front matter and notes removed)."""
    return [part.strip() for part in re.split(r"^---$", strip_marp(text), flags=re.M)]


# ---------------------------------------------------------------------------- credit and licence


def test_title_slide_credits_the_2023_deck():
    title = slide_sections(slides())[0]
    assert title.startswith("# Autoencoders")
    assert missing(title) == [] and "course/LICENSE" in title


def test_course_readme_credits_the_deck_and_mnist():
    readme = (COURSE / "README.md").read_text(encoding="utf-8")
    assert missing(readme) == [] and missing(readme, MNIST_CREDIT) == []
    assert "MIT" in readme and "LICENSE" in readme


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_header_credits_the_deck_and_mnist(name):
    header = nbformat.read(COURSE / name, as_version=4).cells[0]
    assert header.cell_type == "markdown" and header.source.startswith("# ")
    assert missing(header.source) == [] and missing(header.source, MNIST_CREDIT) == []


def test_credit_check_can_fail():
    assert missing("Autoencoders, de Alberto Díaz Álvarez (CC BY 4.0)") == [
        piece for piece in CREDIT if piece != "Alberto Díaz Álvarez"]
    assert missing(" ".join(CREDIT).replace("Edgar", "E.")) == ["Edgar Talavera Muñoz"]


def test_course_licence_is_the_cc_legal_code_verbatim_after_its_notice():
    text = (COURSE / "LICENSE").read_text(encoding="utf-8")
    notice, legal = text.split(LEGAL_CODE_START, 1)
    assert hashlib.sha256((LEGAL_CODE_START + legal).encode()).hexdigest() == LEGAL_CODE_SHA256
    assert missing(notice) == [] and "data/mnist_subset.npz" in notice and "MIT" in notice


def test_code_licence_is_mit_and_says_what_it_covers():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "Permission is hereby granted" in text
    assert "course/LICENSE" in text and "CC BY-NC-SA 4.0" in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = "MIT"' in pyproject and 'license-files = ["LICENSE"]' in pyproject


def test_readme_says_which_licence_covers_what():
    readme = flat((ROOT / "README.md").read_text(encoding="utf-8"))
    section = readme[readme.index("## Licence"):]
    for piece in ("MIT", "[`LICENSE`](LICENSE)", "CC BY-NC-SA 4.0",
                  "[`course/LICENSE`](course/LICENSE)", "Alberto Díaz Álvarez", "CC BY-SA 3.0",
                  "course/data/README.md"):
        assert piece in section, piece


# --------------------------------------------------------------------- the 2023 deck's style


def test_section_dividers_open_each_block():
    sections = slide_sections(slides())
    dividers = [(i, s) for i, s in enumerate(sections) if s.startswith("# Bloque")]
    titles = [re.match(r"# (Bloque \d+) · ", s).group(1) for _, s in dividers]
    assert titles == [f"Bloque {n}" for n in range(1, 7)], titles
    opened = {re.search(r"^## (.+)$", sections[i + 1], flags=re.M).group(1) for i, _ in dividers}
    assert {"¿Qué es un autoencoder?", "Autoencoders apilados",
            "De puntos a distribuciones", "Dibújame un 7"} <= opened, opened


def test_the_dividers_are_dividers():
    raw = SLIDES.read_text(encoding="utf-8")
    assert raw.count("<!-- _class: lead divider -->") == 6
    assert "section.divider {" in raw.split("\n---\n", 1)[0]


def figure_sources() -> dict[str, tuple[str, str]]:
    """{figure name: (notebook number, section)} for every figure a notebook cell is tagged with."""
    sources = {}
    for number, name in (("01", NOTEBOOK_01), ("02", NOTEBOOK_02), ("03", NOTEBOOK_03)):
        section = None
        for cell in nbformat.read(COURSE / name, as_version=4).cells:
            if cell.cell_type == "markdown":
                section = ([section] + re.findall(r"^##\s+(.+?)\s*$", cell.source, re.M))[-1]
            for tag in cell.metadata.get("tags", []):
                if tag.startswith("figure:"):
                    sources[tag[len("figure:"):]] = (number, section)
    return sources


CAPTION = re.compile(r"^\*Figura (\d+)\. (.+) Fuente: (.+)\.\*$", flags=re.M)


def caption_problems(text: str) -> list[str]:
    """Images without a caption, captions out of order or naming the wrong source."""
    problems, sources = [], figure_sources()
    sections = [s for s in slide_sections(text) if slide_images(s)]
    for expected_number, section in enumerate(sections, start=1):
        (image,) = slide_images(section)
        stem = image.rsplit("/", 1)[-1].removesuffix(".png")
        found = CAPTION.findall(section)
        if len(found) != 1:
            problems.append(f"{image}: {len(found)} pies de figura")
            continue
        number, _, source = found[0]
        if int(number) != expected_number:
            problems.append(f"{image}: Figura {number}, se esperaba {expected_number}")
        if stem in SCRIPT_FIGURES:
            expected = f"dibujo de `course/{SCRIPT_FIGURES[stem].name}`"
        else:
            expected = "cuaderno {}, «{}»".format(*sources[stem])
        if source != expected:
            problems.append(f"{image}: fuente {source!r}, se esperaba {expected!r}")
    return problems


def test_every_slide_figure_has_a_numbered_caption_with_its_source():
    assert len(slide_images(slides())) >= 9
    assert caption_problems(slides()) == []


def test_caption_check_can_fail():
    text = slides()
    assert caption_problems(text.replace("*Figura 2.", "*Figura 3.", 1)) == [
        "figures/reconstrucciones.png: Figura 3, se esperaba 2"]
    wrong = text.replace("cuaderno 02, «Generar dígitos nuevos»", "cuaderno 01, «X»")
    assert len(caption_problems(wrong)) == 1


def quote_problems(text: str) -> list[str]:
    """What is missing of LeCun's 2019 quote and its source (within 600 characters after it)."""
    text = flat(re.sub(r"^> ?", "", text, flags=re.M))  # a Markdown quote's lines, joined
    if LECUN_2019 not in text:
        return ["falta la cita de 2019"]
    after = text[text.index(LECUN_2019):][:600]
    source = "Yann LeCun, publicación en Facebook, 30 de abril de 2019"
    return [] if source in after else ["falta la fuente de la cita"]


def test_lecun_2019_self_supervised_quote_with_its_source():
    assert quote_problems(strip_marp(slides())) == []
    assert "facebook.com/yann.lecun/posts/10155934004262143" in slides()  # in the references
    notebook = nbformat.read(COURSE / NOTEBOOK_02, as_version=4)
    (section,) = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"
                  and "## ¿Supervisado, no supervisado o autosupervisado?" in cell.source]
    assert quote_problems(section[section.index("## ¿Supervisado"):]) == []


def test_quote_check_can_fail():
    first, second = LECUN_2019.split(" because ")  # a quote wrapped over two Markdown lines
    quote = f"> {first}\n> because {second}\n> — Yann LeCun, publicación en Facebook, "
    assert quote_problems(quote + "30 de abril de 2019") == []
    assert quote_problems(quote + "2019") == ["falta la fuente de la cita"]
    assert quote_problems(quote.replace("loaded", "heavy")) == ["falta la cita de 2019"]


# --------------------------------------------------------------------------- the VAE diagram


def diagram_module():
    path = SCRIPT_FIGURES["diagrama-vae"]
    spec = importlib.util.spec_from_file_location("draw_vae_diagram", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vae_diagram_draws_mu_sigma_and_the_sampling_step(tmp_path):
    import matplotlib.pyplot as plt

    module = diagram_module()
    fig = module.draw()
    texts = module.figure_texts(fig)
    plt.close(fig)
    for label in ("μ", "σ", "ε ~ N(0, I)", "z = μ + σ ⊙ ε", "muestreo", "z", "x", "x̂"):
        assert label in texts, label
    # The committed PNG is what the script draws (same size; pixels alike up to font rendering).
    module.main(tmp_path / "diagram.png")
    fresh = plt.imread(tmp_path / "diagram.png")
    committed = plt.imread(FIGURES / "diagrama-vae.png")
    assert fresh.shape == committed.shape
    assert float(np.mean(np.abs(fresh - committed))) < 0.02


def test_vae_diagram_script_explains_a_path_it_cannot_write(tmp_path, capsys):
    module = diagram_module()
    assert module.main(tmp_path / "no-such-folder" / "diagram.png") == 2
    assert module.main(tmp_path / "diagram.unknown") == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("no se pudo escribir") for line in errors)
