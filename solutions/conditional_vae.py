"""Convolutional conditional VAE (Sohn et al. 2015): encoder and decoder both see the label.

The encoder maps an image and its one-hot label to `(z_mean, z_log_var)`; the decoder maps a
code and a one-hot label to an image. Since the decoder is told the digit, the code no longer
has to carry it: it keeps the style (slant, thickness), and `generate(labels)` draws the digits
asked for. The `Sampling` layer and `kl_divergence` are those of `solutions.vae`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._keras import keras, layers, ops, register
from .vae import Sampling, kl_divergence, reconstruction_loss

IMAGE_SHAPE = (28, 28, 1)


def build_encoder(
    latent_dim: int = 2, num_classes: int = 10, filters: Sequence[int] = (16, 32),
    hidden_units: int = 64,
) -> keras.Model:
    """`[image (28, 28, 1), one-hot label] -> (z_mean, z_log_var)`: strided convolutions
    (28 -> 14 -> 7), flattened, the label concatenated, then dense layers."""
    image = keras.Input(shape=IMAGE_SHAPE, name="image")
    label = keras.Input(shape=(num_classes,), name="label")
    hidden = image
    for n in filters:
        hidden = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu")(hidden)
    hidden = layers.Concatenate()([layers.Flatten()(hidden), label])
    hidden = layers.Dense(hidden_units, activation="relu")(hidden)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)
    return keras.Model([image, label], [z_mean, z_log_var], name="encoder")


def build_decoder(
    latent_dim: int = 2, num_classes: int = 10, filters: Sequence[int] = (16, 32),
) -> keras.Model:
    """`[code, one-hot label] -> image (28, 28, 1)` in [0, 1]: dense to 7x7 maps, strided
    transposed convolutions (7 -> 14 -> 28), the last one sigmoid (pixel probabilities)."""
    code = keras.Input(shape=(latent_dim,), name="code")
    label = keras.Input(shape=(num_classes,), name="label")
    hidden = layers.Concatenate()([code, label])
    hidden = layers.Dense(7 * 7 * filters[-1], activation="relu")(hidden)
    hidden = layers.Reshape((7, 7, filters[-1]))(hidden)
    for n in reversed(filters[1:]):
        hidden = layers.Conv2DTranspose(n, 4, strides=2, padding="same",
                                        activation="relu")(hidden)
    # the last transposed convolution doubles the size once more and gives the pixel
    # probabilities; kernels of 4, a multiple of the stride, leave no checkerboard pattern
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(hidden)
    return keras.Model([code, label], image, name="decoder")


@register
class ConditionalVAE(keras.Model):
    """Conditional VAE on 28x28x1 images: `call([x, y_one_hot])` reconstructs `x`.

    During `call` the batch mean of the KL divergence is added with `add_loss`; compiled with the
    default loss (binary cross-entropy summed over pixels), the total is the negative ELBO in
    nats per image, conditioned on the label.

    Args:
        latent_dim: Size of z.
        num_classes: Number of labels (10 digits).
        filters: Filters of the encoder's strided convolutions; the decoder mirrors them.
        hidden_units: Units of the encoder's dense layer.
        seed: Seed of the sampling layer.

    Example:
        >>> cvae = ConditionalVAE(latent_dim=2, seed=0)
        >>> cvae.compile(optimizer="adam")
        >>> cvae.fit([x_train, keras.utils.to_categorical(y_train, 10)], x_train, epochs=10)
        >>> sevens = cvae.generate([7] * 8, seed=0)      # (8, 28, 28, 1)
    """

    def __init__(
        self,
        latent_dim: int = 2,
        num_classes: int = 10,
        filters: Sequence[int] = (16, 32),
        hidden_units: int = 64,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.num_classes = int(num_classes)
        self.filters = tuple(int(n) for n in filters)
        self.hidden_units = int(hidden_units)
        self.seed = seed
        self.encoder = build_encoder(self.latent_dim, self.num_classes, self.filters,
                                     self.hidden_units)
        self.decoder = build_decoder(self.latent_dim, self.num_classes, self.filters)
        self.sampling = Sampling(seed=seed, name="sampling")

    def call(self, inputs):
        x, y = inputs
        z_mean, z_log_var = self.encoder([x, y])
        self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))
        return self.decoder([self.sampling([z_mean, z_log_var]), y])

    def compile(self, optimizer="adam", loss=None, **kwargs):
        super().compile(optimizer=optimizer,
                        loss=_image_reconstruction_loss if loss is None else loss, **kwargs)

    def compile_from_config(self, config):
        # Keras skips compile() on load when a model overrides it; ours only adds a default.
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def generate(self, labels, seed: int | None = None):
        """Decode one code drawn from N(0, I) per requested label (integers): NumPy images."""
        y = one_hot(labels, self.num_classes)
        z = keras.random.normal((len(labels), self.latent_dim), seed=seed)
        return ops.convert_to_numpy(self.decoder([z, y]))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim,
                "num_classes": self.num_classes, "filters": list(self.filters),
                "hidden_units": self.hidden_units, "seed": self.seed}


@register
def _image_reconstruction_loss(y_true, y_pred):
    """`reconstruction_loss` on images: binary cross-entropy summed over every pixel."""
    flat = (-1, int(np.prod(IMAGE_SHAPE)))
    return reconstruction_loss(ops.reshape(y_true, flat), ops.reshape(y_pred, flat))


def transfer_style(model: ConditionalVAE, x, y_source, y_target):
    """Encode `x` with its labels `y_source`, decode `z_mean` with `y_target` (integers): the
    same handwriting, another digit."""
    x = ops.convert_to_tensor(np.asarray(x, "float32"))
    z_mean, _ = model.encoder([x, one_hot(y_source, model.num_classes)])
    return ops.convert_to_numpy(model.decoder([z_mean, one_hot(y_target, model.num_classes)]))


def one_hot(labels, num_classes: int):
    """Integer labels (a list, an array or a tensor) as float one-hot rows."""
    return ops.one_hot(ops.cast(ops.convert_to_tensor(labels), "int32"), num_classes)
