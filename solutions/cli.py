"""Command line: `python -m solutions train MODEL ...` and `python -m solutions demo`.

Each trained model goes to `OUT/<model>/`: `<model>.keras`, `metrics.json` and the figures.
Expected failures (unknown or unavailable dataset, unreadable file, unwritable folder) print one
line to stderr and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

EXIT_USAGE = 2
MODELS = ("autoencoder", "stacked", "vae")
#: The demo's settings where they differ from `solutions.training`'s defaults (tuned for digits).
DEMO_SETTINGS = {
    "mnist_subset": {
        "autoencoder": {"epochs": 30, "batch_size": 64},
        "stacked": {"epochs": 15, "batch_size": 64},
        "vae": {"epochs": 40, "batch_size": 64},
    },
}

EPILOG = """\
examples:
  python -m solutions demo                                  # all three on 28x28 digits -> results/
  python -m solutions demo --dataset digits                 # the same on 8x8 digits, faster
  python -m solutions train autoencoder --latent-dim 8
  python -m solutions train vae --dataset mnist --epochs 20 --batch-size 128 --out runs
  python -m solutions train stacked --label-fraction 0.05 --quiet
  python -m solutions train vae --dataset /data/mnist       # folder of idx.gz files, or an .npz

datasets: mnist_subset (bundled 5,000 + 1,000 MNIST digits, 28x28), digits (scikit-learn's
8x8, offline), mnist and fashion_mnist (keras.datasets cache or download;
or a local copy named by AUTOENCODERS_COURSE_MNIST / AUTOENCODERS_COURSE_FASHION_MNIST), or
the path of a local copy. AUTOENCODERS_COURSE_OFFLINE=1 forbids downloads.
"""


class CommandError(Exception):
    """An expected failure, reported as one line on stderr with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m solutions",
        description="Train the course's reference autoencoders and write metrics and figures.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train one model and write its .keras file, metrics.json and figures",
        description="Train one reference model; files go to OUT/MODEL/.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument("model", choices=MODELS)
    train.add_argument(
        "--dataset", default="digits",
        help="digits (default), mnist, fashion_mnist, or the PATH of a local copy",
    )
    train.add_argument(
        "--latent-dim", type=_positive_int, metavar="N",
        help="code size (default: 8 for autoencoder and stacked, 2 for vae)",
    )
    train.add_argument(
        "--epochs", type=_positive_int, metavar="N",
        help="training epochs (default: 50; stacked: 30 per pretraining stage and 30 of "
        "fine-tuning)",
    )
    train.add_argument(
        "--batch-size", type=_positive_int, metavar="N", help="batch size (default 32)"
    )
    train.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    train.add_argument(
        "--label-fraction", type=float, metavar="F",
        help="stacked only: share of training labels for the classifiers (default 0.05)",
    )
    train.add_argument(
        "--classifier-epochs", type=_positive_int, metavar="N",
        help="stacked only: epochs of each classifier (default 100)",
    )
    _add_common(train)

    demo = commands.add_parser(
        "demo",
        help="train all three models on the bundled 28x28 digits and print their metrics",
        description="Train the three reference models; files go to OUT/MODEL/.",
    )
    demo.add_argument(
        "--dataset", default="mnist_subset",
        help="mnist_subset (default: the bundled 5,000 + 1,000 MNIST digits, 28x28), digits "
        "(8x8, quicker), mnist, fashion_mnist, or the PATH of a local copy",
    )
    demo.add_argument(
        "--epochs", type=_positive_int, metavar="N",
        help="override every model's epochs, classifiers included (quick checks)",
    )
    _add_common(demo)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status.

    Example:
        >>> main(["train", "vae", "--epochs", "5", "--out", "runs", "--quiet"])
        0
    """
    args = build_parser().parse_args(argv)
    # tf.function retracing warnings are about Keras internals, not about the user's command.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    try:
        if args.command == "train":
            _train(args)
        else:
            _demo(args)
    except CommandError as error:
        print(f"python -m solutions: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _add_common(parser):
    parser.add_argument(
        "--out", default="results", metavar="DIR", help="output folder (default: results)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _train(args) -> None:
    hyperparameters = {
        "latent_dim": args.latent_dim,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
    }
    if args.model == "stacked":
        hyperparameters["label_fraction"] = args.label_fraction
        hyperparameters["classifier_epochs"] = args.classifier_epochs
    elif args.label_fraction is not None or args.classifier_epochs is not None:
        raise CommandError("--label-fraction and --classifier-epochs apply to 'stacked' only")
    if args.label_fraction is not None and not 0.0 < args.label_fraction <= 1.0:
        raise CommandError(f"--label-fraction must be in (0, 1], got {args.label_fraction}")
    folder = _writable_folder(Path(args.out) / args.model)
    data = _load(args.dataset)
    if args.latent_dim is not None and args.latent_dim >= data.input_dim:
        raise CommandError(
            f"--latent-dim {args.latent_dim} is not smaller than the input "
            f"({data.input_dim} values)"
        )
    metrics = _run_one(args.model, data, folder, hyperparameters, quiet=args.quiet)
    _print_summary([metrics], Path(args.out))


def _demo(args) -> None:
    folders = {model: _writable_folder(Path(args.out) / model) for model in MODELS}
    data = _load(args.dataset)
    from .analysis import digit_classifier

    judge = digit_classifier(data)
    results = []
    for model in MODELS:
        hyperparameters = dict(DEMO_SETTINGS.get(data.name, {}).get(model, {}))
        if args.epochs is not None:
            hyperparameters["epochs"] = args.epochs
            if model == "stacked":
                hyperparameters["classifier_epochs"] = args.epochs
        if not args.quiet:
            print(f"training {model} on {data.name} ...", flush=True)
        results.append(
            _run_one(model, data, folders[model], hyperparameters, quiet=True, judge=judge)
        )
    _print_summary(results, Path(args.out))


def _run_one(model_name, data, folder: Path, hyperparameters, quiet: bool, judge=None) -> dict:
    """Train one model, save it, its metrics and its figures; returns the metrics.

    `judge` is the digit classifier that picks the interpolation's endpoints (trained on `data`
    when None; the demo trains one for its three models).
    """
    from . import training
    from .analysis import interpolation_endpoints
    from .plots import save_model_figures

    train = {
        "autoencoder": training.train_autoencoder,
        "stacked": training.train_stacked,
        "vae": training.train_vae,
    }[model_name]
    given = {name: value for name, value in hyperparameters.items() if value is not None}
    model, metrics, histories = train(data, verbose=0 if quiet else "auto", **given)
    model_path = folder / f"{model_name}.keras"
    model.save(model_path)
    # Held-out digits the model reconstructs as themselves; metrics.json records which.
    endpoints = interpolation_endpoints(model, data, judge)
    figures = save_model_figures(
        model_name, model, data, histories, folder, seed=hyperparameters.get("seed", 0),
        endpoints=endpoints,
    )
    metrics["interpolation_endpoints"] = endpoints
    metrics["files"] = [str(path) for path in [model_path, *figures]]
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def _load(dataset: str):
    from .data import DatasetUnavailableError, load_dataset

    try:
        return load_dataset(dataset)
    except (DatasetUnavailableError, ValueError) as error:
        raise CommandError(str(error)) from None


def _writable_folder(folder: Path) -> Path:
    """Create `folder` and check that a file can be written there, before any training."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise CommandError(f"cannot write to the output folder {folder}: {reason}") from None
    return folder


def _print_summary(results, out: Path) -> None:
    rows = [("model", "held-out MSE", "PCA MSE", "ratio", "model-specific")]
    for metrics in results:
        rows.append((
            metrics["model"],
            f"{metrics['test_mse']:.4f}",
            f"{metrics['pca_test_mse']:.4f}",
            f"{metrics['mse_to_pca_ratio']:.2f}",
            _specific(metrics),
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    print()
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    dataset = results[0]["dataset"]
    latent = ", ".join(f"{m['model']} {m['latent_dim']}" for m in results)
    print(f"\ndataset {dataset}; PCA has as many components as the code (latent size: {latent})")
    for metrics in results:
        print(f"{metrics['model']}: {out / metrics['model']}/ (model, metrics.json, figures)")


def _specific(metrics) -> str:
    if metrics["model"] == "vae":
        return (
            f"-ELBO {metrics['test_negative_elbo_nats']:.2f} nats "
            f"(reconstruction {metrics['test_reconstruction_nats']:.2f} + "
            f"KL {metrics['test_kl_nats']:.2f})"
        )
    if metrics["model"] == "stacked":
        return (
            f"accuracy with {metrics['labelled_examples']} labels "
            f"({100 * metrics['label_fraction']:g}%): pretrained "
            f"{metrics['accuracy_pretrained']:.3f}, random init "
            f"{metrics['accuracy_random_init']:.3f}"
        )
    return ""
