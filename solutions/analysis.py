"""Measurements the course uses: reconstruction error, PCA baseline, interpolation, ELBO parts."""

from __future__ import annotations

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
