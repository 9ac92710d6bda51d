"""The lecture material in course/: two notebooks and the Marp slides.

Fast checks: the committed notebooks carry no outputs and parse; every figure is labelled; the
slides are Marp, free of the original errata, and their headings follow each notebook's sections.
Slow checks (`-m slow`): each notebook runs top to bottom with nbclient in fast mode
(AUTOENCODERS_COURSE_FAST=1, the bundled digits) and shows its figures.
"""

from __future__ import annotations

import ast
import json
import re
import resource
from pathlib import Path

import nbformat
import pytest

COURSE = Path(__file__).resolve().parents[1] / "course"
SLIDES = COURSE / "slides.md"
NOTEBOOK_01 = "01-trabajando-con-autoencoders.ipynb"
NOTEBOOK_02 = "02-generando-datos-con-vae.ipynb"
NOTEBOOK_03 = "03-vae-condicional.ipynb"  # run and checked in test_course_conditional.py
NOTEBOOKS = (NOTEBOOK_01, NOTEBOOK_02, NOTEBOOK_03)
FAST_VARIABLE = "AUTOENCODERS_COURSE_FAST"

# Figures each notebook shows (one image/png output each), and for the key ones a piece of source
# that identifies the code cell that draws it.
EXPECTED = {
    NOTEBOOK_01: {
        "figures": 14,
        "key_figures": {
            "arquitectura": 'names = ["entrada x"',
            "reconstrucciones": "reconstructions = numpy_outputs(autoencoder",
            "espacio latente frente a PCA": "pca_codes = pca.transform",
            "convolucional frente a denso y PCA": "conv_autoencoder = build_conv_autoencoder(",
            "eliminación de ruido": "denoised = numpy_outputs(denoiser",
            "histograma de anomalías": "ax.hist(test_errors",
            "preentrenamiento por etapas": "stage_losses.append(",
            "pocas etiquetas": "ax.errorbar(LABELS_PER_CLASS",
            "interpolaciones 1→7 y 3→8": "paths = {",
            "rejilla del espacio latente": "decoded = numpy_outputs(decoder, grid_codes",
        },
    },
    NOTEBOOK_02: {
        "figures": 11,
        "key_figures": {
            "capa de muestreo": "z = bottleneck([np.tile",
            "KL correcta frente a la errónea": "kl_slide_formula(np.zeros(1)",
            "dígitos generados": "[vae_generated[:10]",
            "espacios latentes": "vae_means = numpy_outputs(vae_encoder",
            "variedad latente": "NormalDist().inv_cdf",
            "interpolaciones medidas en muchas parejas": "axes[2].axhline(1 / (STEPS - 1)",
            "interpolaciones autoencoder frente a VAE": "clearest_example(a, models)",
            "barrido de beta": "kl_axis = axes[0].twinx()",
            "tarta de LeCun": "feedback_bits = {",
        },
    },
    NOTEBOOK_03: {
        "figures": 5,
        "key_figures": {
            "rejilla de dígitos por etiqueta": "grid = [",
            "transferencia de estilo": "*transfer_style(np.repeat(",
            "aciertos del juez por dígito": "(transfer_share, ",
            "espacios latentes con y sin condicionar": "cvae_means = numpy_outputs(cvae_encoder",
        },
    },
}
# The 2023 deck's KL formula, quoted exactly as it was written (it is wrong: no 1/2, log sigma).
DECK_2023_KL = r"\sum_j (\sigma_j^2 + \mu_j^2 - \log\sigma_j - 1)"
DECK_2023_KL_WORDS = "suma de s² + m² − log s − 1"
FIGURES = COURSE / "figures"
# Slide figures drawn by a script rather than taken from a notebook: {figure name: script}.
SCRIPT_FIGURES = {"diagrama-vae": COURSE / "draw_vae_diagram.py"}
TABLE_LINE = re.compile(r"^(\w+) = (-?\d+(?:\.\d+)?)$")

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


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_has_no_outputs(name):
    notebook = read_notebook(name)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: cell {cell.id} has outputs"
            assert cell.execution_count is None, f"{name}: cell {cell.id} has an execution count"
    assert set(notebook.metadata) <= {"kernelspec", "language_info"}, notebook.metadata
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
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


@pytest.mark.parametrize("name", NOTEBOOKS)
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


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_key_figure_cells_exist(name):
    cells = [cell.source for cell in read_notebook(name).cells if cell.cell_type == "code"]
    for figure, marker in EXPECTED[name]["key_figures"].items():
        matching = [source for source in cells if marker in source]
        assert len(matching) == 1, f"{figure}: {len(matching)} cells contain {marker!r}"
        assert "plt.show()" in matching[0] or "plot_" in matching[0], figure


def code_of(name: str) -> str:
    return "\n".join(cell.source for cell in read_notebook(name).cells if cell.cell_type == "code")


def markdown_of(name: str) -> str:
    return "\n".join(
        cell.source for cell in read_notebook(name).cells if cell.cell_type == "markdown"
    )


def imported_modules(source: str) -> set[str]:
    """Top-level names of every module a piece of code imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


PUBLIC_PACKAGES = {
    "contextlib", "os", "pathlib", "statistics", "keras", "tensorflow", "matplotlib", "numpy",
    "sklearn",
}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_imports_only_public_packages(name):
    modules = imported_modules(code_of(name))
    assert modules <= PUBLIC_PACKAGES, modules - PUBLIC_PACKAGES
    for private in ("solutions", "autograder", "importlib", "__import__", "sys.path"):
        assert private not in code_of(name), private


def test_import_check_can_fail():
    assert imported_modules("from solutions import VAE\nimport autograder.checks") == {
        "solutions", "autograder"
    }


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_reads_the_bundled_digits_beside_it(name):
    code = code_of(name)
    assert 'DATA_FILE = Path("data") / "mnist_subset.npz"' in code
    assert (COURSE / "data" / "mnist_subset.npz").is_file()
    assert '"digits" if FAST else' in code  # the 8x8 digits only in fast mode
    assert "keras.datasets.mnist.load_data()" in code  # full MNIST when asked for and online


def test_models_are_written_in_the_notebooks():
    code_01, code_02 = code_of(NOTEBOOK_01), code_of(NOTEBOOK_02)
    for piece in ("layers.Dense(", "layers.Conv2D(", "layers.Conv2DTranspose(",
                  'activation="tanh"', "for layer, layer_decoder, n_in in zip("):
        assert piece in code_01, piece
    for piece in ("class VariationalBottleneck(layers.Layer)", "keras.random.SeedGenerator",
                  "self.add_loss(", "BETAS = "):
        assert piece in code_02, piece


def test_interpolation_ends_are_chosen_by_a_classifier_and_shown_beside_the_real_images():
    for name in (NOTEBOOK_01, NOTEBOOK_02):
        source = code_of(name)
        assert "PAIRS = [(1, 7), (3, 8)]" in source
        assert "def clearest_example(digit" in source
        assert '[[x_test[i], *paths[pair], x_test[j]]' in source or (
            "rows.append([x_test[i], *path, x_test[j]])" in source
        )
        assert "framed_columns=(0, STEPS + 1)" in source


def test_theory_the_seed_asks_for():
    md_01, md_02 = markdown_of(NOTEBOOK_01), markdown_of(NOTEBOOK_02)
    assert "Hinton y Salakhutdinov (2006)" in md_01 and "(RBM)" in md_01
    assert "Bengio y otros" in md_01 and "(2007)" in md_01
    assert "no vuelve\na tocarla hasta el ajuste fino" in md_01
    assert "**continuidad**" in md_01 and "**completitud**" in md_01 and "**regular**" in md_01
    # The 2023 slide's own words, quoted as such; the two property names are this course's.
    flat_01 = " ".join(md_01.split())
    quoted = "original (2023) lo resumía en que el espacio latente «no es continuo»"
    assert quoted in flat_01 and "«continuo y ordenado»" in flat_01
    assert "En palabras de la" not in flat_01
    # ELBO derived before the KL; the KL is a divergence, not a distance; Bernoulli on grey pixels.
    assert md_02.index("## De la verosimilitud a la ELBO") < md_02.index("## La pérdida")
    assert r"\log p(\mathbf{x}) \ge \text{ELBO}(\mathbf{x})" in md_02
    assert "no es simétrica" in md_02 and "Bernoulli" in md_02 and "grises" in md_02
    assert "imagen media" in md_02 and "colapso de la posterior" in md_02
    quote = " ".join(line.lstrip("> ") for line in md_02.splitlines())
    assert "2019" in md_02 and "el grueso de la tarta es el aprendizaje autosupervisado" in quote


def test_kl_erratum_box_quotes_the_2023_deck():
    markdown = markdown_of(NOTEBOOK_02)
    assert "Fe de erratas" in markdown
    assert DECK_2023_KL in markdown and DECK_2023_KL_WORDS in markdown
    assert r"-\frac{1}{2}\sum_{j=1}^{k}\left(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\right)" in (
        markdown
    )
    code = code_of(NOTEBOOK_02)
    assert "return float(np.sum(sigma**2 + mu**2 - np.log(sigma) - 1))" in code
    assert "def kl_monte_carlo" in code


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
    # The 2023 formula is quoted (as an erratum) exactly as it was written; nothing else is wrong.
    assert DECK_2023_KL in text and DECK_2023_KL_WORDS in text
    assert wrong_kl_terms(text.replace(DECK_2023_KL, "")) == []
    correct = r"-\frac{1}{2} \sum_{j=1}^{k} \left(1 + \log \sigma_j^2 - \mu_j^2 - \sigma_j^2\right)"
    assert correct in text


def slide_images(text: str) -> list[str]:
    """Paths of the images the slides show (Markdown image syntax, Marp's `![bg ...](...)` too)."""
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", strip_marp(text))


def hard_wrapped_lines(text: str) -> list[str]:
    """Lines that continue the sentence of the line above: Marp would show a line break there."""
    text = re.sub(r"^\$\$.*?^\$\$", "", strip_marp(text), flags=re.DOTALL | re.MULTILINE)
    starts_a_block = re.compile(r"^\s*(?:[-*+] |\d+\. |#|\||!\[|>|<|\$\$|---)")
    lines = text.splitlines()
    return [
        line for previous, line in zip(lines, lines[1:])
        if previous.strip() and line.strip() and not starts_a_block.match(line)
    ]


def test_slide_images_exist_and_come_from_the_notebooks():
    images = slide_images(SLIDES.read_text(encoding="utf-8"))
    assert len(set(images)) >= 6, images
    tags = {
        tag[len("figure:"):]
        for name in NOTEBOOKS
        for cell in read_notebook(name).cells
        for tag in cell.metadata.get("tags", [])
        if tag.startswith("figure:")
    }
    for image in images:
        path = COURSE / image
        assert path.is_file(), f"missing figure {image}"
        assert path.parent == FIGURES, image
        assert path.stem in tags or SCRIPT_FIGURES[path.stem].is_file(), f"{image}: who draws it?"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
    assert (COURSE / "make_figures.py").is_file()


def test_slides_have_no_hard_wrapped_paragraph():
    assert hard_wrapped_lines(SLIDES.read_text(encoding="utf-8")) == []


def test_wrap_check_can_fail():
    wrapped = "---\nmarp: true\n---\n\n## T\n\n- a list item that goes on\n  and on\n\nok\n"
    assert hard_wrapped_lines(wrapped) == ["  and on"]
    fine = "---\nmarp: true\n---\n\n## T\n- a\n- b\n\n$$\nx\ny\n$$\n![w:500](figures/a.png)\n"
    assert hard_wrapped_lines(fine) == []
    assert slide_images(fine) == ["figures/a.png"]


def test_make_slides_explains_a_missing_node():
    import subprocess

    done = subprocess.run(
        ["make", "--no-print-directory", "slides", "NPX=/nonexistent/npx"],
        cwd=COURSE.parent, capture_output=True, text=True, check=False,
    )
    assert done.returncode != 0
    assert "Node.js" in done.stdout + done.stderr and "npx" in done.stdout + done.stderr


def test_errata_checks_can_fail():
    assert wrong_kl_terms(r"-\sum_j (1 + \log \sigma_j - \mu_j^2 - \sigma_j^2)") == [
        r"\log \sigma_j"
    ]
    assert wrong_kl_terms("-sum(1 + log σ - μ² - σ²)") == ["log σ"]
    assert wrong_kl_terms(r"1 + \log \sigma_j^2 - \mu_j^2, \log \boldsymbol{\sigma}^2") == []


@pytest.mark.parametrize("name", NOTEBOOKS)
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
        *NOTEBOOKS,
        "exercises/01-autoencoder",
        "exercises/02-stacked-autoencoder",
        "exercises/03-vae",
    ):
        assert target in text, target


def test_readme_indexes_the_material():
    text = (COURSE / "README.md").read_text(encoding="utf-8")
    for target in (*NOTEBOOKS, "slides.md", "jupyter lab course/", FAST_VARIABLE):
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
                timeout=900,
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
    print(f"{name}: {seconds:.0f} CPU s in fast mode")  # timings live in course/README.md, not here


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


def results_table(notebook) -> dict[str, float]:
    """The `name = value` table the notebook prints in its last code cell."""
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    text = "".join(out.get("text", "") for out in last.get("outputs", []))
    return {m.group(1): float(m.group(2)) for m in map(TABLE_LINE.match, text.splitlines()) if m}


INTERPOLATION_PAIRS = ((1, 7), (3, 8))


def interpolation_rows_read_as_named(r: dict[str, float], models: tuple[str, ...]) -> bool:
    """Each interpolation row's first and last decoded images are, for the notebook's digit
    classifier (trained on the same data), the digits the row's label names."""
    return all(
        r[f"interpolation_{a}{b}_start_read_{m}"] == a
        and r[f"interpolation_{a}{b}_end_read_{m}"] == b
        for a, b in INTERPOLATION_PAIRS
        for m in models
    )


def claims_01(r: dict[str, float], mode: str) -> list[str]:
    """What notebook 01's prose says its numbers show; the claims that the numbers contradict."""
    label_counts = sorted({int(k.split("_")[2]) for k in r if k.startswith("few_labels_")})
    gains = [r[f"few_labels_{n}_pretrained"] - r[f"few_labels_{n}_random"] for n in label_counts]
    pca_wins = r["mse_pca_k16"] < min(r["mse_conv_k16"], r["mse_dense_k16"])
    claims = {
        "el autoencoder (k = 2) reconstruye mejor que PCA": (
            r["mse_autoencoder_k2"] < r["mse_pca_k2"]
        ),
        # 28x28: both autoencoders beat PCA at k = 16; 8x8 (fast mode): PCA wins.
        "PCA gana con k = 16 solo en 8×8": pca_wins == (mode == "fast"),
        "convolucional parecido o mejor que el denso": r["mse_conv_k16"] < 1.2 * r["mse_dense_k16"],
        "el autoencoder quita ruido": r["mse_denoised"] < r["mse_noisy"],
        "marca la mayoría de los ceros": r["anomalies_flagged"] > 0.5,
        "pocas falsas alarmas": 0.0 < r["false_alarms"] < 0.15,
        # the prose quotes the class run: more than the 5 % asked for, about 8 %
        "en clase, algo más del 5 % pedido (8,2 %)": mode != "class" or (
            0.05 < r["false_alarms"] and round(100 * r["false_alarms"], 1) == 8.2),
        "el error separa anomalías (AUC > 0,9)": r["anomaly_auc"] > 0.9,
        "el ajuste fino mejora la pila": r["mse_stack_finetuned"] < r["mse_stack_stacked"],
        "el preentrenamiento no da una ventaja clara": bool(gains) and max(gains) < 0.05,
        "ni una desventaja grande": bool(gains) and min(gains) > -0.08,
        "las filas de interpolación empiezan y acaban en los dígitos que nombran": (
            interpolation_rows_read_as_named(r, ("ae",))
        ),
    }
    if mode == "fast":
        claims["en digits gana la inicialización aleatoria"] = max(gains) < 0
    return [claim for claim, holds in claims.items() if not holds]


INTERPOLATION_MEASURES = {"confident": +1, "distance": -1, "jump": -1}  # +1: more is better


def interpolation_verdict(r: dict[str, float], pairs: str, k: int, measure: str) -> str:
    """Who wins a measure over a set of pairs, as notebook 02 decides it: a tie when the mean
    paired difference (VAE - autoencoder) is at most two standard errors."""
    key = f"interp_{pairs}_k{k}_{measure}"
    gap = r[f"{key}_vae"] - r[f"{key}_ae"]
    if abs(gap) <= 2 * r[f"{key}_gap_se"]:
        return "empate"
    return "VAE" if INTERPOLATION_MEASURES[measure] * gap > 0 else "autoencoder"


def interpolation_sizes(r: dict[str, float]) -> list[int]:
    found = (re.fullmatch(r"interp_random_k(\d+)_confident_ae", key) for key in r)
    return sorted(int(match.group(1)) for match in found if match)


def interpolation_claims(r: dict[str, float], mode: str) -> dict[str, bool]:
    """The interpolation section's sentences (notebook 02 and its slides), against the numbers."""
    def verdicts(pairs, k, measures=("confident", "distance")):
        return [interpolation_verdict(r, pairs, k, measure) for measure in measures]

    def gap(pairs, k, measure="confident"):
        return r[f"interp_{pairs}_k{k}_{measure}_vae"] - r[f"interp_{pairs}_k{k}_{measure}_ae"]

    sizes = interpolation_sizes(r)
    if mode == "fast":  # digits: k = 2 and 16 only, and the VAE wins no realism measure
        return {
            "modo rápido: k = 2 y k = 16": sizes == [2, 16],
            "con digits el VAE no gana en realismo con ningún tamaño": all(
                "VAE" not in verdicts(pairs, k) for pairs in ("random", "17", "38") for k in sizes
            ),
        }
    every_confident_gap = [gap(pairs, k) for pairs in ("random", "17", "38") for k in sizes]
    return {
        "k = 2, 8, 16 y 32": sizes == [2, 8, 16, 32],
        "k = 2: gana el autoencoder en realismo": verdicts("random", 2) == ["autoencoder"] * 2,
        "k = 2: el VAE gana en suavidad": verdicts("random", 2, ["jump"]) == ["VAE"],
        "k = 8: empate en confianza, el autoencoder más cerca y más parejo": (
            verdicts("random", 8, ["confident", "distance", "jump"])
            == ["empate", "autoencoder", "autoencoder"]
        ),
        "k = 16 y 32: gana el VAE en realismo": all(
            verdicts("random", k) == ["VAE"] * 2 for k in (16, 32)
        ),
        "k ≥ 8: en suavidad no gana el VAE": all(
            verdicts("random", k, ["jump"]) == ["autoencoder"] for k in (8, 16, 32)
        ),
        "la ventaja es de unos 5 puntos": all(0.03 < gap("random", k) < 0.08 for k in (16, 32)),
        "la desviación típica entre parejas pasa de 20 puntos en los dos modelos": all(
            r[f"interp_random_k{k}_confident_{model}_std"] > 0.2
            for k in (16, 32) for model in ("ae", "vae")
        ),
        "1 → 7: con k = 2 gana el autoencoder": verdicts("17", 2, ["confident"]) == ["autoencoder"],
        "1 → 7: con k = 32 gana el VAE": verdicts("17", 32, ["confident"]) == ["VAE"],
        "1 → 7 con k = 32: la mayor ventaja del VAE en confianza": (
            gap("17", 32) == max(every_confident_gap)
        ),
        "3 → 8: con k = 2 gana el autoencoder": verdicts("38", 2, ["confident"]) == ["autoencoder"],
        "3 → 8: con k = 16 y 32 empatan en realismo": all(
            verdicts("38", k) == ["empate"] * 2 for k in (16, 32)
        ),
        "los caminos de la figura, con k = 32": r["interp_clearest_k"] == 32,
        "en cada fila de la figura, al menos 5 de 7 pasos leídos con confianza": all(
            r[f"interpolation_{a}{b}_confident_{model}"] >= 5 / 7
            for a, b in INTERPOLATION_PAIRS for model in ("ae", "vae")
        ),
    }


def claims_02(r: dict[str, float], mode: str) -> list[str]:
    """What notebook 02's prose says its numbers show; the claims that the numbers contradict."""
    betas = ("0_25", "1", "4", "16")
    reconstruction = [r[f"beta_{b}_reconstruction"] for b in betas]
    kl = [r[f"beta_{b}_kl"] for b in betas]
    active = [r[f"beta_{b}_active_dims"] for b in betas]
    elbo_gain = r["mean_image_nats"] - r["vae_negative_elbo"]
    claims = {
        "la KL no es simétrica": abs(r["kl_q_p"] - r["kl_p_q"]) > 1.0,
        # MNIST: about 45 nats below the mean image; digits (64 pixels): 1 or 2.
        "el VAE gana a la imagen media por lo que dice la prosa": (
            30 < elbo_gain < 60 if mode == "class" else 0.5 < elbo_gain < 3
        ),
        # What the generation section says, against the usual story: with k = 2 the autoencoder
        # sampled from a fitted normal scores better than the VAE on both measures.
        "el autoencoder gana en confianza del clasificador": (
            r["confidence_ae"] > r["confidence_vae"]
        ),
        "el autoencoder gana en cercanía a los datos": (
            r["nearest_distance_ae"] < r["nearest_distance_vae"]
        ),
        # k = 16: on MNIST the VAE's samples are nearer real digits and confidence ties; on
        # digits (fast mode) the autoencoder still wins, as the prose says.
        "con k = 16 y MNIST el VAE queda más cerca de los datos": (
            (r["nearest_distance_vae_k16"] < 0.95 * r["nearest_distance_ae_k16"])
            == (mode == "class")
        ),
        "con k = 16 y MNIST la confianza empata": (
            mode == "fast" or abs(r["confidence_vae_k16"] - r["confidence_ae_k16"]) < 0.02
        ),
        "con MNIST la ventaja del autoencoder en confianza baja al subir k": mode == "fast" or (
            r["confidence_ae_k16"] - r["confidence_vae_k16"]
            < r["confidence_ae"] - r["confidence_vae"]
        ),
        "con MNIST el autoencoder queda más cerca que las imágenes de prueba": (
            mode == "fast" or r["nearest_distance_ae"] < r["nearest_distance_test"]
        ),
        "los códigos del VAE están a la escala de la normal": (
            r["max_abs_code_vae"] < 6 < r["max_abs_code_ae"]
        ),
        **interpolation_claims(r, mode),
        "las filas del autoencoder empiezan y acaban en los dígitos que nombran": (
            interpolation_rows_read_as_named(r, ("ae",))
        ),
        # With digits (fast mode) the 8x8 VAE's 1 -> 7 row ends in a 9 for the classifier; the
        # row's label then says what it reads, as the prose says.
        "con MNIST también las del VAE; en modo rápido, no": (
            interpolation_rows_read_as_named(r, ("vae",)) == (mode == "class")
        ),
        "al subir β la reconstrucción empeora": reconstruction == sorted(reconstruction),
        "al subir β la KL baja": kl == sorted(kl, reverse=True),
        "al subir β hay menos dimensiones activas": active == sorted(active, reverse=True),
        "con β = 16 la posterior colapsa": (
            kl[-1] < 1.0 and active[-1] <= 1
            and reconstruction[-1] > 0.9 * r["mean_image_nats"]
        ),
        "con digits colapsa ya con β = 4": mode == "class" or (kl[2] < 0.1 and active[2] == 0),
        "con β = 0,25 se usan todas las dimensiones": active[0] == 8,
    }
    return [claim for claim, holds in claims.items() if not holds]


@pytest.mark.slow
def test_fast_mode_numbers_say_what_the_prose_says(executed):
    assert claims_01(results_table(executed[NOTEBOOK_01][0]), "fast") == []
    assert claims_02(results_table(executed[NOTEBOOK_02][0]), "fast") == []


@pytest.mark.parametrize("number, claims", [("01", claims_01), ("02", claims_02)])
def test_class_mode_numbers_say_what_the_prose_says(number, claims):
    """On the data students use (28x28 MNIST subset), as measured by course/make_figures.py."""
    summary = json.loads((FIGURES / f"cifras-{number}.json").read_text(encoding="utf-8"))
    assert summary["mode"] == "class"
    assert claims(summary["results"], "class") == []


# A row of the interpolation table (notebook 02 and its slide): k, then for each measure the
# autoencoder's and the VAE's means and who wins pair by pair.
INTERPOLATION_ROW = re.compile(
    r"^\| (\d+) \| (\d+) % / (\d+) %: \*\*(\w+)\*\* \| (\d+,\d\d) / (\d+,\d\d): \*\*(\w+)\*\* "
    r"\| (\d+) % / (\d+) %: \*\*(\w+)\*\* \|$", flags=re.MULTILINE)
# The sentence on the seed's pairs quotes three confidence shares, "(X % frente a Y %", in order:
# 1 -> 7 at k = 2 (autoencoder first), 1 -> 7 at k = 32 (VAE first), 3 -> 8 at k = 2 (autoencoder
# first).
NAMED_PAIRS_SENTENCE = re.compile(r"\*\*Las parejas de la transparencia:\*\*(.+?)(?:\n\n|\n- |$)",
                                  flags=re.DOTALL)
NAMED_PAIRS_QUOTED = (("17", 2, ("ae", "vae")), ("17", 32, ("vae", "ae")), ("38", 2, ("ae", "vae")))


def interpolation_table_mismatches(text: str, r: dict[str, float]) -> list[str]:
    """Where the interpolation table in `text` differs from the numbers, rounded as it rounds."""
    rows = INTERPOLATION_ROW.findall(text)
    if [int(row[0]) for row in rows] != interpolation_sizes(r):
        return [f"la tabla de interpolaciones da k = {[row[0] for row in rows]}"]
    problems = []
    for k, *cells in rows:
        for measure, (ae, vae, winner) in zip(INTERPOLATION_MEASURES, zip(*[iter(cells)] * 3)):
            key = f"interp_random_k{k}_{measure}"
            if measure == "distance":
                measured = tuple(f"{r[f'{key}_{m}']:.2f}".replace(".", ",") for m in ("ae", "vae"))
            else:
                measured = tuple(str(round(100 * r[f"{key}_{m}"])) for m in ("ae", "vae"))
            verdict = interpolation_verdict(r, "random", int(k), measure)
            if (ae, vae, winner) != (*measured, verdict):
                problems.append(f"k = {k}, {measure}: dice {ae} / {vae}: {winner}; las cifras, "
                                f"{measured[0]} / {measured[1]}: {verdict}")
    return problems


def named_pairs_mismatches(text: str, r: dict[str, float]) -> list[str]:
    """Where the sentence on the 1 -> 7 and 3 -> 8 pairs quotes other shares than the numbers."""
    match = NAMED_PAIRS_SENTENCE.search(text)
    if match is None:
        return ["no está la frase sobre las parejas de la transparencia"]
    quoted = re.findall(r"\((\d+) % frente a (\d+) %", " ".join(match.group(1).split()))
    measured = [
        tuple(str(round(100 * r[f"interp_{pairs}_k{k}_confident_{m}"])) for m in order)
        for pairs, k, order in NAMED_PAIRS_QUOTED
    ]
    return [] if quoted == measured else [f"la frase dice {quoted}; las cifras, {measured}"]


def class_results(number: str) -> dict[str, float]:
    summary = json.loads((FIGURES / f"cifras-{number}.json").read_text(encoding="utf-8"))
    assert summary["mode"] == "class"
    return summary["results"]


def test_interpolation_table_and_sentences_quote_the_class_mode_numbers():
    r = class_results("02")
    for where, text in (("cuaderno 02", markdown_of(NOTEBOOK_02)),
                        ("transparencias", strip_marp(SLIDES.read_text(encoding="utf-8")))):
        assert interpolation_table_mismatches(text, r) == [], where
    assert named_pairs_mismatches(markdown_of(NOTEBOOK_02), r) == []
    assert "## Interpolaciones con $k = 32$" in SLIDES.read_text(encoding="utf-8")


def test_interpolation_checks_can_fail():
    r = class_results("02")
    text = markdown_of(NOTEBOOK_02)
    moved = {**r, "interp_random_k8_confident_vae": 0.7}
    assert len(interpolation_table_mismatches(text, moved)) == 1
    # A wider standard error turns the k = 16 win into a tie: the table's "VAE" is then wrong.
    wider = {**r, "interp_random_k16_confident_gap_se": 0.05}
    assert interpolation_table_mismatches(text, wider) == [
        "k = 16, confident: dice 57 / 63: VAE; las cifras, 57 / 63: empate"]
    assert "k = 16 y 32: gana el VAE en realismo" in claims_02(wider, "class")
    assert interpolation_table_mismatches(text.replace("| 32 |", "| 64 |"), r) != []
    assert len(named_pairs_mismatches(text, {**r, "interp_17_k32_confident_ae": 0.6})) == 1
    assert named_pairs_mismatches(text.replace("**Las parejas de la", "Las parejas de la"), r) == [
        "no está la frase sobre las parejas de la transparencia"]
    fast_like = {key: value for key, value in r.items() if "_k8_" not in key and "_k32_" not in key}
    failed = claims_02(fast_like, "fast")  # class numbers: the VAE wins at k = 16
    assert "modo rápido: k = 2 y k = 16" not in failed
    assert "con digits el VAE no gana en realismo con ningún tamaño" in failed


# The anomaly slide's sentence, with the three class-mode numbers it quotes.
ANOMALY_SENTENCE = re.compile(
    r"el detector marca el (\d+) % de los ceros y da un (\d+,\d) % de falsas alarmas en los demás "
    r"dígitos \(más del 5 % que pedía el umbral[^)]*\); el área bajo la curva ROC es (\d,\d\d)\."
)


def anomaly_slide_mismatches(slides: str, r: dict[str, float]) -> list[str]:
    """Where the anomaly slide's numbers differ from the class-mode ones, rounded as it rounds."""
    match = ANOMALY_SENTENCE.search(strip_marp(slides))
    if match is None:
        return ["la transparencia de detección de anomalías ya no da sus tres cifras"]
    flagged, false_alarms, auc = (float(group.replace(",", ".")) for group in match.groups())
    said_and_measured = {
        "ceros marcados (%)": (flagged, round(100 * r["anomalies_flagged"])),
        "falsas alarmas (%)": (false_alarms, round(100 * r["false_alarms"], 1)),
        "área bajo la curva ROC": (auc, round(r["anomaly_auc"], 2)),
    }
    problems = [f"{name}: la transparencia dice {said}, cifras-01.json {measured}"
                for name, (said, measured) in said_and_measured.items() if said != measured]
    if not r["false_alarms"] > 0.05:
        problems.append("dice «más del 5 %» de falsas alarmas y no lo son")
    return problems


def test_anomaly_slide_quotes_the_class_mode_numbers():
    summary = json.loads((FIGURES / "cifras-01.json").read_text(encoding="utf-8"))
    assert anomaly_slide_mismatches(SLIDES.read_text(encoding="utf-8"), summary["results"]) == []


def test_anomaly_slide_check_can_fail():
    slides = SLIDES.read_text(encoding="utf-8")
    measured = {"anomalies_flagged": 0.6, "false_alarms": 0.0822, "anomaly_auc": 0.9168}
    assert anomaly_slide_mismatches(slides, measured) == []
    assert len(anomaly_slide_mismatches(slides, {**measured, "anomalies_flagged": 0.75})) == 1
    assert len(anomaly_slide_mismatches(slides, {**measured, "false_alarms": 0.04})) == 2
    reworded = slides.replace("marca el 60 % de los ceros", "marca la mayoría de los ceros")
    assert anomaly_slide_mismatches(reworded, measured) == [
        "la transparencia de detección de anomalías ya no da sus tres cifras"]


def test_claim_checks_can_fail():
    fake = {key: 0.01 for key in ("mse_autoencoder_k2", "mse_pca_k2", "mse_conv_k16",
                                  "mse_dense_k16", "mse_pca_k16", "mse_denoised", "mse_noisy",
                                  "anomalies_flagged", "false_alarms", "anomaly_auc",
                                  "mse_stack_finetuned", "mse_stack_stacked")}
    fake.update({"few_labels_1_pretrained": 0.6, "few_labels_1_random": 0.4})
    for a, b in INTERPOLATION_PAIRS:  # rows that read as named, except 3 → 8's end, read as a 5
        fake.update({f"interpolation_{a}{b}_start_read_ae": a,
                     f"interpolation_{a}{b}_end_read_ae": b})
    fake["interpolation_38_end_read_ae"] = 5
    failed = claims_01(fake, "class")
    assert "el autoencoder quita ruido" in failed
    assert "el preentrenamiento no da una ventaja clara" in failed
    assert "las filas de interpolación empiezan y acaban en los dígitos que nombran" in failed
    fake["interpolation_38_end_read_ae"] = 8
    assert "las filas de interpolación empiezan y acaban en los dígitos que nombran" not in (
        claims_01(fake, "class")
    )


def test_fast_variable_is_what_the_notebooks_read():
    for name in NOTEBOOKS:
        source = "\n".join(cell.source for cell in read_notebook(name).cells)
        assert f'os.environ.get("{FAST_VARIABLE}"' in source
