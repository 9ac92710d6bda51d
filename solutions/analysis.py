"""Measurements the course uses: reconstruction error, PCA baseline, interpolation, ELBO parts."""

from __future__ import annotations

import math

import numpy as np

from ._keras import keras, ops


def reconstruction_error(model, x, batch_size: int = 256) -> np.ndarray:
    """Per-sample mean squared reconstruction error, shape (n,).

    Example:
        >>> errors = reconstruction_error(autoencoder, x_test)
        >>> anomalies = errors > np.quantile(errors_on_normal_data, 0.99)
    """
    x = np.asarray(x, dtype="float32")
    reconstructions = model.predict(x, batch_size=batch_size, verbose=0)
    return np.mean(np.square(x - reconstructions), axis=-1)


def pca_reconstruction_mse(x_train, x_test, n_components: int) -> float:
    """Held-out MSE of PCA with `n_components` components fitted on `x_train` (the baseline)."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=n_components, random_state=0).fit(x_train)
    reconstructed = pca.inverse_transform(pca.transform(x_test))
    return float(np.mean(np.square(x_test - reconstructed)))


def encode(model, x, batch_size: int = 256) -> np.ndarray:
    """Latent codes: the autoencoder's code, or the VAE's posterior mean."""
    codes = model.encoder.predict(np.asarray(x, dtype="float32"), batch_size=batch_size, verbose=0)
    return codes[0] if isinstance(codes, (list, tuple)) else codes


def interpolate(model, x_start, x_end, steps: int = 9) -> np.ndarray:
    """Decode `steps` codes on the straight line between the codes of two inputs.

    For a VAE the posterior means are used. Returns the decoded inputs, shape (steps, input_dim):
    the first is the reconstruction of `x_start`, the last that of `x_end`.
    """
    codes = encode(model, np.stack([x_start, x_end]))
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
    path = (1.0 - weights) * codes[0] + weights * codes[1]
    return ops.convert_to_numpy(model.decoder(path))


#: The digit pairs the interpolation figures walk between, in order of preference (the first
#: two are the lecture's); any other pair of digits comes after them.
INTERPOLATION_PAIRS = ((1, 7), (3, 8), (2, 0), (4, 9), (5, 6))
#: A decoded image "is" a digit when the judge gives that digit at least this probability.
CLEAR_DIGIT = 0.9


def digit_classifier(data, steps: int = 800, seed: int = 0):
    """A small classifier (one hidden layer of 128 units) trained on `data`'s training split.

    The figures use it as a judge of which digit a decoded image shows. It trains for at least
    `steps` batches of 64 (11 epochs of the MNIST subset, 36 of the smaller digits). Returns a
    function from flattened images to class probabilities, shape (n, classes).
    """
    epochs = max(1, math.ceil(steps * 64 / len(data.x_train)))
    set_seed(seed)
    classifier = keras.Sequential([
        keras.Input(shape=(data.input_dim,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(data.num_classes, activation="softmax"),
    ])
    # 16 batches per call, as solutions.training does: on a CPU, ~2x faster for small models.
    classifier.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=16
    )
    classifier.fit(data.x_train, data.y_train, epochs=epochs, batch_size=64, verbose=0)
    return lambda x: ops.convert_to_numpy(classifier(np.asarray(x, dtype="float32")))


def interpolation_endpoints(model, data, judge=None, pairs=INTERPOLATION_PAIRS, rows: int = 2):
    """Held-out endpoints for `rows` pairs of digits `(a, b)`: an `a` and a `b` that the model
    reconstructs as a clear `a` and a clear `b`.

    `judge` (default: `digit_classifier(data)`) says what a reconstruction shows; it is clear
    when the judge gives the digit a probability of at least `CLEAR_DIGIT`, and of each digit's
    held-out examples the clearest one is taken. Pairs come from `pairs`, then any other pair
    of digits, in order: first pairs of clear digits that share no digit with a pair already
    taken, then any pair of clear digits. Only when fewer than `rows` such pairs exist (an
    undertrained model) are the other pairs of `pairs` used, with `recognised` False.

    Returns:
        One dict per row: `from`, `to`, `index_from`, `index_to` (into `data.x_test`), the
        judge's reading of the two reconstructions `reconstructed_as` ([label, label]) and
        `probabilities` (of the named digits), and `recognised`.

    Example:
        >>> (row, *_) = interpolation_endpoints(vae, load_dataset("mnist_subset"))
        >>> strip = interpolate(vae, x_test[row["index_from"]], x_test[row["index_to"]])
    """
    judge = judge or digit_classifier(data)
    digits = [int(digit) for digit in np.unique(data.y_test)]
    probabilities = judge(_reconstruct(model, data.x_test))
    best, reading = {}, {}
    for digit in digits:
        indices = np.flatnonzero(data.y_test == digit)
        index = int(indices[probabilities[indices, digit].argmax()])
        best[digit] = index
        reading[digit] = (int(probabilities[index].argmax()), float(probabilities[index, digit]))
    clear = {digit for digit in digits if reading[digit][1] >= CLEAR_DIGIT}
    others = [(a, b) for a in digits for b in digits if a < b]
    candidates = [pair for pair in (*pairs, *others) if set(pair) <= set(digits)]
    candidates = list(dict.fromkeys(tuple(int(d) for d in pair) for pair in candidates))
    chosen = []
    for shared_allowed in (False, True):
        for pair in candidates:
            used = {digit for taken in chosen for digit in taken}
            fresh = shared_allowed or not used & set(pair)
            if set(pair) <= clear and pair not in chosen and fresh:
                chosen.append(pair)
    chosen += [pair for pair in pairs if set(pair) <= set(digits) and pair not in chosen]
    if not chosen:
        raise ValueError("the held-out split holds no pair of digits to interpolate between")
    return [
        {"from": a, "to": b, "index_from": best[a], "index_to": best[b],
         "reconstructed_as": [reading[a][0], reading[b][0]],
         "probabilities": [round(reading[a][1], 4), round(reading[b][1], 4)],
         "recognised": {a, b} <= clear}
        for a, b in chosen[:rows]
    ]


def _reconstruct(model, x) -> np.ndarray:
    """The model's reconstruction: the decoded code (for a VAE, the decoded posterior mean)."""
    return ops.convert_to_numpy(model.decoder(encode(model, x)))


def vae_elbo_parts(vae, x, batch_size: int = 256) -> dict[str, float]:
    """Held-out negative ELBO in nats per example, with its reconstruction and KL parts.

    One Monte Carlo sample of z per example, as in training.
    """
    from .vae import kl_divergence, reconstruction_loss

    x = np.asarray(x, dtype="float32")
    reconstruction, kl = [], []
    for start in range(0, len(x), batch_size):
        batch = x[start:start + batch_size]
        z_mean, z_log_var = vae.encoder(batch)
        decoded = vae.decoder(vae.sampling([z_mean, z_log_var]))
        reconstruction.append(ops.convert_to_numpy(reconstruction_loss(batch, decoded)))
        kl.append(ops.convert_to_numpy(kl_divergence(z_mean, z_log_var)))
    reconstruction_nats = float(np.mean(np.concatenate(reconstruction)))
    kl_nats = float(np.mean(np.concatenate(kl)))
    return {
        "negative_elbo_nats": reconstruction_nats + kl_nats,
        "reconstruction_nats": reconstruction_nats,
        "kl_nats": kl_nats,
    }


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and the backend's random generators (`keras.utils.set_random_seed`).

    It does not switch TensorFlow to deterministic kernels; on CPU the course's dense models
    train to the same numbers from the same seed anyway (tests/test_models.py checks it).
    """
    keras.utils.set_random_seed(seed)


def add_noise(x, noise_factor: float = 0.3, seed: int | None = 0) -> np.ndarray:
    """Gaussian noise of standard deviation `noise_factor`, clipped to [0, 1]; `x` is not modified.

    Example:
        >>> noisy = add_noise(x_train, noise_factor=0.3, seed=0)   # input of a denoising AE
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype="float32")
    noisy = x + noise_factor * rng.standard_normal(x.shape).astype("float32")
    return np.clip(noisy, 0.0, 1.0)


def choose_threshold(validation_errors, quantile: float = 0.99) -> float:
    """Anomaly threshold: the `quantile` of reconstruction errors on held-out *normal* data.

    Choosing it on data that contains anomalies, or on the training data (whose errors are
    optimistically low), gives a threshold that does not reflect unseen normal examples.
    """
    return float(np.quantile(np.asarray(validation_errors, dtype="float64"), quantile))
