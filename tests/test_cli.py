"""`python -m solutions`: the files each command writes, and one-line errors."""

import json
import subprocess
import sys

import pytest
from matplotlib.image import imread

from solutions._keras import keras
from solutions.cli import main

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
    assert main(["demo", "--epochs", "1", "--out", str(tmp_path), "--quiet"]) == 0
    output = capsys.readouterr().out
    for model in ("autoencoder", "stacked", "vae"):
        assert (tmp_path / model / "metrics.json").exists()
        assert str(tmp_path / model) in output
    assert "-ELBO" in output and "pretrained" in output and "PCA" in output


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
