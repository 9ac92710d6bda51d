"""Course notebook 03, the conditional VAE: what its prose and its slides say its numbers show.

The notebook runs once in fast mode (AUTOENCODERS_COURSE_FAST=1, scikit-learn's 8x8 digits) in a
module fixture; every claim of its prose is checked on those numbers and on the class-mode ones
that course/make_figures.py wrote to figures/cifras-03.json (the bundled 28x28 MNIST subset). The
slides quote class-mode numbers, each checked against cifras-03.json as the slides round it. The
static checks shared with notebooks 01 and 02 (no outputs, imports, labelled figures, slide
headings, credits) are in test_course.py and test_course_credits.py.
"""

from __future__ import annotations

import json
import re
from statistics import mean

import pytest
from test_course import (
    COURSE,
    EXPECTED,
    FAST_VARIABLE,
    FIGURES,
    NOTEBOOK_03,
    SLIDES,
    _children_cpu_seconds,
    code_of,
    images,
    markdown_of,
    read_notebook,
    results_table,
    stream_text,
    strip_marp,
)

DIGITS = range(10)


def claims_03(r: dict[str, float], mode: str) -> list[str]:
    """What notebook 03's prose says its numbers show; the claims that the numbers contradict."""
    mnist = mode == "class"
    generated = [r[f"generated_read_as_requested_{c}"] for c in DIGITS]
    unconditional = [r[f"unconditional_read_as_{c}"] for c in DIGITS]
    transferred = [r[f"transfer_read_as_target_{c}"] for c in DIGITS]
    slant, ink = r["transfer_slant_correlation"], r["transfer_ink_correlation"]
    claims = {
        "el condicional describe las imágenes de prueba con menos nats": (
            r["cvae_negative_elbo"] < r["vae_negative_elbo"]
        ),
        "y con una KL menor": r["cvae_kl"] < r["vae_kl"],
        "el juez lee bien las imágenes reales (más del 90 %)": r["classifier_accuracy"] > 0.9,
        "las medias son las de los diez dígitos": (
            abs(mean(generated) - r["generated_read_as_requested_mean"]) < 1e-3
            and abs(mean(transferred) - r["transfer_read_as_target_mean"]) < 1e-3
        ),
        "el dígito pedido en la gran mayoría de las generadas": (
            r["generated_read_as_requested_mean"] > 0.9
        ),
        "en todos los dígitos, más de 8 de cada 10": min(generated) > 0.8,
        "el juez reconoce el pedido en las generadas más a menudo que en las reales": (
            r["generated_read_as_requested_mean"] > r["classifier_accuracy"]
        ),
        "sin condicionar, un 7 como mucho una vez de cada cuatro": unconditional[7] <= 0.25,
        "con MNIST, bastantes menos": not mnist or unconditional[7] < 0.1,
        "sin condicionar, algún dígito sale más del doble de lo que le toca": (
            max(unconditional) > 0.2
        ),
        "las transferidas: más de 9 de cada 10 con el dígito de destino": (
            r["transfer_read_as_target_mean"] > 0.9
        ),
        "con MNIST la inclinación pasa: correlación alta": not mnist or slant > 0.6,
        "prácticamente nula con un código aleatorio": (
            abs(r["random_code_slant_correlation"]) < 0.15
            and abs(r["random_code_ink_correlation"]) < 0.15
        ),
        "con MNIST la tinta también pasa, aunque menos": not mnist or 0.2 < ink < slant,
        "con digits las dos correlaciones son pequeñas": mnist or max(abs(slant), abs(ink)) < 0.3,
        "desde el código del VAE se adivina el dígito mucho mejor que al azar": (
            r["latent_label_accuracy_vae"] > 0.3
        ),
        "desde el del condicional, mucho peor": (
            r["latent_label_accuracy_cvae"] < 0.6 * r["latent_label_accuracy_vae"]
        ),
        "con MNIST una dimensión sigue la inclinación, más que en el VAE": not mnist or (
            r["latent_slant_correlation_cvae"] > 0.7
            and r["latent_slant_correlation_cvae"] > r["latent_slant_correlation_vae"]
        ),
    }
    return [claim for claim, holds in claims.items() if not holds]


def class_results() -> dict[str, float]:
    summary = json.loads((FIGURES / "cifras-03.json").read_text(encoding="utf-8"))
    assert summary["mode"] == "class" and summary["notebook"] == NOTEBOOK_03
    return summary["results"]


def test_class_mode_numbers_say_what_the_prose_says():
    assert claims_03(class_results(), "class") == []


def test_claim_check_can_fail():
    r = dict(class_results())
    assert claims_03(r, "class") == []
    assert claims_03(r, "fast") == ["con digits las dos correlaciones son pequeñas"]
    r["generated_read_as_requested_1"] = 0.5  # one digit drawn badly: the mean no longer matches
    assert claims_03(r, "class") == ["las medias son las de los diez dígitos",
                                     "en todos los dígitos, más de 8 de cada 10"]
    r = dict(class_results())
    r["latent_label_accuracy_cvae"] = r["latent_label_accuracy_vae"]
    assert claims_03(r, "class") == ["desde el del condicional, mucho peor"]


# ------------------------------------------------------------------------------------ the slides


def decimal(value: float, places: int) -> str:
    """A number as the slides write it: decimal comma, a true minus sign."""
    return f"{value:.{places}f}".replace(".", ",").replace("-", "−")


def percent(value: float) -> str:
    return f"{100 * value:.0f}"


def worst_generated(r: dict[str, float]) -> tuple[str, str]:
    """The digit the judge reads least often as requested, and that share in percent."""
    worst = min(DIGITS, key=lambda c: r[f"generated_read_as_requested_{c}"])
    return str(worst), percent(r[f"generated_read_as_requested_{worst}"])


# Each sentence of the conditional-VAE slides that quotes a number: its pattern, and the class-mode
# numbers it quotes, rounded as the slide rounds them.
SLIDE_NUMBERS = (
    (r"−ELBO de (\d+) nats por imagen frente a (\d+) \(KL de (\d+,\d) frente a (\d+,\d)\)",
     lambda r: (decimal(r["cvae_negative_elbo"], 0), decimal(r["vae_negative_elbo"], 0),
                decimal(r["cvae_kl"], 1), decimal(r["vae_kl"], 1))),
    (r"acierta el (\d+) % de las imágenes reales de prueba",
     lambda r: (percent(r["classifier_accuracy"]),)),
    (r"lee el dígito pedido en el (\d+) % de las imágenes generadas \(el peor dígito, el (\d), "
     r"en el (\d+) %\)",
     lambda r: (percent(r["generated_read_as_requested_mean"]), *worst_generated(r))),
    (r"Sin condicionar, el juez lee un 7 en el (\d+) % de las muestras",
     lambda r: (percent(r["unconditional_read_as_7"]),)),
    (r"lee el dígito de destino en el (\d+) % de las transferidas",
     lambda r: (percent(r["transfer_read_as_target_mean"]),)),
    (r"la inclinación del original y la de la transferida tienen una correlación de (−?\d,\d\d) "
     r"\((−?\d,\d\d) con un código aleatorio\)",
     lambda r: (decimal(r["transfer_slant_correlation"], 2),
                decimal(r["random_code_slant_correlation"], 2))),
    (r"se adivina desde el código en el (\d+) % de las imágenes de prueba sin condicionar y en el "
     r"(\d+) % con el condicional",
     lambda r: (percent(r["latent_label_accuracy_vae"]),
                percent(r["latent_label_accuracy_cvae"]))),
)


def slide_number_mismatches(slides: str, r: dict[str, float]) -> list[str]:
    """Sentences of the slides missing, or quoting other numbers than the class-mode ones."""
    text = " ".join(strip_marp(slides).split())
    problems = []
    for pattern, expected in SLIDE_NUMBERS:
        match = re.search(pattern, text)
        if match is None:
            problems.append(f"falta la frase {pattern!r}")
        elif match.groups() != expected(r):
            problems.append(f"{match.group(0)!r}: cifras-03.json dice {expected(r)}")
    return problems


def test_slides_quote_the_class_mode_numbers():
    assert slide_number_mismatches(SLIDES.read_text(encoding="utf-8"), class_results()) == []


def test_slide_number_check_can_fail():
    slides, r = SLIDES.read_text(encoding="utf-8"), class_results()
    off = dict(r, transfer_slant_correlation=r["transfer_slant_correlation"] + 0.1)
    assert len(slide_number_mismatches(slides, off)) == 1
    worst = min(DIGITS, key=lambda c: r[f"generated_read_as_requested_{c}"])
    other_worst = dict(r, **{f"generated_read_as_requested_{(worst + 1) % 10}": 0.01})
    assert len(slide_number_mismatches(slides, other_worst)) == 1
    reworded = slides.replace("Sin condicionar, el juez lee un 7", "Sin condicionar, sale un 7")
    assert len(slide_number_mismatches(reworded, r)) == 1


# ------------------------------------------------------------------------------------ the notebook


def test_the_model_is_written_in_the_notebook():
    code, prose = code_of(NOTEBOOK_03), markdown_of(NOTEBOOK_03)
    for piece in ("layers.Conv2D(", "strides=2", "layers.Conv2DTranspose(",
                  "layers.UpSampling2D((height, width))", "layers.Concatenate()([code, label])",
                  "class VariationalBottleneck(layers.Layer)", "self.add_loss(ops.mean(kl))",
                  'activation="sigmoid"', "keras.random.SeedGenerator"):
        assert piece in code, piece
    for piece in ("Sohn, Lee y Yan", "2015", "Kingma, Rezende, Mohamed y Welling", "M2",
                  r"\log p(\mathbf{x}\mid y) \ge"):
        assert piece in prose, piece


@pytest.fixture(scope="module")
def executed():
    """Notebook 03 executed once in fast mode: (notebook, CPU seconds of its kernel)."""
    from nbclient import NotebookClient

    notebook = read_notebook(NOTEBOOK_03)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(FAST_VARIABLE, "1")  # the kernel inherits this environment
        patch.delenv("MPLBACKEND", raising=False)  # figures must reach the inline backend
        patch.delenv("PYTEST_CURRENT_TEST", raising=False)  # as in test_course.executed
        start = _children_cpu_seconds()
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(COURSE)}}).execute()
    seconds = _children_cpu_seconds() - start
    print(f"{NOTEBOOK_03}: {seconds:.1f} CPU s in fast mode")  # shown with pytest -s
    return notebook, seconds


@pytest.mark.slow
def test_notebook_runs_in_fast_mode_and_shows_its_figures(executed):
    notebook, _ = executed
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.output_type == "error"]
    assert errors == []
    stdout = stream_text(notebook, "stdout")
    assert "Conjunto: digits." in stdout, "fast mode did not apply"
    stderr = stream_text(notebook, "stderr")
    assert stderr == "", f"printed to stderr:\n{stderr[:2000]}"
    # "Aun sin entrenar, el decodificador da diez imágenes distintas para el mismo código"
    assert "el mismo código con las 10 etiquetas → (10, 64) imágenes distintas: 10" in stdout
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert sum(images(cell) for cell in code_cells) >= EXPECTED[NOTEBOOK_03]["figures"]
    for figure, marker in EXPECTED[NOTEBOOK_03]["key_figures"].items():
        (cell,) = [cell for cell in code_cells if marker in cell.source]
        assert images(cell) >= 1, f"no figure for {figure}"


@pytest.mark.slow
def test_fast_mode_numbers_say_what_the_prose_says(executed):
    assert claims_03(results_table(executed[0]), "fast") == []
