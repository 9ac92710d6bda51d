"""Figures of the course, saved as labelled PNG files.

Every function draws on its own `matplotlib.figure.Figure` rendered by the Agg canvas: no
window opens, and pyplot's global backend (e.g. the inline one of a notebook) is left alone.
Images are given flattened or not; they are reshaped with the dataset's `image_shape`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._keras import ops
from .analysis import encode, interpolate, interpolation_endpoints

DPI = 100


def plot_reconstructions(
    originals, reconstructions, image_shape: Sequence[int], path, n: int = 10, title: str = ""
) -> Path:
    """Originals (top row) above their reconstructions (bottom row).

    Example:
        >>> plot_reconstructions(x_test, autoencoder.predict(x_test), (8, 8), "recon.png")
    """
    n = min(n, len(originals))
    figure = _figure(width=1.1 * n, height=2.6)
    grid = figure.subplots(2, n, squeeze=False)
    for column in range(n):
        _show_image(grid[0, column], originals[column], image_shape)
        _show_image(grid[1, column], reconstructions[column], image_shape)
    grid[0, 0].set_ylabel("original")
    grid[1, 0].set_ylabel("reconstruction")
    figure.suptitle(title or "Held-out images and their reconstructions")
    return _save(figure, path)


def plot_loss_curves(histories: Mapping[str, object], path, title: str = "") -> Path:
    """One panel per training run (e.g. each pretraining stage, then fine-tuning).

    Each panel shows the training loss and, when `fit` had validation data, the held-out loss.

    Args:
        histories: `{name: History or history dict}`, in training order.
        path: Where to write the PNG.
        title: Figure title.

    Example:
        >>> plot_loss_curves({"stage_1": h1, "stage_2": h2, "fine_tuning": h3}, "loss.png")
    """
    if not histories:
        raise ValueError("no history to plot")
    figure = _figure(width=4.2 * len(histories), height=3.4)
    axes_row = figure.subplots(1, len(histories), squeeze=False)[0]
    for axes, (name, history) in zip(axes_row, histories.items()):
        logs = getattr(history, "history", history)
        epochs = np.arange(1, len(logs["loss"]) + 1)
        axes.plot(epochs, logs["loss"], label="training")
        if "val_loss" in logs:
            axes.plot(epochs, logs["val_loss"], linestyle="--", label="held-out")
        axes.set_title(name.replace("_", " "))
        axes.set_xlabel("epoch")
        axes.set_ylabel("loss")
        axes.legend()
    figure.suptitle(title or "Loss per epoch")
    return _save(figure, path)


def plot_latent_space(codes, labels, path, title: str = "") -> Path:
    """Codes as points in the plane, coloured by label; PCA-projected when they have > 2 values.

    Example:
        >>> plot_latent_space(encode(autoencoder, x_test), y_test, "latent.png")
    """
    codes = np.asarray(codes, dtype="float64")
    latent_dim = codes.shape[1]
    if latent_dim > 2:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=0).fit(codes)
        points = pca.transform(codes)
        share = pca.explained_variance_ratio_
        axis_labels = [
            f"PC {k + 1} of the {latent_dim}-D code ({100 * share[k]:.0f}% of variance)"
            for k in range(2)
        ]
    elif latent_dim == 2:
        points, axis_labels = codes, ["z[0]", "z[1]"]
    else:  # one-dimensional code: spread the points vertically by label
        points = np.column_stack([codes[:, 0], np.asarray(labels, dtype="float64")])
        axis_labels = ["z[0]", "label"]
    figure = _figure(width=6.0, height=5.0)
    axes = figure.subplots()
    classes = int(np.max(labels)) + 1
    scatter = axes.scatter(
        points[:, 0], points[:, 1], c=labels, cmap="tab10", s=8, alpha=0.8,
        vmin=-0.5, vmax=max(classes, 10) - 0.5,  # one tab10 colour per label, ticks centred
    )
    figure.colorbar(scatter, ax=axes, label="label", ticks=range(classes))
    axes.set_xlabel(axis_labels[0])
    axes.set_ylabel(axis_labels[1])
    figure.suptitle(title or "Latent codes of held-out images")
    return _save(figure, path)


def plot_image_grid(images, image_shape: Sequence[int], path, columns: int = 8, title: str = ""):
    """Images in a grid, row by row (e.g. VAE samples from the prior).

    Example:
        >>> plot_image_grid(vae.generate(32, seed=0), (8, 8), "samples.png", title="Samples")
    """
    rows = math.ceil(len(images) / columns)
    figure = _figure(width=1.0 * columns, height=1.0 * rows + 0.6)
    grid = figure.subplots(rows, columns, squeeze=False)
    for index, axes in enumerate(grid.flat):
        if index < len(images):
            _show_image(axes, images[index], image_shape)
        else:
            axes.set_axis_off()
    figure.suptitle(title)
    return _save(figure, path)


def plot_interpolation(rows: Sequence[Mapping], image_shape: Sequence[int], path, title=""):
    """One row per pair: the real start image, the decoded path, the real end image.

    Args:
        rows: `{"label", "start", "path", "end"}` each: the row's name, the two real images and
            the decoded codes from the start's code to the end's (first column t = 0).
        image_shape: (height, width) of one image.
        path: Where to write the PNG.
        title: Figure title.

    Example:
        >>> strip = interpolate(autoencoder, x_test[i], x_test[j], steps=9)
        >>> row = {"label": "1 → 7", "start": x_test[i], "path": strip, "end": x_test[j]}
        >>> plot_interpolation([row], (28, 28), "interpolation.png")
    """
    steps = len(rows[0]["path"])
    figure = _figure(width=1.0 * (steps + 2) + 1.4, height=1.15 * len(rows) + 1.0)
    # A narrow empty column on each side of the path sets the real images apart.
    grid = figure.subplots(
        len(rows), steps + 4, squeeze=False,
        gridspec_kw={"width_ratios": [1, 0.25, *[1] * steps, 0.25, 1]},
    )
    for axes_row, row in zip(grid, rows):
        images = [row["start"], None, *row["path"], None, row["end"]]
        for axes, image in zip(axes_row, images):
            if image is None:
                axes.set_axis_off()
            else:
                _show_image(axes, image, image_shape)
        for axes in (axes_row[0], axes_row[-1]):
            for spine in axes.spines.values():
                spine.set_edgecolor("tab:orange")
                spine.set_linewidth(2.5)
        axes_row[0].set_ylabel(row["label"], rotation=0, ha="right", va="center")
    column_titles = ["real", None, *[f"t={w:.2f}" for w in np.linspace(0, 1, steps)], None, "real"]
    for axes, column_title in zip(grid[0], column_titles):
        if column_title:
            axes.set_title(column_title, fontsize=9)
    figure.suptitle(title or "Decoded codes between two held-out images (real images framed)")
    return _save(figure, path)


def plot_vae_manifold(vae, image_shape: Sequence[int], path, n: int = 15, title: str = ""):
    """Decoded images on an n x n grid of 2-D codes at evenly spaced quantiles of N(0, 1).

    Tiles are separated by white lines; the ticks give each row's and column's z value. Only
    defined for a two-dimensional latent space: returns None (and writes nothing) otherwise.

    Example:
        >>> plot_vae_manifold(vae, (28, 28), "manifold.png")   # vae.latent_dim == 2
    """
    if vae.latent_dim != 2:
        return None
    # Quantiles, not a linear range: the grid covers the prior's mass evenly.
    normal = statistics.NormalDist()
    values = np.array([normal.inv_cdf(q) for q in np.linspace(0.01, 0.99, n)], dtype="float32")
    codes = np.array([[z0, z1] for z1 in values[::-1] for z0 in values], dtype="float32")
    images = vae.decoder.predict(codes, batch_size=256, verbose=0)
    height, width = _image_size(image_shape, images.shape[-1])
    gap = max(1, height // 14)  # in pixels: 1 for 8x8 tiles, 2 for 28x28
    tiles = np.pad(
        images.reshape(n, n, height, width), ((0, 0), (0, 0), (0, gap), (0, gap)),
        constant_values=np.nan,
    )
    canvas = tiles.transpose(0, 2, 1, 3).reshape(n * (height + gap), n * (width + gap))
    figure = _figure(width=7.4, height=7.6)
    axes = figure.subplots()
    colours = matplotlib.colormaps["gray"].with_extremes(bad="white")
    axes.imshow(canvas[:-gap, :-gap], cmap=colours, vmin=0.0, vmax=1.0, interpolation="nearest")
    centres_x = np.arange(n) * (width + gap) + (width - 1) / 2
    centres_y = np.arange(n) * (height + gap) + (height - 1) / 2
    ticks = [f"{round(float(v), 2) + 0.0:.2f}" for v in values]  # no "-0.00" in the middle
    axes.set_xticks(centres_x, ticks, rotation=90, fontsize=8)
    axes.set_yticks(centres_y, ticks[::-1], fontsize=8)
    axes.set_xlabel("z[0] (code value at the column's centre)")
    axes.set_ylabel("z[1] (code value at the row's centre)")
    figure.suptitle(
        title or f"Decoder output at each point of a {n} x {n} grid of codes z\n"
        "(quantiles 1 % to 99 % of N(0, 1) on each axis)"
    )
    return _save(figure, path)


def save_model_figures(
    kind: str, model, data, histories, folder, seed: int = 0, endpoints=None
) -> list[Path]:
    """Every figure of one trained reference model, written into `folder`.

    Args:
        kind: "autoencoder", "stacked" or "vae".
        model: The trained model (it has `.encoder` and `.decoder`).
        data: The `Dataset` it was trained on; figures use the held-out split.
        histories: `{name: History}` as returned by the `solutions.training` functions.
        folder: Existing folder for the PNG files.
        seed: Seed of the prior samples.
        endpoints: The interpolation's pairs as `analysis.interpolation_endpoints` returns them
            (computed here when None).

    Returns:
        The paths written.

    Example:
        >>> model, metrics, histories = train_vae(data)
        >>> save_model_figures("vae", model, data, histories, "results/vae")
    """
    folder = Path(folder)
    shape = data.image_shape
    x, y = data.x_test, data.y_test
    # One held-out example of each digit, in order: the row reads 0, 1, 2, ...
    shown = np.array([np.flatnonzero(y == digit)[0] for digit in np.unique(y)][:10])
    reconstructions = ops.convert_to_numpy(model.decoder(encode(model, x[shown])))
    decoded = ", decoded posterior means" if kind == "vae" else ""
    name = f"{kind}, {model.latent_dim}-number code"
    paths = [
        plot_reconstructions(
            x[shown], reconstructions, shape, folder / "reconstructions.png",
            title=f"{name}: held-out digits (top) and their reconstructions (bottom{decoded})",
        ),
        plot_loss_curves(histories, folder / "loss_curves.png", title=f"{name}: loss per epoch"),
        plot_latent_space(
            encode(model, x), y, folder / "latent_space.png",
            title=f"{name}: codes of held-out images, coloured by digit"
            + (" (posterior means)" if kind == "vae" else ""),
        ),
        plot_interpolation(
            _interpolation_rows(model, data, endpoints), shape, folder / "interpolation.png",
            title=f"{name}: decoded codes on the line between two held-out digits' codes"
            + (" (posterior means)" if kind == "vae" else "") + ", real images framed",
        ),
    ]
    if kind == "vae":
        paths.append(
            plot_image_grid(
                model.generate(32, seed=seed), shape, folder / "samples.png",
                title=f"{name}: 32 images decoded from codes drawn from the prior N(0, I)",
            )
        )
        manifold = plot_vae_manifold(model, shape, folder / "manifold.png", title=(
            f"{name}: decoder output at each point of a 15 x 15 grid of codes z\n"
            "(quantiles 1 % to 99 % of N(0, 1) on each axis)"
        ))
        if manifold is not None:
            paths.append(manifold)
    return paths


def _interpolation_rows(model, data, endpoints) -> list[dict]:
    if endpoints is None:
        endpoints = interpolation_endpoints(model, data)
    rows = []
    for pair in endpoints:
        start, end = data.x_test[pair["index_from"]], data.x_test[pair["index_to"]]
        label = f"{pair['from']} → {pair['to']}"
        if not pair["recognised"]:  # an undertrained model: say what its ends look like
            looks_a, looks_b = pair["reconstructed_as"]
            label += f"\n(decoded ends\nread as\n{looks_a} → {looks_b})"
        rows.append({"label": label, "start": start, "end": end,
                     "path": interpolate(model, start, end, steps=9)})
    return rows


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path) -> Path:
    path = Path(path)
    figure.savefig(path, format="png")
    return path


def _image_size(image_shape: Sequence[int], size: int) -> tuple[int, int]:
    """(height, width) of an image: from `image_shape`, or a square when it is 1-D."""
    if len(image_shape) >= 2:
        return int(image_shape[0]), int(image_shape[1])
    side = math.isqrt(size)
    if side * side != size:
        raise ValueError(f"cannot show a flat vector of {size} values as an image")
    return side, side


def _show_image(axes, image, image_shape: Sequence[int]) -> None:
    image = np.asarray(image)
    axes.imshow(
        image.reshape(_image_size(image_shape, image.size)), cmap="gray", vmin=0.0, vmax=1.0
    )
    axes.set_xticks([])
    axes.set_yticks([])
