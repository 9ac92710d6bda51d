"""`python -m solutions`: the files each command writes, and one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.image import imread

from solutions import Autoencoder, interpolate
from solutions._keras import keras
from solutions.analysis import interpolation_endpoints
from solutions.cli import build_parser, main
from solutions.plots import _interpolation_rows

FIGURES = {
    "autoencoder": {"reconstructions", "loss_curves", "latent_space", "interpolation"},
    "stacked": {"reconstructions", "loss_curves", "latent_space", "interpolation"},
    "vae": {"reconstructions", "loss_curves", "latent_space", "interpolation", "samples",
            "manifold"},
}
QUICK = {
    "autoencoder": ["--epochs", "1"],
    "stacked": ["--epochs", "1", "--classifier-epochs", "1"],
    "vae": ["--epochs", "1"],
}


@pytest.mark.parametrize("model", ["autoencoder", "stacked", "vae"])
def test_train_writes_model_metrics_and_figures(model, tmp_path, digits, capsys):
    status = main(["train", model, *QUICK[model], "--out", str(tmp_path), "--quiet"])
    assert status == 0
    folder = tmp_path / model
    written = {path.name for path in folder.iterdir()}
    figures = {f"{name}.png" for name in FIGURES[model]}
    assert written == {f"{model}.keras", "metrics.json"} | figures
    for name in FIGURES[model]:
        image = imread(folder / f"{name}.png")
        assert image.shape[0] > 100 and image.shape[1] > 100
        assert image[..., :3].std() > 0.01  # something was drawn

    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["model"] == model and metrics["dataset"] == "digits"
    assert metrics["epochs"] == 1 and metrics["test_examples"] == len(digits.x_test)
    assert 0 < metrics["test_mse"] < 1 and 0 < metrics["pca_test_mse"] < 1
    if model == "vae":
        assert metrics["test_negative_elbo_nats"] > metrics["test_kl_nats"] > 0
    if model == "stacked":
        assert {"accuracy_pretrained", "accuracy_random_init"} <= set(metrics)

    loaded = keras.saving.load_model(folder / f"{model}.keras")
    assert loaded.latent_dim == metrics["latent_dim"]
    output = capsys.readouterr().out
    assert model in output and f"{metrics['test_mse']:.4f}" in output


def test_train_options_reach_the_model(tmp_path):
    arguments = ["train", "vae", "--epochs", "2", "--latent-dim", "3", "--batch-size", "64",
                 "--seed", "7", "--out", str(tmp_path), "--quiet"]
    assert main(arguments) == 0
    metrics = json.loads((tmp_path / "vae" / "metrics.json").read_text())
    assert (metrics["latent_dim"], metrics["epochs"], metrics["batch_size"], metrics["seed"]) == (
        3, 2, 64, 7
    )
    # A 3-D latent space has no manifold grid; the latent map is a PCA projection.
    assert not (tmp_path / "vae" / "manifold.png").exists()
    assert (tmp_path / "vae" / "latent_space.png").exists()


def test_progress_bars_unless_quiet(tmp_path, capsys):
    assert main(["train", "autoencoder", "--epochs", "2", "--out", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "Epoch 2/2" in output and "val_loss" in output
    assert main(["train", "autoencoder", "--epochs", "2", "--out", str(tmp_path), "--quiet"]) == 0
    output = capsys.readouterr().out
    assert "Epoch" not in output and "val_loss" not in output


def test_demo_prints_a_table_of_the_three_models(tmp_path, capsys):
    arguments = ["demo", "--dataset", "digits", "--epochs", "1", "--out", str(tmp_path), "--quiet"]
    assert main(arguments) == 0
    output = capsys.readouterr().out
    for model in ("autoencoder", "stacked", "vae"):
        metrics = json.loads((tmp_path / model / "metrics.json").read_text())
        assert metrics["dataset"] == "digits" and len(metrics["interpolation_endpoints"]) == 2
        assert str(tmp_path / model) in output
    assert "-ELBO" in output and "pretrained" in output and "PCA" in output


def test_demo_trains_on_the_bundled_28x28_digits_by_default():
    assert build_parser().parse_args(["demo"]).dataset == "mnist_subset"
    assert build_parser().parse_args(["train", "vae"]).dataset == "digits"


# --- interpolation figures: the digits a row names are the digits it shows -------------------


@pytest.fixture(scope="module")
def reader(digits):
    """A classifier the figures never use (logistic regression on the pixels): it reads digits."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000).fit(digits.x_train, digits.y_train)


@pytest.mark.parametrize("model, epochs", [("autoencoder", 10), ("vae", 30)])
def test_interpolation_rows_start_and_end_at_the_digits_they_name(
    model, epochs, tmp_path, digits, reader
):
    """`train` (the demo's path) picks each row's ends; the first and last decoded images are
    read as the digits the row's label names, by a classifier the figure never saw."""
    arguments = ["train", model, "--dataset", "digits", "--epochs", str(epochs),
                 "--out", str(tmp_path), "--quiet"]
    assert main(arguments) == 0
    trained = keras.saving.load_model(tmp_path / model / f"{model}.keras")
    rows = json.loads((tmp_path / model / "metrics.json").read_text())["interpolation_endpoints"]
    assert len(rows) == 2 and all(row["recognised"] for row in rows), rows
    for row in rows:
        start, end = digits.x_test[row["index_from"]], digits.x_test[row["index_to"]]
        assert digits.y_test[[row["index_from"], row["index_to"]]].tolist() == [
            row["from"], row["to"]
        ]
        path = interpolate(trained, start, end, steps=9)
        assert reader.predict(path[[0, -1]]).tolist() == [row["from"], row["to"]], row


def test_a_row_whose_ends_are_not_the_named_digits_says_what_they_show(digits):
    """An untrained model, and a judge that reads every image as a 5: no pair is recognised, and
    the row label says what the decoded ends read as instead of claiming the named digits."""
    model = Autoencoder(input_dim=64, latent_dim=2, hidden_units=(8,))

    def judge(x):
        return np.tile(np.eye(10)[5], (len(x), 1))

    rows = interpolation_endpoints(model, digits, judge)
    assert [(row["from"], row["to"]) for row in rows] == [(1, 7), (3, 8)]
    assert all(not row["recognised"] and row["reconstructed_as"] == [5, 5] for row in rows)
    labels = [row["label"] for row in _interpolation_rows(model, digits, rows)]
    assert labels[0].startswith("1 → 7") and "read as\n5 → 5" in labels[0]

    def clear_fives_and_sixes(x):  # every image reads as a clear 5 and a clear 6: row 5 → 6
        return np.tile(np.isin(np.arange(10), [5, 6]) * 0.95, (len(x), 1))

    (row,) = interpolation_endpoints(model, digits, clear_fives_and_sixes, rows=1)
    assert (row["from"], row["to"], row["recognised"]) == (5, 6, True)


def error_line(capsys):
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def test_unknown_dataset_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["train", "vae", "--dataset", "cifar", "--out", str(tmp_path)]) == 2
    assert "unknown dataset 'cifar'" in error_line(capsys)


def test_offline_dataset_is_one_line_and_status_2(tmp_path, capsys, offline):
    assert main(["train", "autoencoder", "--dataset", "mnist", "--out", str(tmp_path)]) == 2
    line = error_line(capsys)
    assert "mnist.npz" in line and "AUTOENCODERS_COURSE_MNIST" in line


def test_unwritable_output_folder_is_one_line_and_status_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["train", "autoencoder", "--out", str(blocker / "results")]) == 2
    assert "cannot write to the output folder" in error_line(capsys)


def test_corrupt_local_copy_is_one_line_and_status_2(tmp_path, capsys):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not an npz file")
    assert main(["train", "vae", "--dataset", str(path), "--out", str(tmp_path)]) == 2
    assert "broken.npz" in error_line(capsys)


def test_stacked_options_are_refused_for_other_models(tmp_path, capsys):
    arguments = ["train", "vae", "--label-fraction", "0.1", "--out", str(tmp_path)]
    assert main(arguments) == 2
    assert "stacked" in error_line(capsys)


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    assert "examples:" in output and "--latent-dim" in output and "fashion_mnist" in output


def test_python_dash_m_runs_the_cli_and_exits_2_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "solutions", "train", "vae", "--dataset", "nowhere",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("python -m solutions: error: unknown dataset 'nowhere'")
