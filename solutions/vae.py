"""Variational autoencoder: sampling layer, KL divergence and the model.

`autograder/checks/building_blocks.py` repeats `Sampling`, `kl_divergence` and
`reconstruction_loss` on purpose: the probes run in the student's kernel, which cannot read
`solutions`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._keras import keras, layers, ops, register
from .autoencoder import _dense_stack


@register
class Sampling(layers.Layer):
    """Draws `z = z_mean + exp(0.5 * z_log_var) * eps` with `eps ~ N(0, I)`.

    This is the reparameterisation trick: the randomness lives in `eps`, so gradients flow to both
    `z_mean` and `z_log_var`. `eps` comes from a `keras.random.SeedGenerator`, so a layer built with
    the same `seed` draws the same sequence.

    Example:
        >>> z = Sampling(seed=0)([z_mean, z_log_var])
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def kl_divergence(z_mean, z_log_var):
    """Per-sample KL(N(mu, sigma^2) || N(0, I)) in nats, summed over the latent dimensions.

    `-0.5 * sum(1 + log(sigma^2) - mu^2 - sigma^2)`, with `z_log_var = log(sigma^2)`.

    A common wrong form (it appears on slides) drops the 1/2 and writes `log sigma` where the
    formula needs `log sigma^2`: `-sum(1 + log sigma - mu^2 - sigma^2)`. It is also 0 at mu = 0,
    sigma = 1, so a check at the origin does not catch it; but it doubles the penalty on mu and its
    minimum over sigma lies at 1/sqrt(2) instead of 1.

    Example:
        >>> kl_divergence(np.zeros((1, 2)), np.zeros((1, 2)))   # [0.]
    """
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


@register
def reconstruction_loss(y_true, y_pred):
    """Binary cross-entropy summed over the features (pixels): nats per example.

    Keras's `binary_crossentropy` averages over the last axis; the ELBO needs the sum, otherwise
    the reconstruction term shrinks by a factor of `input_dim` against the KL term.
    """
    per_feature = keras.losses.binary_crossentropy(
        ops.expand_dims(y_true, -1), ops.expand_dims(y_pred, -1)
    )
    return ops.sum(per_feature, axis=-1)


@register
class VAE(keras.Model):
    """Variational autoencoder with a diagonal Gaussian posterior and Bernoulli pixels.

    `encoder(x)` returns `(z_mean, z_log_var)`; `decoder(z)` returns pixel probabilities. During
    `call`, the batch mean of the KL divergence is added with `add_loss`, and `compile` defaults to
    a reconstruction loss summed over pixels, so the total loss (what `evaluate` returns) is the
    negative ELBO in nats per example.

    Args:
        input_dim: Size of the (flattened) input.
        latent_dim: Size of z.
        hidden_units: Units of the encoder's hidden layers; the decoder mirrors them.
        activation: Activation of the hidden layers.
        seed: Seed of the sampling layer.

    Example:
        >>> vae = VAE(input_dim=784, latent_dim=2, hidden_units=(256,))
        >>> vae.compile(optimizer="adam")
        >>> vae.fit(x_train, x_train, epochs=10)
        >>> negative_elbo = vae.evaluate(x_test, x_test)
        >>> new_digits = vae.generate(16, seed=0)
    """

    def __init__(
        self,
        input_dim: int,
        latent_dim: int = 2,
        hidden_units: Sequence[int] = (256,),
        activation: str = "relu",
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(n) for n in hidden_units)
        self.activation = activation
        self.seed = seed

        inputs = keras.Input(shape=(self.input_dim,))
        hidden = inputs
        for n in self.hidden_units:
            hidden = layers.Dense(n, activation=activation)(hidden)
        z_mean = layers.Dense(self.latent_dim, name="z_mean")(hidden)
        z_log_var = layers.Dense(self.latent_dim, name="z_log_var")(hidden)
        self.encoder = keras.Model(inputs, [z_mean, z_log_var], name="encoder")
        self.decoder = _dense_stack(
            self.latent_dim, self.hidden_units[::-1], self.input_dim,
            activation=activation, output_activation="sigmoid", name="decoder",
        )
        self.sampling = Sampling(seed=seed, name="sampling")

    def call(self, inputs):
        z_mean, z_log_var = self.encoder(inputs)
        self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))
        return self.decoder(self.sampling([z_mean, z_log_var]))

    def compile(self, optimizer="adam", loss=None, **kwargs):
        super().compile(
            optimizer=optimizer,
            loss=reconstruction_loss if loss is None else loss,
            **kwargs,
        )

    def compile_from_config(self, config):
        # Keras skips compile() on load when a model overrides it; ours only adds a default.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def generate(self, n: int, seed: int | None = None):
        """Decode `n` codes drawn from the prior N(0, I): new samples, as a NumPy array."""
        z = keras.random.normal((n, self.latent_dim), seed=seed)
        return ops.convert_to_numpy(self.decoder(z))

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
            "seed": self.seed,
        }
