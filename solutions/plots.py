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

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .analysis import encode, interpolate

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
    scatter = axes.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=8, alpha=0.8)
    figure.colorbar(scatter, ax=axes, label="label")
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


def plot_interpolation(images, image_shape: Sequence[int], path, title: str = "") -> Path:
    """A strip of decoded codes on the line between two codes, start on the left.

    Example:
        >>> strip = interpolate(autoencoder, x_test[0], x_test[1], steps=9)
        >>> plot_interpolation(strip, (8, 8), "interpolation.png")
    """
    steps = len(images)
    figure = _figure(width=1.1 * steps, height=1.8)
    row = figure.subplots(1, steps, squeeze=False)[0]
    weights = np.linspace(0.0, 1.0, steps)
    for axes, image, weight in zip(row, images, weights):
        _show_image(axes, image, image_shape)
        axes.set_xlabel(f"{weight:.2f}")
    figure.suptitle(title or "Decoded codes between two held-out images")
    return _save(figure, path)


def plot_vae_manifold(vae, image_shape: Sequence[int], path, n: int = 15, title: str = ""):
    """Decoded images on an n x n grid of 2-D codes at evenly spaced quantiles of N(0, 1).

    Only defined for a two-dimensional latent space: returns None (and writes nothing) otherwise.

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
    canvas = images.reshape(n, n, height, width).transpose(0, 2, 1, 3).reshape(n * height, -1)
    figure = _figure(width=7.0, height=7.0)
    axes = figure.subplots()
    extent = (values[0], values[-1], values[0], values[-1])
    axes.imshow(canvas, cmap="gray", vmin=0.0, vmax=1.0, extent=extent)
    axes.set_xlabel("z[0]")
    axes.set_ylabel("z[1]")
    figure.suptitle(title or "Decoder outputs over the 2-D latent space")
    return _save(figure, path)


def save_model_figures(kind: str, model, data, histories, folder, seed: int = 0) -> list[Path]:
    """Every figure of one trained reference model, written into `folder`.

    Args:
        kind: "autoencoder", "stacked" or "vae".
        model: The trained model (it has `.encoder` and `.decoder`).
        data: The `Dataset` it was trained on; figures use the held-out split.
        histories: `{name: History}` as returned by the `solutions.training` functions.
        folder: Existing folder for the PNG files.
        seed: Seed of the prior samples.

    Returns:
        The paths written.

    Example:
        >>> model, metrics, histories = train_vae(data)
        >>> save_model_figures("vae", model, data, histories, "results/vae")
    """
    folder = Path(folder)
    shape = data.image_shape
    x, y = data.x_test, data.y_test
    other = int(np.argmax(y != y[0]))  # the first held-out example of another class
    reconstructions = (
        model.decoder.predict(encode(model, x[:10]), verbose=0) if kind == "vae"
        else model.predict(x[:10], verbose=0)
    )
    paths = [
        plot_reconstructions(
            x, reconstructions, shape, folder / "reconstructions.png",
            title=f"{kind}: held-out images (top) and reconstructions (bottom"
            + (", decoded posterior means)" if kind == "vae" else ")"),
        ),
        plot_loss_curves(histories, folder / "loss_curves.png", title=f"{kind}: loss per epoch"),
        plot_latent_space(
            encode(model, x), y, folder / "latent_space.png",
            title=f"{kind}: codes of held-out images"
            + (" (posterior means)" if kind == "vae" else ""),
        ),
        plot_interpolation(
            interpolate(model, x[0], x[other], steps=9), shape, folder / "interpolation.png",
            title=f"{kind}: decoded codes between a held-out {y[0]} and a {y[other]}",
        ),
    ]
    if kind == "vae":
        paths.append(
            plot_image_grid(
                model.generate(32, seed=seed), shape, folder / "samples.png",
                title="vae: decoded samples from the prior N(0, I)",
            )
        )
        manifold = plot_vae_manifold(model, shape, folder / "manifold.png")
        if manifold is not None:
            paths.append(manifold)
    return paths


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
