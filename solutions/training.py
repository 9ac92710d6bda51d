"""Train the reference models on a `Dataset` and measure them against their baselines.

Each `train_*` function seeds everything, trains one model with defaults chosen for the bundled
digits (about 10-30 seconds each on two CPU cores), and returns `(model, metrics, histories)`:

- `model`: the trained Keras model, ready for `model.save("model.keras")`;
- `metrics`: a JSON-ready dict: hyperparameters, held-out reconstruction MSE next to a PCA
  baseline with as many components as the code has, and the model's own measure (negative ELBO
  for the VAE, classifier accuracy with few labels for the stacked autoencoder);
- `histories`: `{name: keras.callbacks.History}` of the reconstruction training, in order.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from ._keras import keras, ops
from .analysis import pca_reconstruction_mse, reconstruction_error, set_seed, vae_elbo_parts
from .autoencoder import Autoencoder
from .data import Dataset
from .stacked import StackedAutoencoder, build_mlp_classifier
from .vae import VAE

#: Batches run per call into the compiled training step: on a CPU, small dense models spend
#: most of a step in Python and dispatch overhead, so grouping steps makes epochs ~2x faster.
STEPS_PER_EXECUTION = 16


def train_autoencoder(
    data: Dataset,
    *,
    latent_dim: int = 8,
    hidden_units: Sequence[int] = (128,),
    epochs: int = 50,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose="auto",
):
    """Train an `Autoencoder` with a mean-squared-error loss.

    Args:
        data: Train / held-out split, flattened.
        latent_dim: Size of the code.
        hidden_units: Hidden layers of the encoder; the decoder mirrors them.
        epochs: Training epochs.
        batch_size: Batch size.
        learning_rate: Adam's learning rate.
        seed: Seeds Python, NumPy and Keras before the model is built.
        verbose: Passed to `fit` (0 silences the progress bars).

    Returns:
        `(autoencoder, metrics, {"autoencoder": history})`.

    Example:
        >>> model, metrics, histories = train_autoencoder(load_dataset("digits"), epochs=5)
        >>> metrics["test_mse"] < metrics["pca_test_mse"]
    """
    set_seed(seed)
    model = Autoencoder(data.input_dim, latent_dim, hidden_units)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="mse",
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    start = time.perf_counter()
    history = model.fit(
        data.x_train, data.x_train,
        epochs=epochs, batch_size=batch_size,
        validation_data=(data.x_test, data.x_test), verbose=verbose,
    )
    metrics = {
        **_run_description("autoencoder", data, latent_dim, epochs, batch_size, seed),
        "hidden_units": list(model.hidden_units),
        "train_seconds": round(time.perf_counter() - start, 2),
        **_mse_against_pca(reconstruction_error(model, data.x_test).mean(), data, latent_dim),
    }
    return model, metrics, {"autoencoder": history}


def train_stacked(
    data: Dataset,
    *,
    latent_dim: int = 8,
    hidden_units: Sequence[int] = (64,),
    activation: str = "tanh",
    epochs: int = 30,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    label_fraction: float = 0.05,
    classifier_epochs: int = 100,
    seed: int = 0,
    verbose="auto",
):
    """Pretrain a `StackedAutoencoder` greedily, fine-tune it, then test it as a classifier.

    The stack has layers `(*hidden_units, latent_dim)`. Each pretraining stage and the fine-tuning
    run `epochs` epochs. Then two classifiers of the same architecture are trained on the same
    `label_fraction` of the training labels, with the same seed and epochs: one from the
    pretrained encoder (`build_classifier`), one from random initialisation
    (`build_mlp_classifier`). Both are scored on the held-out set.

    The pretrained classifier is built on a copy of the stack, so training it leaves the returned
    autoencoder as it was after fine-tuning.

    Args:
        data: Train / held-out split, flattened, with labels.
        latent_dim: Size of the innermost code.
        hidden_units: Sizes of the encoder layers before the code.
        activation: Activation of the encoder layers. `tanh` by default: with `relu`, greedy
            stages on digits often leave 3 of the 8 code units dead (always zero), and the
            pretrained classifier then does worse than a random start (seeds 0 and 2: 0.41 and
            0.37 accuracy against 0.75 and 0.68).
        epochs: Epochs of each pretraining stage and of the fine-tuning.
        batch_size: Batch size of every fit.
        learning_rate: Adam's learning rate of the fine-tuning and of both classifiers.
        label_fraction: Share of the training labels the classifiers may use.
        classifier_epochs: Epochs of each classifier.
        seed: Seeds Python, NumPy and Keras; also picks the labelled examples.
        verbose: Passed to the autoencoder `fit` calls; the classifiers train silently.

    Returns:
        `(stack, metrics, {"stage_1": ..., "stage_k": ..., "fine_tuning": ...})`.

    Example:
        >>> model, metrics, histories = train_stacked(load_dataset("digits"), epochs=5)
        >>> metrics["accuracy_pretrained"], metrics["accuracy_random_init"]
    """
    set_seed(seed)
    layer_units = (*hidden_units, latent_dim)
    model = StackedAutoencoder(data.input_dim, layer_units, activation=activation)
    start = time.perf_counter()
    stage_histories = model.pretrain(
        data.x_train, epochs=epochs, batch_size=batch_size,
        optimizer=keras.optimizers.Adam(learning_rate), verbose=verbose,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="mse",
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    fine_tuning = model.fit(
        data.x_train, data.x_train,
        epochs=epochs, batch_size=batch_size,
        validation_data=(data.x_test, data.x_test), verbose=verbose,
    )
    train_seconds = time.perf_counter() - start
    # Measured now: the classifiers below must not change the autoencoder they are compared on.
    reconstruction = _mse_against_pca(
        reconstruction_error(model, data.x_test).mean(), data, latent_dim
    )

    labelled = _labelled_subset(len(data.x_train), label_fraction, data.num_classes, seed)
    accuracies = {}
    for name in ("pretrained", "random_init"):
        set_seed(seed)  # same head initialisation and batch order for both
        if name == "pretrained":
            classifier = _copy_of(model).build_classifier(data.num_classes)
        else:
            classifier = build_mlp_classifier(
                data.input_dim, layer_units, data.num_classes, activation=activation
            )
        accuracies[name] = _train_classifier(
            classifier, data, labelled, classifier_epochs, batch_size, learning_rate, seed
        )

    histories = {f"stage_{k + 1}": history for k, history in enumerate(stage_histories)}
    histories["fine_tuning"] = fine_tuning
    metrics = {
        **_run_description("stacked", data, latent_dim, epochs, batch_size, seed),
        "layer_units": list(layer_units),
        "activation": activation,
        "train_seconds": round(train_seconds, 2),
        **reconstruction,
        "label_fraction": label_fraction,
        "labelled_examples": int(len(labelled)),
        "classifier_epochs": classifier_epochs,
        "accuracy_pretrained": accuracies["pretrained"],
        "accuracy_random_init": accuracies["random_init"],
    }
    return model, metrics, histories


def train_vae(
    data: Dataset,
    *,
    latent_dim: int = 2,
    hidden_units: Sequence[int] = (128,),
    epochs: int = 50,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose="auto",
):
    """Train a `VAE` on the negative ELBO (summed binary cross-entropy + KL).

    The held-out negative ELBO uses one sample of z per example, as training does. The held-out
    MSE decodes the posterior mean, the VAE's deterministic reconstruction.

    Args:
        data: Train / held-out split, flattened, values in [0, 1].
        latent_dim: Size of z; 2 gives a latent map and a manifold grid without projection.
        hidden_units: Hidden layers of the encoder; the decoder mirrors them.
        epochs: Training epochs.
        batch_size: Batch size.
        learning_rate: Adam's learning rate.
        seed: Seeds Python, NumPy and Keras, and the sampling layer.
        verbose: Passed to `fit`.

    Returns:
        `(vae, metrics, {"vae": history})`.

    Example:
        >>> model, metrics, histories = train_vae(load_dataset("digits"), epochs=5)
        >>> metrics["test_negative_elbo_nats"]
    """
    set_seed(seed)
    model = VAE(data.input_dim, latent_dim, hidden_units, seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), steps_per_execution=STEPS_PER_EXECUTION
    )
    start = time.perf_counter()
    history = model.fit(
        data.x_train, data.x_train,
        epochs=epochs, batch_size=batch_size,
        validation_data=(data.x_test, data.x_test), verbose=verbose,
    )
    train_seconds = time.perf_counter() - start
    elbo = vae_elbo_parts(model, data.x_test)
    z_mean, _ = model.encoder.predict(data.x_test, batch_size=256, verbose=0)
    reconstructions = ops.convert_to_numpy(model.decoder(z_mean))
    metrics = {
        **_run_description("vae", data, latent_dim, epochs, batch_size, seed),
        "hidden_units": list(model.hidden_units),
        "train_seconds": round(train_seconds, 2),
        "test_negative_elbo_nats": elbo["negative_elbo_nats"],
        "test_reconstruction_nats": elbo["reconstruction_nats"],
        "test_kl_nats": elbo["kl_nats"],
        **_mse_against_pca(np.mean(np.square(data.x_test - reconstructions)), data, latent_dim),
    }
    return model, metrics, {"vae": history}


def _run_description(model_name, data, latent_dim, epochs, batch_size, seed):
    return {
        "model": model_name,
        "dataset": data.name,
        "train_examples": int(len(data.x_train)),
        "test_examples": int(len(data.x_test)),
        "latent_dim": int(latent_dim),
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "seed": int(seed),
    }


def _mse_against_pca(test_mse, data, latent_dim):
    pca_mse = pca_reconstruction_mse(data.x_train, data.x_test, latent_dim)
    return {
        "test_mse": float(test_mse),
        "pca_test_mse": pca_mse,
        "mse_to_pca_ratio": float(test_mse) / pca_mse,
    }


def _labelled_subset(n_train, label_fraction, num_classes, seed):
    """Indices of the training examples whose labels the classifiers may see."""
    if not 0.0 < label_fraction <= 1.0:
        raise ValueError(f"label_fraction must be in (0, 1], got {label_fraction}")
    size = min(n_train, max(num_classes, int(round(label_fraction * n_train))))
    return np.sort(np.random.default_rng(seed).permutation(n_train)[:size])


def _copy_of(stack: StackedAutoencoder) -> StackedAutoencoder:
    """A new stack with the same configuration and weights, sharing no variables."""
    copy = StackedAutoencoder.from_config(stack.get_config())
    copy.set_weights(stack.get_weights())
    return copy


def _train_classifier(classifier, data, labelled, epochs, batch_size, learning_rate, seed):
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    set_seed(seed)
    classifier.fit(
        data.x_train[labelled], data.y_train[labelled],
        epochs=epochs, batch_size=batch_size, verbose=0,
    )
    _, accuracy = classifier.evaluate(data.x_test, data.y_test, batch_size=256, verbose=0)
    return float(accuracy)
