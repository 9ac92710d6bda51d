"""Build course/data/mnist_subset.npz: a stratified subset of the MNIST test set.

Run once by the maintainers (the course never runs it):

    python course/data/build_mnist_subset.py /path/to/folder/with/t10k-*-idx?-ubyte.gz

It keeps the first 600 images of each digit, in file order: the first 500 of each go to
`x_train`, the other 100 to `x_test` (5,000 + 1,000 images, 28x28, uint8), in the layout of
`keras.datasets.mnist` (x_train, y_train, x_test, y_test), compressed.
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np

PER_CLASS_TRAIN, PER_CLASS_TEST = 500, 100
OUT = Path(__file__).with_name("mnist_subset.npz")


def read_idx(path: Path) -> np.ndarray:
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main(folder: str) -> None:
    images = read_idx(Path(folder) / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(Path(folder) / "t10k-labels-idx1-ubyte.gz")
    train, test = [], []
    for digit in range(10):
        chosen = np.flatnonzero(labels == digit)[: PER_CLASS_TRAIN + PER_CLASS_TEST]
        train.append(chosen[:PER_CLASS_TRAIN])
        test.append(chosen[PER_CLASS_TRAIN:])
    # Back to file order, so that the classes are interleaved as in the original.
    train, test = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    np.savez_compressed(
        OUT,
        x_train=images[train], y_train=labels[train],
        x_test=images[test], y_test=labels[test],
    )
    print(f"{OUT}: {len(train)} + {len(test)} images, {OUT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python course/data/build_mnist_subset.py FOLDER_WITH_MNIST_T10K_FILES")
    main(sys.argv[1])
