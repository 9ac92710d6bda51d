"""A plain (undercomplete) autoencoder: encoder and decoder trained together to copy the input."""

from __future__ import annotations

from collections.abc import Sequence

from ._keras import keras, layers, register


def _dense_stack(
    input_dim: int,
    units: Sequence[int],
    output_dim: int,
    *,
    activation: str,
    output_activation: str | None,
    name: str,
) -> keras.Sequential:
    """A multilayer perceptron `input_dim -> units... -> output_dim` as a built Sequential."""
    stack = [keras.Input(shape=(input_dim,))]
    stack += [layers.Dense(n, activation=activation) for n in units]
    stack.append(layers.Dense(output_dim, activation=output_activation))
    return keras.Sequential(stack, name=name)


@register
class Autoencoder(keras.Model):
    """Fully connected autoencoder with a linear bottleneck and a sigmoid output.

    The encoder maps an input vector to a `latent_dim` code; the decoder maps the code back to a
    vector of the same size as the input, each value in [0, 1] (pixel intensities).

    Args:
        input_dim: Size of the (flattened) input.
        latent_dim: Size of the code, the bottleneck.
        hidden_units: Units of the hidden layers of the encoder; the decoder mirrors them.
        activation: Activation of the hidden layers.

    Example:
        >>> autoencoder = Autoencoder(input_dim=64, latent_dim=2, hidden_units=(32,))
        >>> autoencoder.compile(optimizer="adam", loss="mse")
        >>> codes = autoencoder.encoder(x)            # (n, 2)
        >>> reconstructions = autoencoder(x)          # (n, 64), values in [0, 1]
    """

    def __init__(
        self,
        input_dim: int,
        latent_dim: int,
        hidden_units: Sequence[int] = (128,),
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.input_dim = int(input_dim)
        self.latent_dim = int(latent_dim)
        self.hidden_units = tuple(int(n) for n in hidden_units)
        self.activation = activation
        self.encoder = _dense_stack(
            self.input_dim, self.hidden_units, self.latent_dim,
            activation=activation, output_activation=None, name="encoder",
        )
        self.decoder = _dense_stack(
            self.latent_dim, self.hidden_units[::-1], self.input_dim,
            activation=activation, output_activation="sigmoid", name="decoder",
        )

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "latent_dim": self.latent_dim,
            "hidden_units": list(self.hidden_units),
            "activation": self.activation,
        }
