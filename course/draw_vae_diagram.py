"""Draw the slides' VAE diagram: encoder, the μ and σ vectors, the sampling step, decoder.

    python course/draw_vae_diagram.py            # rewrites figures/diagrama-vae.png
    python course/draw_vae_diagram.py OTRO.png   # writes it elsewhere (.png, .pdf or .svg)

A schematic, not a result: nothing is trained, so it is drawn here rather than by a notebook
(course/make_figures.py takes the other figures from the notebooks). Only matplotlib; the PNG
carries no version stamp, so the same matplotlib redraws the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / "figures" / "diagrama-vae.png"
K = 4  # boxes drawn per latent vector (k values)
COLORS = {"data": "tab:gray", "mean": "tab:blue", "std": "tab:orange", "noise": "tab:purple",
          "code": "tab:red", "encoder": "#c6dbef", "decoder": "#c7e9c0"}


def _vector(ax, x, y_center, color, label, below):
    """A column of K boxes (a latent vector) centred at (x, y_center), labelled above it."""
    height = 0.32
    bottom = y_center - K * height / 2
    for i in range(K):
        ax.add_patch(Rectangle((x - 0.17, bottom + i * height), 0.34, height * 0.9,
                               color=color, alpha=0.75))
    ax.text(x, bottom + K * height + 0.08, label, ha="center", va="bottom", fontsize=13)
    ax.text(x, bottom - 0.1, below, ha="center", va="top", fontsize=9)
    return bottom, bottom + K * height


def _trapezoid(ax, x0, x1, tall, short, color, label, narrowing):
    left, right = (tall, short) if narrowing else (short, tall)
    ax.add_patch(Polygon([(x0, -left), (x1, -right), (x1, right), (x0, left)], closed=True,
                         color=color, ec="black", lw=0.8))
    ax.text((x0 + x1) / 2, 0, label, ha="center", va="center", fontsize=11)


def _arrow(ax, start, end, text=None, style="-|>"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, lw=1.2,
                                 color="black", shrinkA=2, shrinkB=2))
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12, text, ha="center",
                va="bottom", fontsize=9)


def draw():
    """The diagram as a matplotlib Figure (not saved)."""
    fig, ax = plt.subplots(figsize=(11, 4.6))
    # Input image x and the encoder q(z|x).
    ax.add_patch(Rectangle((-0.2, -1.1), 0.4, 2.2, color=COLORS["data"], alpha=0.6))
    ax.text(0, 1.2, "x", ha="center", va="bottom", fontsize=14)
    ax.text(0, -1.2, "imagen\n(d píxeles)", ha="center", va="top", fontsize=9)
    _trapezoid(ax, 0.45, 2.05, 1.1, 0.55, COLORS["encoder"], "codificador\nq(z | x)", True)
    # The encoder's two outputs: the mean vector and the log-variance, turned into σ.
    _arrow(ax, (2.05, 0.3), (2.75, 1.15))
    _arrow(ax, (2.05, -0.3), (2.75, -1.15))
    _vector(ax, 3.0, 1.3, COLORS["mean"], "μ", "media (k valores)")
    _vector(ax, 3.0, -1.3, COLORS["std"], "σ", "desviación (k valores),\nσ = exp(½ · log σ²)")
    # The sampling step: noise from N(0, I), then z = μ + σ ⊙ ε.
    _vector(ax, 5.0, -2.45, COLORS["noise"], "", "")
    ax.text(5.42, -2.45, "ε ~ N(0, I)", ha="left", va="center", fontsize=12)
    ax.add_patch(Rectangle((4.35, -0.55), 1.3, 1.1, fill=False, ec="black", lw=1.0, ls="--"))
    ax.text(5.0, 0.12, "muestreo", ha="center", va="bottom", fontsize=10)
    ax.text(5.0, -0.05, "z = μ + σ ⊙ ε", ha="center", va="top", fontsize=12)
    _arrow(ax, (3.2, 1.3), (4.35, 0.3))
    _arrow(ax, (3.2, -1.3), (4.35, -0.3))
    _arrow(ax, (5.0, -1.75), (5.0, -0.55))
    _vector(ax, 6.3, 0, COLORS["code"], "z", "código (k valores)")
    _arrow(ax, (5.65, 0), (6.1, 0))
    # The decoder p(x|z) and the reconstruction.
    _trapezoid(ax, 6.85, 8.45, 1.1, 0.55, COLORS["decoder"], "decodificador\np(x | z)", False)
    _arrow(ax, (6.5, 0), (6.85, 0))
    ax.add_patch(Rectangle((8.7, -1.1), 0.4, 2.2, color=COLORS["data"], alpha=0.6))
    ax.text(8.9, 1.2, "x̂", ha="center", va="bottom", fontsize=14)
    ax.text(8.9, -1.2, "reconstrucción\n(píxeles en [0, 1])", ha="center", va="top", fontsize=9)
    # The two terms of the loss, next to what each one compares.
    ax.text(3.0, 2.75, "pérdida KL: (μ, σ) frente a N(0, I)", ha="center", va="bottom",
            fontsize=10, color=COLORS["mean"])
    ax.text(4.45, -3.45, "pérdida de reconstrucción: x frente a x̂ (entropía cruzada)",
            ha="center", va="top", fontsize=10, color="dimgray")
    ax.set_xlim(-0.5, 9.6)
    ax.set_ylim(-3.9, 3.2)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("Autoencoder variacional: el codificador da dos vectores, μ y σ, y z se muestrea")
    fig.tight_layout()
    return fig


def figure_texts(fig) -> list[str]:
    """Every text drawn on the figure (for the tests)."""
    return [text.get_text() for ax in fig.axes for text in ax.texts + [ax.title] if text.get_text()]


def main(output: Path = OUTPUT) -> int:
    fig = draw()
    try:
        stamp = {"metadata": {"Software": None}} if output.suffix.lower() == ".png" else {}
        fig.savefig(output, dpi=100, **stamp)
    except (OSError, ValueError) as error:  # a missing folder, an unknown image format
        print(f"no se pudo escribir {output}: {error}", file=sys.stderr)
        return 2
    finally:
        plt.close(fig)
    print(f"escrito {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT))
