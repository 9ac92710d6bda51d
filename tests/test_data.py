"""Dataset loading: bundled digits, local idx.gz folders and .npz files, the offline message."""

import gzip
import io
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from solutions._keras import keras
from solutions.data import (
    DatasetUnavailableError,
    load_dataset,
    read_idx,
)

REPO = Path(__file__).resolve().parents[1]


def write_idx(path, array, gzipped=True):
    """Write `array` (uint8) in the idx format MNIST is published in."""
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if gzipped else open
    with opener(path, "wb") as handle:
        handle.write(header + array.tobytes())
    return path


def fake_images(n, height=6, width=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, height, width), dtype=np.uint8)


def test_digits_is_a_float_split_in_the_unit_interval(digits):
    assert digits.name == "digits"
    assert digits.image_shape == (8, 8) and digits.input_dim == 64
    assert digits.x_train.shape == (1438, 64) and digits.x_test.shape == (359, 64)
    for x in (digits.x_train, digits.x_test):
        assert x.dtype == np.float32
        assert x.min() == 0.0 and x.max() == 1.0
    assert digits.y_train.shape == (1438,) and set(np.unique(digits.y_test)) == set(range(10))
    assert digits.num_classes == 10


def test_digits_options_shape_and_split():
    images = load_dataset("digits", flatten=False, max_train=100, test_fraction=0.5, seed=1)
    assert images.x_train.shape == (100, 8, 8)
    assert images.x_test.shape == (898, 8, 8)
    again = load_dataset("digits", flatten=False, max_train=100, test_fraction=0.5, seed=1)
    np.testing.assert_array_equal(images.x_test, again.x_test)
    other_seed = load_dataset("digits", flatten=False, max_train=100, test_fraction=0.5, seed=2)
    assert not np.array_equal(images.y_test, other_seed.y_test)


def test_folder_with_only_the_test_set_is_split_in_order(tmp_path):
    images, labels = fake_images(20), np.arange(20) % 10
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)

    data = load_dataset(str(tmp_path))
    assert data.image_shape == (6, 5)
    # The first 80 % train, the last 20 % are held out, in file order.
    np.testing.assert_allclose(data.x_train, images[:16].reshape(16, 30) / 255.0, rtol=1e-6)
    np.testing.assert_allclose(data.x_test, images[16:].reshape(4, 30) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_train, labels[:16])
    np.testing.assert_array_equal(data.y_test, labels[16:])
    assert data.x_train.dtype == np.float32


def test_folder_with_both_splits_keeps_them(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", fake_images(12, seed=1))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(12) % 10)
    write_idx(tmp_path / "t10k-images-idx3-ubyte", fake_images(3, seed=2), gzipped=False)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([7, 8, 9]), gzipped=False)

    data = load_dataset("mnist", path=tmp_path, flatten=False)
    assert data.x_train.shape == (12, 6, 5) and data.x_test.shape == (3, 6, 5)
    np.testing.assert_allclose(data.x_test, fake_images(3, seed=2) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, [7, 8, 9])


def test_environment_variable_points_at_a_local_copy(tmp_path, monkeypatch, offline):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", fake_images(10))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(10))
    monkeypatch.setenv("AUTOENCODERS_COURSE_FASHION_MNIST", str(tmp_path))

    data = load_dataset("fashion_mnist")
    assert len(data.x_train) + len(data.x_test) == 10


def test_npz_in_the_keras_layout(tmp_path):
    x_train, x_test = fake_images(8, 4, 4, seed=3), fake_images(2, 4, 4, seed=4)
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=x_train, y_train=np.arange(8), x_test=x_test, y_test=[1, 2])

    data = load_dataset(str(path))
    assert data.image_shape == (4, 4)
    np.testing.assert_allclose(data.x_train, x_train.reshape(8, 16) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_test, [1, 2])


def test_npz_without_the_expected_arrays_is_rejected(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, images=fake_images(3))
    with pytest.raises(ValueError, match="x_train"):
        load_dataset(str(path))


def test_read_idx_round_trip_and_corrupt_files(tmp_path):
    images = fake_images(4)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "ok-idx3.gz", images)), images)

    raw = gzip.decompress((tmp_path / "ok-idx3.gz").read_bytes())
    truncated = tmp_path / "truncated-idx3.gz"
    truncated.write_bytes(gzip.compress(raw[:-7]))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        read_idx(truncated)

    cut_stream = tmp_path / "cut-idx3.gz"
    cut_stream.write_bytes((tmp_path / "ok-idx3.gz").read_bytes()[:30])
    with pytest.raises(ValueError, match="not a readable idx file"):
        read_idx(cut_stream)

    bad_magic = tmp_path / "magic-idx3"
    bad_magic.write_bytes(b"\x01\x02\x08\x01" + raw[4:])
    with pytest.raises(ValueError, match="bad magic number"):
        read_idx(bad_magic)


def test_corrupt_idx_in_a_folder_fails_with_the_file_name(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", fake_images(5))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        load_dataset(str(tmp_path))


def test_images_and_labels_of_different_lengths_are_rejected(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", fake_images(5))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(4))
    with pytest.raises(ValueError, match="5 images but 4 labels"):
        load_dataset(str(tmp_path))


def test_tiny_single_split_still_has_training_examples(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", fake_images(2))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(2))
    data = load_dataset(str(tmp_path))
    assert len(data.x_train) == 2 and len(data.x_test) == 0


def test_folder_without_idx_files(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="no idx files"):
        load_dataset(str(tmp_path))


@pytest.mark.parametrize(
    ("name", "cached", "variable"),
    [
        ("mnist", "mnist.npz", "AUTOENCODERS_COURSE_MNIST"),
        ("fashion_mnist", "fashion-mnist", "AUTOENCODERS_COURSE_FASHION_MNIST"),
    ],
)
def test_offline_message_names_the_file_and_the_variable(name, cached, variable, offline,
                                                          monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the loader tried to download")

    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", no_network)
    with pytest.raises(DatasetUnavailableError) as caught:
        load_dataset(name)
    message = str(caught.value)
    assert "offline" in message
    assert str(offline / "datasets" / cached) in message
    assert variable in message
    assert "digits" in message  # the way out that always works


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")


def test_bundled_mnist_subset_loads_offline(offline):
    """The course's 28x28 digits: one file in course/data, read without network or Keras cache."""
    from solutions.data import MNIST_SUBSET_PATH

    assert MNIST_SUBSET_PATH.resolve() == REPO / "course" / "data" / "mnist_subset.npz"
    assert MNIST_SUBSET_PATH.stat().st_size < 3_000_000  # "a few MB" at most
    data = load_dataset("mnist_subset")
    assert data.name == "mnist_subset" and data.image_shape == (28, 28)
    assert data.x_train.shape == (5000, 784) and data.x_test.shape == (1000, 784)
    for x in (data.x_train, data.x_test):
        assert x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    assert data.y_train.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(data.y_train), [500] * 10)
    np.testing.assert_array_equal(np.bincount(data.y_test), [100] * 10)
    images = load_dataset("mnist_subset", flatten=False)
    assert images.x_train.shape == (5000, 28, 28)


def test_bundled_mnist_subset_is_the_file_the_notebooks_read():
    """Same arrays as np.load of course/data/mnist_subset.npz, the path the notebooks use."""
    from solutions.data import MNIST_SUBSET_PATH

    with np.load(MNIST_SUBSET_PATH) as archive:
        assert set(archive.files) == {"x_train", "y_train", "x_test", "y_test"}
        assert archive["x_train"].dtype == np.uint8
        raw_test = archive["x_test"]
    data = load_dataset("mnist_subset")
    np.testing.assert_allclose(data.x_test, raw_test.reshape(1000, 784) / 255.0, rtol=1e-6)
    for readme in (REPO / "course" / "data" / "README.md",
                   MNIST_SUBSET_PATH.with_name("mnist_subset.README.md")):  # the package's copy
        text = readme.read_text(encoding="utf-8")
        assert "CC BY-SA 3.0" in text and "LeCun" in text


def test_missing_mnist_subset_says_what_to_do(monkeypatch, tmp_path):
    import solutions.data

    monkeypatch.setattr(solutions.data, "MNIST_SUBSET_PATH", tmp_path / "absent.npz")
    with pytest.raises(DatasetUnavailableError, match="reinstall the package"):
        load_dataset("mnist_subset")


@pytest.mark.slow
def test_a_built_wheel_ships_the_mnist_subset_and_the_licences(tmp_path):
    """Package data, not only a file in the checkout: the wheel holds the bytes the course reads."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for folder in ("solutions", "autograder", "course/data"):
        shutil.copytree(REPO / folder, source / folder, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        bundled = archive.read("solutions/mnist_subset.npz")
        licence = archive.read("solutions/mnist_subset.README.md").decode("utf-8")
        names = archive.namelist()
        (code_licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        code_licence = archive.read(code_licence).decode("utf-8")
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata).decode("utf-8")
    assert bundled == (REPO / "course" / "data" / "mnist_subset.npz").read_bytes()
    assert "CC BY-SA 3.0" in licence and "LeCun" in licence
    assert code_licence == (REPO / "LICENSE").read_text(encoding="utf-8")
    assert code_licence.startswith("MIT License") and "License-Expression: MIT" in metadata
    assert "License-File: LICENSE" in metadata
    with np.load(io.BytesIO(bundled)) as arrays:
        assert arrays["x_train"].shape == (5000, 28, 28)
