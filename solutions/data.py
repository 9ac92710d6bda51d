"""Datasets: scikit-learn's digits and an MNIST subset (both offline), MNIST, Fashion-MNIST.

All loaders return float32 pixels in [0, 1] with a held-out split. "mnist_subset" is the file the
course notebooks use, `course/data/mnist_subset.npz` (5,000 + 1,000 real MNIST digits, 28x28),
shipped as package data too (`MNIST_SUBSET_PATH`), so an installed wheel loads it. MNIST and
Fashion-MNIST come from `keras.datasets` (its cache, or a download when online) or from local
files: a folder of idx.gz files as published by their authors, or an `.npz` in Keras's layout.
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: What keras.datasets downloads, for the "not available" message.
KERAS_DATASETS = {
    "mnist": "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    "fashion_mnist": "the four *-idx?-ubyte.gz files under "
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
}
#: Environment variables that point at a local copy (folder of idx.gz files or an .npz file).
PATH_VARIABLES = {
    "mnist": "AUTOENCODERS_COURSE_MNIST",
    "fashion_mnist": "AUTOENCODERS_COURSE_FASHION_MNIST",
}
#: Set to 1 to never try a download (tests, exams, air-gapped labs).
OFFLINE_VARIABLE = "AUTOENCODERS_COURSE_OFFLINE"
DATASET_NAMES = ("digits", "mnist_subset", "mnist", "fashion_mnist")
#: The bundled MNIST subset as package data. In the repository it is a symlink to the one copy,
#: course/data/mnist_subset.npz, which the notebooks read; a built wheel holds the file itself.
MNIST_SUBSET_PATH = Path(__file__).resolve().parent / "mnist_subset.npz"


class DatasetUnavailableError(RuntimeError):
    """The dataset is neither bundled, cached nor downloadable; the message says what to do."""


@dataclass(frozen=True)
class Dataset:
    """A train / held-out split. `x_*` are float32 in [0, 1]; `y_*` are integer labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, int]

    @property
    def input_dim(self) -> int:
        return int(np.prod(self.image_shape))

    @property
    def num_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max()) + 1)


def load_dataset(
    name: str = "digits",
    *,
    path: str | os.PathLike | None = None,
    flatten: bool = True,
    test_fraction: float = 0.2,
    max_train: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Load a dataset as float32 in [0, 1] with a held-out split.

    Args:
        name: "digits" (scikit-learn, offline), "mnist_subset" (bundled, offline), "mnist" or
            "fashion_mnist"; or the path
            of a local copy (a folder of idx.gz files or an .npz file).
        path: Local copy of MNIST / Fashion-MNIST; overrides the environment variable
            `AUTOENCODERS_COURSE_MNIST` / `AUTOENCODERS_COURSE_FASHION_MNIST`.
        flatten: Return (n, height * width) vectors instead of (n, height, width) images.
        test_fraction: Held-out share when the source has no split of its own (digits, or a copy
            with only one of the two splits).
        max_train: Keep at most this many training examples (quick experiments).
        seed: Seed of the shuffle used for splits made here.

    Raises:
        DatasetUnavailableError: Offline with no local or cached copy; the message names the file
            to fetch and where to put it.
        ValueError: Unknown name, or a file that is not a valid idx / npz dataset.

    Example:
        >>> data = load_dataset("digits")
        >>> data.x_train.shape, data.x_train.dtype
        ((1438, 64), dtype('float32'))
    """
    if name not in DATASET_NAMES:
        if Path(name).exists():
            path, name = name, "mnist"
        else:
            raise ValueError(
                f"unknown dataset {name!r}: use one of {', '.join(DATASET_NAMES)} "
                "or the path of a local copy (folder of idx.gz files or an .npz file)"
            )
    if name == "digits":
        arrays, image_shape = _load_digits(test_fraction, seed), (8, 8)
    elif name == "mnist_subset":
        arrays = _load_mnist_subset()
        image_shape = arrays[0].shape[1:]
    else:
        arrays = _load_keras_layout(name, path, test_fraction, seed)
        image_shape = arrays[0].shape[1:]
    x_train, y_train, x_test, y_test = arrays
    if max_train is not None:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    if flatten:
        size = int(np.prod(image_shape))  # not -1: an empty held-out split must reshape too
        x_train = x_train.reshape(len(x_train), size)
        x_test = x_test.reshape(len(x_test), size)
    return Dataset(
        name=name,
        x_train=x_train, y_train=y_train.astype("int64"),
        x_test=x_test, y_test=y_test.astype("int64"),
        image_shape=tuple(int(d) for d in image_shape),
    )


def _split(x, y, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def _load_digits(test_fraction, seed):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")  # 8x8, values 0..16
    return _split(images, digits.target, test_fraction, seed)


def _load_mnist_subset():
    if not MNIST_SUBSET_PATH.exists():
        raise DatasetUnavailableError(
            f"the bundled MNIST subset {MNIST_SUBSET_PATH} is missing or a broken link: it ships "
            "in the package and in the repository (course/data/); reinstall the package, or on "
            "a clone without symlinks (git config core.symlinks false) use course/data/ directly"
        )
    (x_train, y_train), (x_test, y_test) = _read_npz(MNIST_SUBSET_PATH)
    return _as_unit_float(x_train), y_train, _as_unit_float(x_test), y_test


def _as_unit_float(images: np.ndarray) -> np.ndarray:
    return (np.asarray(images, dtype="float32") / 255.0).astype("float32")


def _load_keras_layout(name, path, test_fraction, seed):
    path = path or os.environ.get(PATH_VARIABLES[name])
    if path:
        (x_train, y_train), (x_test, y_test) = _read_local_copy(Path(path), test_fraction, seed)
    else:
        (x_train, y_train), (x_test, y_test) = _load_from_keras(name)
    return _as_unit_float(x_train), y_train, _as_unit_float(x_test), y_test


def _load_from_keras(name):
    from ._keras import keras

    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    cached = (cache / f"{name}.npz") if name == "mnist" else (cache / "fashion-mnist")
    offline = os.environ.get(OFFLINE_VARIABLE, "") not in ("", "0")
    if offline and not cached.exists():
        raise DatasetUnavailableError(_missing_message(name, cached, "offline mode is on"))
    try:
        return getattr(keras.datasets, name).load_data()
    except Exception as error:  # urllib, SSL, DNS, truncated download...
        raise DatasetUnavailableError(
            _missing_message(name, cached, f"download failed: {type(error).__name__}: {error}")
        ) from None


def _missing_message(name, cached, reason):
    variable = PATH_VARIABLES[name]
    return (
        f"{name} is not available ({reason}). Either download {KERAS_DATASETS[name]} "
        f"to {cached}, or point {variable} (or --dataset) "
        "at a local copy: a folder with the idx.gz files (train-images-idx3-ubyte.gz, "
        "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) or an "
        ".npz with x_train, y_train, x_test, y_test. The bundled 'digits' dataset always works "
        "offline."
    )


def _read_local_copy(path: Path, test_fraction, seed):
    if not path.exists():
        raise DatasetUnavailableError(f"local dataset copy {path} does not exist")
    if path.is_file():
        return _read_npz(path)
    splits = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = _find_idx(path, f"{prefix}-images"), _find_idx(path, f"{prefix}-labels")
        if images and labels:
            splits[split] = _matched(read_idx(images), read_idx(labels), images)
    if not splits:
        raise DatasetUnavailableError(
            f"{path} holds no idx files: expected e.g. t10k-images-idx3-ubyte.gz and "
            "t10k-labels-idx1-ubyte.gz (gzipped or not)"
        )
    if len(splits) == 2:
        return splits["train"], splits["test"]
    # One split only (e.g. the 10k test set): make a held-out split from it, in order, so that
    # "train on the first 8,000, evaluate on the last 2,000" is reproducible.
    (x, y), = splits.values()
    n_train = len(x) - int(round(len(x) * test_fraction))  # x[:-0] would be empty
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def _matched(images, labels, source):
    """The pair, once checked to have one label per image (else later splits misalign)."""
    if len(images) != len(labels):
        raise ValueError(
            f"{source}: {len(images)} images but {len(labels)} labels; the files do not match"
        )
    return images, labels


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in sorted(folder.iterdir()):
        if candidate.name.startswith(stem) and "idx" in candidate.name:
            return candidate
    return None


def _read_npz(path: Path):
    try:
        with np.load(path) as archive:
            x_train, y_train, x_test, y_test = (
                archive[key] for key in ("x_train", "y_train", "x_test", "y_test")
            )
    except KeyError as error:
        raise ValueError(
            f"{path} lacks {error}: expected arrays x_train, y_train, x_test, y_test"
        ) from None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not a readable .npz file: {error}") from None
    return _matched(x_train, y_train, path), _matched(x_test, y_test, path)


_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an idx file (the MNIST format), gzipped or not, into a NumPy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise ValueError(f"{path} is not a readable idx file: {error}") from None
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an idx file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: header says {shape}, "
            f"{expected} bytes of data, found {len(raw) - header}"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))
