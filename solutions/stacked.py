"""Stacked autoencoder trained greedily, layer by layer, then fine-tuned as a whole."""

from __future__ import annotations

from collections.abc import Sequence

from ._keras import keras, layers, register


@register
class StackedAutoencoder(keras.Model):
    """A deep autoencoder whose layers can be pretrained one at a time.

    Encoder layer k maps `layer_units[k-1]` values (the input for k = 1) to `layer_units[k]`;
    decoder layer k mirrors it. `pretrain` follows the course's three steps: train a shallow
    autoencoder on the inputs, train the next one on the codes of the encoders already trained
    (which stay fixed), and stack the encoders with the decoders in mirror order.

    Args:
        input_dim: Size of the (flattened) input.
        layer_units: Units of each encoder layer, outermost first; the last one is the code size.
        activation: Activation of every encoder layer. Inner decoder layers are linear (they
            reconstruct real-valued codes; a ReLU there dies and outputs zeros); the outermost
            decoder layer is a sigmoid, so reconstructions lie in [0, 1].

    Example:
        >>> stack = StackedAutoencoder(input_dim=64, layer_units=(32, 8))
        >>> histories = stack.pretrain(x_train, epochs=10)   # one History per stage
        >>> stack.compile(optimizer="adam", loss="mse")
        >>> stack.fit(x_train, x_train, epochs=5)              # fine-tune the whole stack
        >>> classifier = stack.build_classifier(num_classes=10)
    """

    def __init__(
        self,
        input_dim: int,
        layer_units: Sequence[int] = (128, 32),
        activation: str = "relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not layer_units:
            raise ValueError("layer_units needs at least one layer size")
        self.input_dim = int(input_dim)
        self.layer_units = tuple(int(n) for n in layer_units)
        self.activation = activation
        sizes = (self.input_dim, *self.layer_units)
        self.encoder_layers = [
            layers.Dense(n, activation=activation, name=f"encoder_{k + 1}")
            for k, n in enumerate(self.layer_units)
        ]
        # decoder_layers[k] undoes encoder_layers[k]; the outermost one produces pixels.
        self.decoder_layers = [
            layers.Dense(
                sizes[k], activation="sigmoid" if k == 0 else None, name=f"decoder_{k + 1}"
            )
            for k in range(len(self.layer_units))
        ]
        self.encoder = keras.Sequential(
            [keras.Input(shape=(self.input_dim,)), *self.encoder_layers], name="encoder"
        )
        self.decoder = keras.Sequential(
            [keras.Input(shape=(self.layer_units[-1],)), *self.decoder_layers[::-1]],
            name="decoder",
        )

    @property
    def latent_dim(self) -> int:
        return self.layer_units[-1]

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def stage_autoencoder(self, k: int) -> keras.Model:
        """The shallow autoencoder of stage `k` (0-based): encoder layer k then decoder layer k."""
        sizes = (self.input_dim, *self.layer_units)
        inputs = keras.Input(shape=(sizes[k],))
        outputs = self.decoder_layers[k](self.encoder_layers[k](inputs))
        return keras.Model(inputs, outputs, name=f"stage_{k + 1}")

    def pretrain(
        self,
        x,
        epochs: int = 10,
        batch_size: int = 128,
        optimizer="adam",
        loss="mse",
        verbose="auto",
        **fit_kwargs,
    ) -> list[keras.callbacks.History]:
        """Greedy layer-wise pretraining, one shallow autoencoder per encoder layer.

        Stage k is trained to reconstruct its own input: the raw `x` for k = 0, otherwise the
        codes that the already-trained encoder layers 0..k-1 give for `x`. Those codes are computed
        once before stage k starts, so the earlier layers cannot change while stage k trains.

        Args:
            x: Training inputs, shape (n, input_dim). No labels: pretraining is self-supervised.
            epochs: Epochs per stage.
            batch_size: Batch size per stage.
            optimizer: Optimizer identifier, config or instance; each stage gets a fresh
                instance (an instance is copied from its config, since a Keras optimizer only
                updates the variables it was first built with).
            loss: Reconstruction loss of every stage.
            verbose: Passed to `fit`.
            **fit_kwargs: Passed to every stage's `fit` (e.g. `callbacks`).

        Returns:
            One `History` per stage, outermost first.
        """
        histories = []
        stage_inputs = x
        for k in range(len(self.layer_units)):
            stage = self.stage_autoencoder(k)
            stage.compile(optimizer=_fresh_optimizer(optimizer), loss=loss)
            history = stage.fit(
                stage_inputs, stage_inputs,
                epochs=epochs, batch_size=batch_size, verbose=verbose, **fit_kwargs,
            )
            histories.append(history)
            # Codes of the trained layer feed the next stage; computed once, so layer k is frozen.
            stage_inputs = self._encode_with(k, stage_inputs, batch_size)
        return histories

    def _encode_with(self, k: int, x, batch_size: int):
        """Output of encoder layer k for inputs of that layer, as a NumPy array."""
        sizes = (self.input_dim, *self.layer_units)
        layer_model = keras.Sequential([keras.Input(shape=(sizes[k],)), self.encoder_layers[k]])
        return layer_model.predict(x, batch_size=batch_size, verbose=0)

    def build_classifier(self, num_classes: int, name: str = "classifier") -> keras.Model:
        """An MLP classifier whose hidden layers are this stack's encoder layers (same weights).

        Training the classifier fine-tunes the shared encoder layers too.
        """
        return keras.Sequential(
            [
                keras.Input(shape=(self.input_dim,)),
                *self.encoder_layers,
                layers.Dense(num_classes, activation="softmax", name="class_probabilities"),
            ],
            name=name,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "layer_units": list(self.layer_units),
            "activation": self.activation,
        }


def _fresh_optimizer(optimizer) -> keras.optimizers.Optimizer:
    """A new, unbuilt optimizer from an identifier, a config or an instance (copied)."""
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer.__class__.from_config(optimizer.get_config())
    return keras.optimizers.get(optimizer)


def build_mlp_classifier(
    input_dim: int, layer_units: Sequence[int], num_classes: int, activation: str = "relu"
) -> keras.Model:
    """The same classifier architecture as `build_classifier`, randomly initialised (baseline)."""
    return keras.Sequential(
        [
            keras.Input(shape=(input_dim,)),
            *[layers.Dense(n, activation=activation) for n in layer_units],
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="mlp_classifier",
    )
