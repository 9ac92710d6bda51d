"""The lecture material in course/: two notebooks and the Marp slides.

Fast checks: the committed notebooks carry no outputs and parse; every figure is labelled; the
slides are Marp, free of the original errata, and their headings follow each notebook's sections.
Slow checks (`-m slow`): each notebook runs top to bottom with nbclient in fast mode
(AUTOENCODERS_COURSE_FAST=1, the bundled digits) and shows its figures.
"""

from __future__ import annotations

import ast
import re
import resource
from pathlib import Path

import nbformat
import pytest

COURSE = Path(__file__).resolve().parents[1] / "course"
SLIDES = COURSE / "slides.md"
NOTEBOOK_01 = "01-trabajando-con-autoencoders.ipynb"
NOTEBOOK_02 = "02-generando-datos-con-vae.ipynb"
FAST_VARIABLE = "AUTOENCODERS_COURSE_FAST"

# Figures each notebook shows (one image/png output each), and for the key ones a piece of source
# that identifies the code cell that draws it.
EXPECTED = {
    NOTEBOOK_01: {
        "figures": 12,
        "key_figures": {
            "reconstrucciones": "reconstructions = autoencoder.predict",
            "espacio latente frente a PCA": "pca_codes = pca.transform",
            "eliminación de ruido": "denoised = denoiser.predict",
            "histograma de anomalías": "ax.hist(test_errors",
            "preentrenamiento por etapas": "histories = stack.pretrain(",
            "pocas etiquetas": "ax.plot(LABELS_PER_CLASS",
            "interpolaciones 1→7 y 3→8": "paths = {",
            "rejilla del espacio latente": "decoded = autoencoder.decoder.predict",
        },
    },
    NOTEBOOK_02: {
        "figures": 8,
        "key_figures": {
            "capa de muestreo": "z = sampling([np.tile",
            "KL correcta frente a la errónea": "kl_slide_formula(np.zeros(1)",
            "dígitos generados": "generated = vae.generate(",
            "variedad latente": "NormalDist().inv_cdf",
            "interpolaciones autoencoder frente a VAE": "interpolate(model,",
            "tarta de LeCun": "feedback_bits = {",
        },
    },
}

# Errata of the original lecture that must not come back (compared in lower case).
ERRATA = (
    "redes generativas adversarias",  # the original title: this lecture is about autoencoders
    "generative adversarial",
    "variational adversarial",  # no such model: variational autoencoders
    "adversarial variational",
    "adversarias variacionales",
    "variacionales adversarias",
)


def read_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(COURSE / name, as_version=4)


def notebook_sections(notebook) -> list[str]:
    """The `## ` headings of the markdown cells, in order."""
    return [
        match.group(1).strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for match in re.finditer(r"^##\s+(.+?)\s*$", cell.source, flags=re.MULTILINE)
    ]


def strip_marp(text: str) -> str:
    """Slide text without the front matter, HTML comments (presenter notes) and code blocks."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    return re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)


def slide_headings(text: str) -> list[str]:
    """`# ` and `## ` headings of the rendered slides, in order."""
    return [
        match.group(1).strip()
        for match in re.finditer(r"^#{1,2}\s+(.+?)\s*$", strip_marp(text), flags=re.MULTILINE)
    ]


def heading_mismatches(sections: list[str], headings: list[str]) -> list[str]:
    """Problems found when the notebook's sections are looked up among the slide headings.

    Every section must be the title of a slide, and those slides must come in the notebook's order.
    """
    problems = [f"sin transparencia: {s!r}" for s in sections if s not in headings]
    positions = [headings.index(section) for section in sections if section in headings]
    if positions != sorted(positions):
        order = [headings[p] for p in positions]
        problems.append(f"orden distinto al del cuaderno: {order}")
    return problems


def wrong_kl_terms(text: str) -> list[str]:
    """`log sigma` terms of a KL formula that are not `log sigma^2` (the slide erratum)."""
    latex = re.finditer(
        r"\\log\s*\(?\s*(?:\\boldsymbol\{\\sigma\}|\\sigma)(?:_\{?[a-z0-9]+\}?)?(\^)?", text
    )
    unicode = re.finditer(r"log\s*\(?\s*σ(?:_?[a-z0-9]?)(²|\^)?", text)
    return [m.group(0) for m in (*latex, *unicode) if m.group(1) is None]


# --------------------------------------------------------------------------- committed notebooks


@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_committed_notebook_has_no_outputs(name):
    notebook = read_notebook(name)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {cell.id} has outputs"
            assert cell.execution_count is None, f"{name}: cell {cell.id} has an execution count"
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}, notebook.metadata
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_notebook_code_parses_and_has_sections(name):
    notebook = read_notebook(name)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            ast.parse(cell.source)
    assert notebook.cells[0].source.startswith("# "), "the first cell is the title"
    sections = notebook_sections(notebook)
    assert len(sections) >= 8, sections
    assert len(set(sections)) == len(sections), "repeated section titles"
    assert sections[0] == "Preparación"


@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_every_figure_has_title_and_axis_labels(name):
    """Static check of the drawing cells: a title and axis labels for every figure."""
    for cell in read_notebook(name).cells:
        source = cell.source
        if cell.cell_type != "code" or "def " in source:
            continue
        if "plt.subplots(" in source:
            assert re.search(r"set_title\(|suptitle\(", source), f"no title in:\n{source}"
            assert re.search(r"set_xlabel\(|supxlabel\(", source), f"no x label in:\n{source}"
            assert re.search(r"set_ylabel\(|supylabel\(", source), f"no y label in:\n{source}"
        for helper in ("plot_image_rows(", "plot_latent_grid("):
            if helper in source:
                assert "title=" in source and "xlabel=" in source, f"unlabelled:\n{source}"
        if "plot_latent_grid(" in source:
            assert "ylabel=" in source


@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_key_figure_cells_exist(name):
    cells = [cell.source for cell in read_notebook(name).cells if cell.cell_type == "code"]
    for figure, marker in EXPECTED[name]["key_figures"].items():
        matching = [source for source in cells if marker in source]
        assert len(matching) == 1, f"{figure}: {len(matching)} cells contain {marker!r}"
        assert "plt.show()" in matching[0] or "plot_" in matching[0], figure


def test_interpolation_pairs_are_first_test_examples():
    for name in (NOTEBOOK_01, NOTEBOOK_02):
        source = "\n".join(cell.source for cell in read_notebook(name).cells)
        assert "PAIRS = [(1, 7), (3, 8)]" in source
        assert "np.flatnonzero(y_test == digit)[0]" in source


def test_kl_erratum_box_in_notebook_02():
    markdown = "\n".join(
        cell.source for cell in read_notebook(NOTEBOOK_02).cells if cell.cell_type == "markdown"
    )
    assert "Fe de erratas" in markdown
    # The box quotes the wrong formula, and the derivation ends in the right one.
    assert r"1 + \log\sigma_j - \mu_j^2 - \sigma_j^2" in markdown
    assert r"-\frac{1}{2}\sum_{j=1}^{k}\left(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\right)" in (
        markdown
    )
    code = "\n".join(cell.source for cell in read_notebook(NOTEBOOK_02).cells)
    assert "def kl_slide_formula" in code and "def kl_monte_carlo" in code


# --------------------------------------------------------------------------------------- slides


def test_slides_are_marp():
    text = SLIDES.read_text(encoding="utf-8")
    front_matter = re.match(r"\A---\n(.*?)\n---\n", text, flags=re.DOTALL)
    assert front_matter, "slides.md must start with a YAML front matter"
    assert re.search(r"^marp:\s*true\s*$", front_matter.group(1), flags=re.MULTILINE)
    assert text.count("\n---\n") >= 20, "one slide per section at least"


def test_slides_title_is_about_autoencoders():
    headings = slide_headings(SLIDES.read_text(encoding="utf-8"))
    assert headings[0] == "Autoencoders"


def test_slides_are_free_of_the_original_errata():
    text = SLIDES.read_text(encoding="utf-8")
    lowered = text.lower()
    for erratum in ERRATA:
        assert erratum not in lowered, erratum
    assert wrong_kl_terms(text) == []
    correct = r"-\frac{1}{2} \sum_{j=1}^{k} \left(1 + \log \sigma_j^2 - \mu_j^2 - \sigma_j^2\right)"
    assert correct in text


def test_errata_checks_can_fail():
    assert wrong_kl_terms(r"-\sum_j (1 + \log \sigma_j - \mu_j^2 - \sigma_j^2)") == [
        r"\log \sigma_j"
    ]
    assert wrong_kl_terms("-sum(1 + log σ - μ² - σ²)") == ["log σ"]
    assert wrong_kl_terms(r"1 + \log \sigma_j^2 - \mu_j^2, \log \boldsymbol{\sigma}^2") == []


@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_slide_headings_follow_notebook_sections(name):
    sections = notebook_sections(read_notebook(name))
    headings = slide_headings(SLIDES.read_text(encoding="utf-8"))
    assert heading_mismatches(sections, headings) == []


def test_heading_check_can_fail():
    sections = notebook_sections(read_notebook(NOTEBOOK_01))
    text = SLIDES.read_text(encoding="utf-8")
    renamed = text.replace(f"## {sections[3]}\n", "## Otro título\n", 1)
    assert heading_mismatches(sections, slide_headings(renamed)) == [
        f"sin transparencia: {sections[3]!r}"
    ]
    swapped = slide_headings(text)
    i, j = swapped.index(sections[2]), swapped.index(sections[5])
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert any("orden" in problem for problem in heading_mismatches(sections, swapped))
    # Headings inside presenter notes or code blocks are not slide titles.
    hidden = f"---\nmarp: true\n---\n<!--\n## {sections[1]}\n-->\n```\n## {sections[2]}\n```\n"
    assert slide_headings(hidden) == []


def test_slides_point_to_the_material():
    text = SLIDES.read_text(encoding="utf-8")
    for target in (
        NOTEBOOK_01,
        NOTEBOOK_02,
        "exercises/01-autoencoder",
        "exercises/02-stacked-autoencoder",
        "exercises/03-vae",
    ):
        assert target in text, target


def test_readme_indexes_the_material():
    text = (COURSE / "README.md").read_text(encoding="utf-8")
    for target in (NOTEBOOK_01, NOTEBOOK_02, "slides.md", "jupyter lab course/", FAST_VARIABLE):
        assert target in text, target


# ------------------------------------------------------------------------- executed, fast mode


@pytest.fixture(scope="module")
def executed():
    """Each notebook executed once in fast mode; {name: (notebook, CPU seconds of its kernel)}.

    CPU seconds, not wall seconds: on a machine busy with other jobs the same notebook takes
    several times longer by the wall clock (the validation run's `make test` at load 5-7)."""
    from nbclient import NotebookClient

    results = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(FAST_VARIABLE, "1")  # the kernel inherits this environment
        patch.setenv("AUTOENCODERS_COURSE_OFFLINE", "1")
        patch.delenv("MPLBACKEND", raising=False)  # figures must reach the inline backend
        # ipykernel stops forwarding what C code writes to fd 2 when it sees this variable; without
        # it, TensorFlow's native log lines reach the notebook as they would in JupyterLab.
        patch.delenv("PYTEST_CURRENT_TEST", raising=False)
        for name in (NOTEBOOK_01, NOTEBOOK_02):
            notebook = read_notebook(name)
            start = _children_cpu_seconds()
            NotebookClient(
                notebook,
                timeout=300,
                kernel_name="python3",
                resources={"metadata": {"path": str(COURSE)}},
            ).execute()
            results[name] = (notebook, _children_cpu_seconds() - start)  # the kernel, reaped
            print(f"{name}: {results[name][1]:.1f} CPU s in fast mode")  # shown with pytest -s
    return results


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def images(cell) -> int:
    return sum("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


def stream_text(notebook, name: str) -> str:
    return "".join(
        output.text
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "stream" and output.name == name
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_notebook_runs_in_fast_mode(executed, name):
    notebook, seconds = executed[name]
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    assert errors == []
    assert "Conjunto: digits." in stream_text(notebook, "stdout"), "fast mode did not apply"
    stderr = stream_text(notebook, "stderr")
    assert stderr == "", f"printed to stderr:\n{stderr[:2000]}"
    # under a minute on two cores: at most 120 CPU seconds, however busy the machine
    assert seconds < 120, f"{name} took {seconds:.0f} CPU s in fast mode"


@pytest.mark.slow
@pytest.mark.parametrize("name", [NOTEBOOK_01, NOTEBOOK_02])
def test_notebook_shows_its_figures(executed, name):
    notebook, _ = executed[name]
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    total = sum(images(cell) for cell in code_cells)
    assert total >= EXPECTED[name]["figures"], f"{total} figures"
    for figure, marker in EXPECTED[name]["key_figures"].items():
        (cell,) = [cell for cell in code_cells if marker in cell.source]
        assert images(cell) >= 1, f"no figure for {figure}"


@pytest.mark.slow
def test_fast_mode_prints_the_kl_comparison(executed):
    notebook, _ = executed[NOTEBOOK_02]
    output = stream_text(notebook, "stdout")
    # At mu = 0 and sigma = 1/sqrt(2): correct KL = 2 * 0.5 * (log 2 - 0.5) = 0.1931 nats; the
    # slide formula gives 2 * -(0.5 - 0.5 log 2) = -0.3069, a negative "divergence".
    row = next(line for line in output.splitlines() if "1/√2" in line)
    closed, monte_carlo, slide = (float(value) for value in row.split()[-3:])
    assert closed == pytest.approx(0.1931, abs=1e-3)
    assert monte_carlo == pytest.approx(closed, abs=0.01)
    assert slide == pytest.approx(-0.3069, abs=1e-3)


def test_fast_variable_is_what_the_notebooks_read():
    for name in (NOTEBOOK_01, NOTEBOOK_02):
        source = "\n".join(cell.source for cell in read_notebook(name).cells)
        assert f'os.environ.get("{FAST_VARIABLE}"' in source
