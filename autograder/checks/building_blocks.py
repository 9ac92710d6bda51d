"""What the probes build on, without the reference package: they run in the student's kernel.

The VAE probes judge one piece at a time, so they swap a correct `Sampling`, `kl_divergence` and
`reconstruction_loss` into the student's VAE; the reconstruction-error and interpolation probes
need a small trained-or-not model with `.encoder` and `.decoder`. These are the formulas the
contract (docs/contract.md) states, written here so that the student's kernel never imports
`solutions` (which a sandboxed kernel cannot read).
"""

from __future__ import annotations

from autograder.keras_quiet import keras, ops

layers = keras.layers


class Sampling(layers.Layer):
    """z = z_mean + exp(0.5·z_log_var)·ε, ε ~ N(0, I) from a seeded generator."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def kl_divergence(z_mean, z_log_var):
    """-0.5·Σ(1 + log σ² - μ² - σ²) over the latent dimensions, per example."""
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def reconstruction_loss(y_true, y_pred):
    """Binary cross-entropy summed over the pixels, per example."""
    per_pixel = keras.losses.binary_crossentropy(
        ops.expand_dims(y_true, -1), ops.expand_dims(y_pred, -1)
    )
    return ops.sum(per_pixel, axis=-1)


class ProbeModel(keras.Model):
    """An autoencoder (or, with `variational=True`, a VAE's encoder/decoder pair) to probe with.

    `encoder(x)` gives the code, or `[z_mean, z_log_var]`; `decoder(code)` gives pixels in
    [0, 1]; calling the model decodes the code (the mean, for a VAE).
    """

    def __init__(self, input_dim, latent_dim, hidden_units, variational=False, **kwargs):
        super().__init__(**kwargs)
        inputs = keras.Input((input_dim,))
        hidden = inputs
        for units in hidden_units:
            hidden = layers.Dense(units, activation="relu")(hidden)
        outputs = layers.Dense(latent_dim)(hidden)
        if variational:
            outputs = [outputs, layers.Dense(latent_dim)(hidden)]
        self.encoder = keras.Model(inputs, outputs)
        self.decoder = keras.Sequential(
            [keras.Input((latent_dim,))]
            + [layers.Dense(units, activation="relu") for units in reversed(hidden_units)]
            + [layers.Dense(input_dim, activation="sigmoid")]
        )
        self.variational = variational

    def call(self, x):
        code = self.encoder(x)
        return self.decoder(code[0] if self.variational else code)
