"""Deliberately wrong and alternative-correct implementations of the exercises.

A mutant changes one snippet of one solution cell of a source notebook and names the test cells
that must then fail (`loses`): exactly those, no more, no fewer. `end_to_end` mutants are also
graded by real `nbgrader autograde` runs; the others only in process (they also break training,
so a trained-model test would fail with them, as it should). `trained_loses` names the
trained-model test cells an end-to-end mutant also loses (in process those cells are not run).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    assignment: str
    grade_id: str
    old: str | tuple[str, ...]  # one snippet, or several replaced in order
    new: str | tuple[str, ...]
    loses: frozenset[str]
    end_to_end: bool = False
    trained_loses: frozenset[str] = frozenset()


def _mutant(name, assignment, grade_id, old, new, loses, end_to_end=False, trained_loses=()):
    return Mutant(name, assignment, grade_id, old, new, frozenset(loses), end_to_end,
                  frozenset(trained_loses))


AE, STACK, VAE = "01-autoencoder", "02-stacked-autoencoder", "03-vae"
CVAE = "04-conditional-vae"

# The reference body of StackedAutoencoder.pretrain, as in the source notebook.
PRETRAIN_BODY = """
        histories = []
        stage_inputs = np.asarray(x, dtype="float32")
        for encoder_layer, decoder_layer in zip(self.encoder_layers, self.decoder_layers):
            inputs = keras.Input(shape=(stage_inputs.shape[1],))
            stage = keras.Model(inputs, decoder_layer(encoder_layer(inputs)))
            stage.compile(optimizer="adam", loss="mse")
            histories.append(stage.fit(stage_inputs, stage_inputs, epochs=epochs,
                                       batch_size=batch_size, verbose=verbose))
            stage_inputs = ops.convert_to_numpy(encoder_layer(stage_inputs))
        return histories
"""


# The reference's fit of each stage, and the same stage fed through a tf.data pipeline whose
# targets are `targets` (an expression): the checks cannot read such a fit's arrays.
REFERENCE_STAGE_FIT = (
    "        histories = []\n",
    "            histories.append(stage.fit(stage_inputs, stage_inputs, epochs=epochs,\n"
    "                                       batch_size=batch_size, verbose=verbose))\n",
)


def tf_data_stage_fit(targets="stage_inputs"):
    return (
        "        import tensorflow as tf\n\n        histories = []\n",
        f"            pairs = tf.data.Dataset.from_tensor_slices((stage_inputs, {targets}))\n"
        "            histories.append(stage.fit(pairs.shuffle(len(stage_inputs), seed=0)\n"
        "                                       .batch(batch_size), epochs=epochs,\n"
        "                                       verbose=verbose))\n",
    )


MUTANTS = (
    # --- 01: Autoencoder and helpers -------------------------------------------------------
    _mutant("decoder_without_sigmoid", AE, "autoencoder_class",
            'layers.Dense(input_dim, activation="sigmoid")', "layers.Dense(input_dim)",
            {"test_autoencoder_output_range"}, end_to_end=True),
    _mutant("latent_size_hard_coded", AE, "autoencoder_class",
            ("+ [layers.Dense(latent_dim)],\n", "[keras.Input(shape=(latent_dim,))]"),
            ("+ [layers.Dense(2)],\n", "[keras.Input(shape=(2,))]"),
            {"test_autoencoder_latent_size"}),
    _mutant("latent_size_three", AE, "autoencoder_class",
            ("+ [layers.Dense(latent_dim)],\n", "[keras.Input(shape=(latent_dim,))]"),
            ("+ [layers.Dense(3)],\n", "[keras.Input(shape=(3,))]"),
            {"test_autoencoder_shapes", "test_autoencoder_latent_size"}),
    _mutant("call_squashes_code", AE, "autoencoder_class",
            "return self.decoder(self.encoder(inputs))",
            "return self.decoder(ops.tanh(self.encoder(inputs)))",
            {"test_autoencoder_composition"}, end_to_end=True),
    _mutant("get_config_without_arguments", AE, "autoencoder_class",
            "        config.update(\n            input_dim=self.input_dim,\n"
            "            latent_dim=self.latent_dim,\n"
            "            hidden_units=list(self.hidden_units),\n        )\n",
            "", {"test_autoencoder_save_load"}, end_to_end=True),
    _mutant("reconstruction_error_over_everything", AE, "reconstruction_error",
            "np.mean(np.square(x - reconstructions), axis=1)",
            "np.mean(np.square(x - reconstructions))",
            {"test_reconstruction_error"}),
    _mutant("reconstruction_error_summed", AE, "reconstruction_error",
            "np.mean(np.square(x - reconstructions), axis=1)",
            "np.sum(np.square(x - reconstructions), axis=1)",
            {"test_reconstruction_error"}),
    _mutant("noise_not_clipped", AE, "add_noise",
            "return np.clip(noisy, 0.0, 1.0)", "return noisy",
            {"test_add_noise"}),
    _mutant("noise_uniform", AE, "add_noise",
            "rng.standard_normal(x.shape)", "rng.uniform(size=x.shape)",
            {"test_add_noise"}),
    _mutant("noise_ignores_seed", AE, "add_noise",
            "rng = np.random.default_rng(seed)", "rng = np.random.default_rng()",
            {"test_add_noise"}),
    _mutant("threshold_is_maximum", AE, "choose_threshold",
            'return float(np.quantile(np.asarray(validation_errors, dtype="float64"), quantile))',
            "return float(np.max(validation_errors))",
            {"test_choose_threshold"}, end_to_end=True),
    _mutant("threshold_mean_plus_three_std", AE, "choose_threshold",
            'return float(np.quantile(np.asarray(validation_errors, dtype="float64"), quantile))',
            "return float(np.mean(validation_errors) + 3 * np.std(validation_errors))",
            {"test_choose_threshold"}),
    # --- 02: greedy pretraining and the classifier ------------------------------------------
    _mutant("pretraining_without_freezing", STACK, "stacked_autoencoder_class",
            PRETRAIN_BODY, """
        histories = []
        x = np.asarray(x, dtype="float32")
        targets = x
        for k, decoder_layer in enumerate(self.decoder_layers):
            inputs = keras.Input(shape=(self.input_dim,))
            hidden = inputs
            for layer in self.encoder_layers[:k + 1]:
                hidden = layer(hidden)
            stage = keras.Model(inputs, decoder_layer(hidden))
            stage.compile(optimizer="adam", loss="mse")
            histories.append(stage.fit(x, targets, epochs=epochs, batch_size=batch_size,
                                       verbose=verbose))
            targets = ops.convert_to_numpy(keras.Sequential(self.encoder_layers[:k + 1])(x))
        return histories
""", {"test_pretrain_greedy"}, end_to_end=True),
    _mutant("every_stage_on_raw_pixels", STACK, "stacked_autoencoder_class",
            PRETRAIN_BODY, """
        histories = []
        x = np.asarray(x, dtype="float32")
        for k in range(len(self.layer_units)):
            for layer in self.encoder_layers[:k] + self.decoder_layers[:k]:
                layer.trainable = False
            inputs = keras.Input(shape=(self.input_dim,))
            hidden = inputs
            for layer in self.encoder_layers[:k + 1]:
                hidden = layer(hidden)
            for layer in reversed(self.decoder_layers[:k + 1]):
                hidden = layer(hidden)
            stage = keras.Model(inputs, hidden)
            stage.compile(optimizer="adam", loss="mse")
            histories.append(stage.fit(x, x, epochs=epochs, batch_size=batch_size,
                                       verbose=verbose))
        for layer in self.encoder_layers + self.decoder_layers:
            layer.trainable = True
        return histories
""", {"test_pretrain_greedy"}),
    _mutant("pretrain_returns_last_history_only", STACK, "stacked_autoencoder_class",
            "        return histories\n", "        return histories[-1]\n",
            {"test_pretrain_histories"}),
    _mutant("first_stage_targets_misaligned", STACK, "stacked_autoencoder_class",
            "histories.append(stage.fit(stage_inputs, stage_inputs, epochs=epochs,",
            "targets = stage_inputs[::-1] if not histories else stage_inputs\n"
            "            histories.append(stage.fit(stage_inputs, targets, epochs=epochs,",
            {"test_pretrain_first_stage"}),
    _mutant("stages_compiled_to_learn_nothing", STACK, "stacked_autoencoder_class",
            'stage.compile(optimizer="adam", loss="mse")',
            'stage.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-7), loss="mse")',
            {"test_pretrain_first_stage"}),
    _mutant("codes_from_untrained_layer", STACK, "stacked_autoencoder_class",
            "            stage_inputs = ops.convert_to_numpy(encoder_layer(stage_inputs))\n",
            "            stage_inputs = ops.convert_to_numpy(\n"
            "                layers.Dense(encoder_layer.units, activation='relu')(stage_inputs))\n",
            {"test_pretrain_greedy"}),
    _mutant("tf_data_codes_from_untrained_layer", STACK, "stacked_autoencoder_class",
            (*REFERENCE_STAGE_FIT,
             "            stage_inputs = ops.convert_to_numpy(encoder_layer(stage_inputs))\n"),
            (*tf_data_stage_fit(),
             "            stage_inputs = ops.convert_to_numpy(\n"
             "                layers.Dense(encoder_layer.units, activation='relu')(\n"
             "                    stage_inputs))\n"),
            {"test_pretrain_greedy"}),
    _mutant("tf_data_second_stage_pairs_misaligned", STACK, "stacked_autoencoder_class",
            REFERENCE_STAGE_FIT,
            tf_data_stage_fit("stage_inputs if not histories else stage_inputs[::-1]"),
            {"test_pretrain_greedy"}),
    _mutant("classifier_copies_weights", STACK, "stacked_autoencoder_class",
            "        return keras.Sequential(\n"
            "            [keras.Input(shape=(self.input_dim,)), *self.encoder_layers,\n",
            "        copies = []\n"
            "        for layer in self.encoder_layers:\n"
            "            twin = layers.Dense(layer.units, activation=layer.activation)\n"
            "            twin.build((None, layer.kernel.shape[0]))\n"
            "            twin.set_weights(layer.get_weights())\n"
            "            copies.append(twin)\n"
            "        return keras.Sequential(\n"
            "            [keras.Input(shape=(self.input_dim,)), *copies,\n",
            {"test_classifier_shares_weights"}, end_to_end=True),
    _mutant("classifier_without_softmax", STACK, "stacked_autoencoder_class",
            'layers.Dense(num_classes, activation="softmax")', "layers.Dense(num_classes)",
            {"test_classifier_outputs"}),
    # --- 03: VAE -------------------------------------------------------------------------------
    _mutant("std_taken_as_log_variance", VAE, "sampling_class",
            "return z_mean + ops.exp(0.5 * z_log_var) * epsilon",
            "return z_mean + ops.exp(z_log_var) * epsilon",
            {"test_sampling_distribution"}, end_to_end=True),
    _mutant("sampling_adds_sigma_instead_of_scaling", VAE, "sampling_class",
            "return z_mean + ops.exp(0.5 * z_log_var) * epsilon",
            "return z_mean + ops.exp(0.5 * z_log_var) + epsilon",
            {"test_sampling_shape", "test_sampling_distribution"}),
    _mutant("sampling_same_epsilon_every_call", VAE, "sampling_class",
            "keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)",
            "keras.random.normal(ops.shape(z_mean), seed=1234)",
            {"test_sampling_seed"}, end_to_end=True),
    _mutant("sampling_without_reparameterisation", VAE, "sampling_class",
            "return z_mean + ops.exp(0.5 * z_log_var) * epsilon",
            "return z_mean + ops.stop_gradient(ops.exp(0.5 * z_log_var) * epsilon)",
            {"test_sampling_gradients"}),
    _mutant("kl_slide_formula", VAE, "kl_divergence",
            "return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), "
            "axis=-1)",
            "return -ops.sum(1.0 + 0.5 * z_log_var - ops.square(z_mean) - ops.exp(z_log_var), "
            "axis=-1)",
            {"test_kl_divergence_values"}, end_to_end=True),
    _mutant("kl_mean_over_latent_dimensions", VAE, "kl_divergence",
            "-0.5 * ops.sum(", "-0.5 * ops.mean(", {"test_kl_divergence_values"}),
    _mutant("kl_summed_over_the_batch", VAE, "kl_divergence",
            "ops.exp(z_log_var), axis=-1)", "ops.exp(z_log_var))",
            {"test_kl_divergence_shape", "test_kl_divergence_values"}),
    _mutant("reconstruction_mean_over_pixels", VAE, "reconstruction_loss",
            "return -ops.sum(", "return -ops.mean(", {"test_reconstruction_loss"}),
    _mutant("kl_summed_in_add_loss", VAE, "vae_class",
            "self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))",
            "self.add_loss(ops.sum(kl_divergence(z_mean, z_log_var)))",
            {"test_vae_kl_loss"}),
    _mutant("kl_never_added", VAE, "vae_class",
            "        self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))\n", "",
            {"test_vae_kl_loss"}),
    _mutant("vae_decoder_without_sigmoid", VAE, "vae_class",
            'layers.Dense(input_dim, activation="sigmoid")', "layers.Dense(input_dim)",
            {"test_vae_encoder_decoder"}),
    _mutant("generate_ignores_seed", VAE, "vae_class",
            "z = keras.random.normal((n, self.latent_dim), seed=seed)",
            "z = keras.random.normal((n, self.latent_dim))",
            {"test_vae_generate"}),
    _mutant("interpolation_without_end_point", VAE, "interpolate",
            "np.linspace(0.0, 1.0, steps, dtype=\"float32\")",
            "np.linspace(0.0, 1.0, steps, endpoint=False, dtype=\"float32\")",
            {"test_interpolate"}, end_to_end=True),
    _mutant("interpolation_between_log_variances", VAE, "interpolate",
            "        codes = codes[0]\n", "        codes = codes[1]\n", {"test_interpolate"}),
    # --- 04: ConditionalVAE -------------------------------------------------------------------
    _mutant("encoder_ignores_label", CVAE, "build_encoder",
            "hidden = layers.Concatenate()([layers.Flatten()(hidden), label])",
            "hidden = layers.Flatten()(hidden)", {"test_encoder"}),
    _mutant("encoder_without_downsampling", CVAE, "build_encoder",
            ("layers.Conv2D(16, 3, strides=2,", "layers.Conv2D(32, 3, strides=2,"),
            ("layers.Conv2D(16, 3,", "layers.Conv2D(32, 3,"), {"test_encoder"}),
    _mutant("decoder_ignores_label", CVAE, "build_decoder",
            "hidden = layers.Concatenate()([code, label])", "hidden = code",
            {"test_decoder"}, end_to_end=True, trained_loses={"test_conditional_generation"}),
    _mutant("transposed_convolution_wrong_shape", CVAE, "build_decoder",
            'Conv2DTranspose(32, 4, strides=2, padding="same"',
            'Conv2DTranspose(32, 4, strides=2, padding="valid"', {"test_decoder"}),
    _mutant("conditional_decoder_without_sigmoid", CVAE, "build_decoder",
            'layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")',
            'layers.Conv2DTranspose(1, 4, strides=2, padding="same")', {"test_decoder"}),
    _mutant("conditional_kl_summed_over_the_batch", CVAE, "cvae_class",
            "self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))",
            "self.add_loss(ops.sum(kl_divergence(z_mean, z_log_var)))", {"test_cvae_kl_loss"}),
    _mutant("call_without_noise", CVAE, "cvae_class",
            "z = self.sampling([z_mean, z_log_var])", "z = z_mean", {"test_cvae_call"}),
    _mutant("generate_ignores_labels", CVAE, "cvae_class",
            'y = ops.one_hot(ops.convert_to_tensor(labels, dtype="int32"), self.num_classes)',
            'y = ops.one_hot(ops.zeros((len(labels),), dtype="int32"), self.num_classes)',
            {"test_cvae_generate"}),
    _mutant("generate_integer_labels", CVAE, "cvae_class",
            'y = ops.one_hot(ops.convert_to_tensor(labels, dtype="int32"), self.num_classes)',
            'y = ops.expand_dims(ops.convert_to_tensor(labels, dtype="float32"), -1)',
            {"test_cvae_generate"}),
    _mutant("conditional_generate_ignores_seed", CVAE, "cvae_class",
            "z = keras.random.normal((len(labels), self.latent_dim), seed=seed)",
            "z = keras.random.normal((len(labels), self.latent_dim))", {"test_cvae_generate"}),
    _mutant("transfer_keeps_source_label", CVAE, "transfer_style",
            "return ops.convert_to_numpy(model.decoder([z_mean, target]))",
            "return ops.convert_to_numpy(model.decoder([z_mean, source]))",
            {"test_transfer_style"}),
)


STACKED_FROZEN_STAGES = '''
class StackedAutoencoder(keras.Model):
    """Same layers; pretrain keeps earlier layers inside each stage model, frozen."""

    def __init__(self, input_dim, layer_units=(128, 32), activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.layer_units = tuple(layer_units)
        sizes = (input_dim, *self.layer_units)
        self.encoder_layers = [layers.Dense(n, activation=activation) for n in self.layer_units]
        self.decoder_layers = [layers.Dense(sizes[k], activation="sigmoid" if k == 0 else None)
                               for k in range(len(self.layer_units))]
        self.encoder = keras.Sequential([keras.Input(shape=(input_dim,)), *self.encoder_layers])
        self.decoder = keras.Sequential(
            [keras.Input(shape=(self.layer_units[-1],)), *reversed(self.decoder_layers)])

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def pretrain(self, x, epochs=10, batch_size=128, verbose=0):
        histories = []
        for k in range(len(self.layer_units)):
            frozen = keras.Sequential([keras.Input(shape=(self.input_dim,)),
                                       *self.encoder_layers[:k]])
            targets = frozen.predict(x, verbose=0) if k else np.asarray(x)
            for layer in self.encoder_layers[:k]:
                layer.trainable = False
            stage = keras.Sequential([keras.Input(shape=(self.input_dim,)),
                                      *self.encoder_layers[:k + 1], self.decoder_layers[k]])
            stage.compile(optimizer=keras.optimizers.Adam(), loss="mean_squared_error")
            histories.append(stage.fit(x, targets, epochs=epochs, batch_size=batch_size,
                                       verbose=verbose))
            for layer in self.encoder_layers[:k]:
                layer.trainable = True
        return histories

    def build_classifier(self, num_classes):
        inputs = keras.Input(shape=(self.input_dim,))
        probabilities = layers.Dense(num_classes, activation="softmax")(self.encoder(inputs))
        return keras.Model(inputs, probabilities)
'''


# Each greedy stage fed through a tf.data pipeline of (input, target) pairs, shuffled, batched and
# prefetched: fit sees no arrays, so the checks cannot compare values and judge what it learned.
STACKED_TF_DATA = '''
import tensorflow as tf


class StackedAutoencoder(keras.Model):
    def __init__(self, input_dim, layer_units=(128, 32), activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.layer_units = tuple(layer_units)
        sizes = (input_dim, *self.layer_units)
        self.encoder_layers = [layers.Dense(n, activation=activation) for n in self.layer_units]
        self.decoder_layers = [layers.Dense(sizes[k], activation="sigmoid" if k == 0 else None)
                               for k in range(len(self.layer_units))]
        self.encoder = keras.Sequential([keras.Input(shape=(input_dim,)), *self.encoder_layers])
        self.decoder = keras.Sequential(
            [keras.Input(shape=(self.layer_units[-1],)), *reversed(self.decoder_layers)])

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def pretrain(self, x, epochs=10, batch_size=128, verbose=0):
        histories, codes = [], tf.convert_to_tensor(x, dtype=tf.float32)
        for k, (encoder_layer, decoder_layer) in enumerate(
                zip(self.encoder_layers, self.decoder_layers)):
            stage = keras.Sequential(
                [keras.Input(shape=(codes.shape[-1],)), encoder_layer, decoder_layer])
            stage.compile(optimizer=keras.optimizers.Adam(), loss="mse")
            pairs = (tf.data.Dataset.from_tensor_slices(codes)
                     .map(lambda c: (c, c))
                     .shuffle(int(codes.shape[0]), seed=k)
                     .batch(batch_size)
                     .prefetch(tf.data.AUTOTUNE))
            histories.append(stage.fit(pairs, epochs=epochs, verbose=verbose))
            codes = encoder_layer(codes)
        return histories

    def build_classifier(self, num_classes):
        return keras.Sequential([keras.Input(shape=(self.input_dim,)), *self.encoder_layers,
                                 layers.Dense(num_classes, activation="softmax")])
'''

# Alternative-correct implementations: other styles the statements allow. Each must get full
# marks. Keys are grade_ids of solution cells; values replace the whole cell.
ALTERNATIVES = {
    "autoencoder_functional_tanh": (AE, {
        "autoencoder_class": '''
@keras.saving.register_keras_serializable(package="otro_estilo")
class Autoencoder(keras.Model):
    def __init__(self, input_dim, latent_dim, hidden_units=(128,), **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.latent_dim = input_dim, latent_dim
        self.hidden_units = list(hidden_units)
        # Decoder first, functional API, tanh hidden layers, other attribute names.
        codes = keras.Input(shape=(latent_dim,))
        h = codes
        for n in self.hidden_units[::-1]:
            h = layers.Dense(n, activation="tanh")(h)
        self.decoder = keras.Model(codes, layers.Activation("sigmoid")(layers.Dense(input_dim)(h)))
        pixels = keras.Input(shape=(input_dim,))
        h = pixels
        for n in self.hidden_units:
            h = layers.Dense(n, activation="tanh")(h)
        self.encoder = keras.Model(pixels, layers.Dense(latent_dim, activation="linear")(h))

    def call(self, x):
        code = self.encoder(x)
        return self.decoder(code)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "latent_dim": self.latent_dim, "hidden_units": self.hidden_units}
''',
        "reconstruction_error": '''
def reconstruction_error(model, x):
    x = ops.convert_to_tensor(x, dtype="float32")
    return ops.convert_to_numpy(ops.mean((x - model(x)) ** 2, axis=-1))
''',
        "add_noise": '''
def add_noise(x, noise_factor=0.3, seed=0):
    noise = np.random.default_rng(seed).normal(0.0, noise_factor, size=np.shape(x))
    return np.minimum(np.maximum(np.array(x, dtype="float32") + noise, 0), 1).astype("float32")
''',
        "choose_threshold": '''
def choose_threshold(validation_errors, quantile=0.99):
    return np.percentile(validation_errors, 100 * quantile)
''',
    }),
    "autoencoder_list_of_layers_tf": (AE, {
        "autoencoder_class": '''
import tensorflow as tf


@keras.saving.register_keras_serializable(package="con_listas")
class Autoencoder(keras.Model):
    def __init__(self, input_dim, latent_dim, hidden_units=(128,), **kwargs):
        super().__init__(**kwargs)
        self.config = dict(input_dim=input_dim, latent_dim=latent_dim,
                           hidden_units=list(hidden_units))
        self.encoder = keras.Sequential(
            [layers.Dense(n, activation="elu") for n in hidden_units] + [layers.Dense(latent_dim)])
        self.decoder = keras.Sequential(
            [layers.Dense(n, activation="elu") for n in reversed(hidden_units)]
            + [layers.Dense(input_dim, activation=tf.sigmoid)])
        self.encoder.build((None, input_dim))
        self.decoder.build((None, latent_dim))

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def get_config(self):
        base = super().get_config()
        base.update(self.config)
        return base
''',
    }),
    "stacked_frozen_stage_models": (STACK, {"stacked_autoencoder_class": STACKED_FROZEN_STAGES}),
    "stacked_tf_data_stages": (STACK, {"stacked_autoencoder_class": STACKED_TF_DATA}),
    "vae_other_style": (VAE, {
        "sampling_class": '''
class Sampling(layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mean, log_variance = inputs
        return keras.random.normal(ops.shape(mean), mean=mean,
                                   stddev=ops.sqrt(ops.exp(log_variance)), seed=self.generator)
''',
        "kl_divergence": '''
import tensorflow as tf


def kl_divergence(z_mean, z_log_var):
    variance = tf.exp(z_log_var)
    return 0.5 * tf.reduce_sum(variance + tf.square(z_mean) - 1.0 - z_log_var, axis=1)
''',
        "reconstruction_loss": '''
def reconstruction_loss(x, x_reconstructed):
    per_pixel = keras.losses.binary_crossentropy(x[..., None], x_reconstructed[..., None])
    return ops.sum(per_pixel, axis=-1)
''',
        "vae_class": '''
class KLDivergenceLayer(layers.Layer):
    """Adds the batch mean of the KL term from inside its own call()."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        self.add_loss(ops.mean(kl_divergence(z_mean, z_log_var)))
        return inputs


class VAE(keras.Model):
    def __init__(self, input_dim, latent_dim=2, hidden_units=(256,), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        body = keras.Sequential([layers.Dense(n, activation="relu") for n in hidden_units])
        x = keras.Input(shape=(input_dim,))
        both = layers.Dense(2 * latent_dim)(body(x))
        z_mean, z_log_var = ops.split(both, 2, axis=-1)
        self.encoder = keras.Model(x, [z_mean, z_log_var])
        self.decoder = keras.Sequential(
            [keras.Input(shape=(latent_dim,))]
            + [layers.Dense(n, activation="relu") for n in hidden_units[::-1]]
            + [layers.Dense(input_dim), layers.Activation("sigmoid")])
        self.kl = KLDivergenceLayer()
        self.sampler = Sampling(seed)

    def call(self, inputs):
        z_mean, z_log_var = self.kl(self.encoder(inputs))
        return self.decoder(self.sampler([z_mean, z_log_var]))

    def generate(self, n, seed=None):
        codes = keras.random.normal(shape=(n, self.latent_dim), seed=seed)
        return np.asarray(self.decoder.predict(codes, verbose=0))
''',
        "interpolate": '''
def interpolate(model, x_start, x_end, steps=9):
    encoded = model.encoder(np.array([x_start, x_end], dtype="float32"))
    start, end = (encoded[0] if isinstance(encoded, (list, tuple)) else encoded).numpy()
    return np.stack([
        model.decoder(((1 - t) * start + t * end)[None, :].astype("float32")).numpy()[0]
        for t in np.linspace(0, 1, steps)
    ])
''',
    }),
}



# More styles: subclassed sub-models, explicit loops, TensorFlow ops, functional reuse.
ALTERNATIVES.update({
    "autoencoder_subclassed_parts": (AE, {
        "autoencoder_class": '''
@keras.saving.register_keras_serializable(package="partes")
class DenseStack(keras.Model):
    def __init__(self, sizes, last_activation=None, **kwargs):
        super().__init__(**kwargs)
        self.sizes = list(sizes)
        self.last_activation = last_activation
        self.steps = [layers.Dense(n, activation="leaky_relu") for n in self.sizes[:-1]]
        self.steps.append(layers.Dense(self.sizes[-1], activation=last_activation))

    def call(self, x):
        for step in self.steps:
            x = step(x)
        return x

    def get_config(self):
        return {**super().get_config(), "sizes": self.sizes,
                "last_activation": self.last_activation}


@keras.saving.register_keras_serializable(package="partes")
class Autoencoder(keras.Model):
    def __init__(self, input_dim, latent_dim, hidden_units=(128,), **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.latent_dim, self.hidden_units = input_dim, latent_dim, hidden_units
        self.encoder = DenseStack([*hidden_units, latent_dim])
        self.decoder = DenseStack([*reversed(hidden_units), input_dim], "sigmoid")
        self.encoder.build((None, input_dim))
        self.decoder.build((None, latent_dim))

    def call(self, inputs):
        return self.decoder(self.encoder(inputs))

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "latent_dim": self.latent_dim, "hidden_units": list(self.hidden_units)}
''',
        "reconstruction_error": '''
def reconstruction_error(model, x):
    errors = []
    for start in range(0, len(x), 64):
        batch = np.asarray(x[start:start + 64], dtype="float32")
        errors.extend(((batch - np.asarray(model(batch))) ** 2).mean(axis=1))
    return np.array(errors)
''',
    }),
    "stacked_explicit_loop_functional_classifier": (STACK, {
        "stacked_autoencoder_class": STACKED_FROZEN_STAGES.replace(
            """    def pretrain(self, x, epochs=10, batch_size=128, verbose=0):""",
            """    def pretrain_unused(self, x, epochs=10, batch_size=128, verbose=0):""",
        ).replace(
            """    def build_classifier(self, num_classes):
        inputs = keras.Input(shape=(self.input_dim,))
        probabilities = layers.Dense(num_classes, activation="softmax")(self.encoder(inputs))
        return keras.Model(inputs, probabilities)""",
            """    def pretrain(self, x, epochs=10, batch_size=128, verbose=0):
        codes, histories = np.array(x, dtype="float32"), []
        for k in range(len(self.layer_units)):
            stage = keras.Sequential([keras.Input(shape=(codes.shape[-1],)),
                                      self.encoder_layers[k], self.decoder_layers[k]])
            stage.compile(keras.optimizers.Adam(1e-3), keras.losses.MeanSquaredError())
            histories.append(stage.fit(x=codes, y=codes, epochs=epochs, batch_size=batch_size,
                                       shuffle=True, verbose=verbose))
            codes = keras.Sequential([keras.Input(shape=(codes.shape[-1],)),
                                      self.encoder_layers[k]]).predict(codes, verbose=0)
        return histories

    def build_classifier(self, num_classes):
        inputs = keras.Input(shape=(self.input_dim,))
        hidden = inputs
        for layer in self.encoder_layers:
            hidden = layer(hidden)
        return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(hidden))""",
        ),
    }),
    "vae_tensorflow_ops": (VAE, {
        "sampling_class": '''
import tensorflow as tf


class Sampling(keras.layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed=seed)

    def call(self, inputs):
        mu, log_var = inputs
        noise = keras.random.normal(tf.shape(mu), seed=self.seed_generator)
        return mu + tf.exp(log_var / 2.0) * noise
''',
        "kl_divergence": '''
def kl_divergence(z_mean, z_log_var):
    latent = ops.shape(z_mean)[-1]
    return -0.5 * latent * ops.mean(1 + z_log_var - z_mean ** 2 - ops.exp(z_log_var), axis=-1)
''',
        "reconstruction_loss": '''
def reconstruction_loss(x, x_reconstructed):
    return ops.sum(ops.binary_crossentropy(x, ops.clip(x_reconstructed, 1e-7, 1 - 1e-7)), axis=1)
''',
    }),
    "vae_subclassed_encoder": (VAE, {
        "vae_class": '''
class GaussianEncoder(keras.Model):
    def __init__(self, hidden_units, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [layers.Dense(n, activation="relu") for n in hidden_units]
        self.mean_head = layers.Dense(latent_dim)
        self.log_var_head = layers.Dense(latent_dim)

    def call(self, x):
        for layer in self.hidden:
            x = layer(x)
        return self.mean_head(x), self.log_var_head(x)


class VAE(keras.Model):
    def __init__(self, input_dim, latent_dim=2, hidden_units=(256,), seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.encoder = GaussianEncoder(hidden_units, latent_dim)
        self.decoder = keras.Sequential(
            [layers.Dense(n, activation="relu") for n in reversed(hidden_units)]
            + [layers.Dense(input_dim, activation="sigmoid")])
        self.sample = Sampling(seed=seed)

    def call(self, x):
        mean, log_var = self.encoder(x)
        kl = kl_divergence(mean, log_var)
        self.add_loss(ops.sum(kl) / ops.cast(ops.shape(kl)[0], kl.dtype))
        return self.decoder(self.sample([mean, log_var]))

    def generate(self, n, seed=None):
        prior = keras.random.normal((n, self.latent_dim), seed=seed)
        return ops.convert_to_numpy(self.decoder(prior))
''',
    }),
})

# Exercise 04 in two other styles: the label as extra image channels (functional, a transposed
# convolution as the sigmoid output); subclassed parts around Sequential trunks, pooling to
# downsample, the label concatenated after flattening, the KL mean written as sum / batch.
ALTERNATIVES.update({
    "conditional_label_as_channels": (CVAE, {
        "build_encoder": '''
def build_encoder(latent_dim=2, num_classes=NUM_CLASSES):
    image = keras.Input(shape=(28, 28, 1))
    label = keras.Input(shape=(num_classes,))
    planes = layers.UpSampling2D(size=(28, 28))(layers.Reshape((1, 1, num_classes))(label))
    hidden = layers.Concatenate(axis=-1)([image, planes])
    for filters in (32, 64):
        hidden = layers.Conv2D(filters, 4, strides=2, padding="same", activation="elu")(hidden)
    hidden = layers.Dense(96, activation="elu")(layers.Flatten()(hidden))
    return keras.Model([image, label], [layers.Dense(latent_dim)(hidden),
                                        layers.Dense(latent_dim)(hidden)])
''',
        "build_decoder": '''
def build_decoder(latent_dim=2, num_classes=NUM_CLASSES):
    code = keras.Input(shape=(latent_dim,))
    label = keras.Input(shape=(num_classes,))
    hidden = layers.Dense(7 * 7 * 32, activation="elu")(layers.concatenate([label, code]))
    hidden = layers.Reshape((7, 7, 32))(hidden)
    hidden = layers.Conv2DTranspose(32, 4, strides=2, padding="same", activation="elu")(hidden)
    image = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid")(hidden)
    return keras.Model([code, label], image)
''',
        "cvae_class": '''
class ConditionalVAE(keras.Model):
    def __init__(self, latent_dim=2, num_classes=NUM_CLASSES, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.num_classes = latent_dim, num_classes
        self.sampling = Sampling(seed=seed)
        self.decoder = build_decoder(latent_dim, num_classes)
        self.encoder = build_encoder(latent_dim, num_classes)

    def call(self, inputs):
        images, labels = inputs
        mean, log_var = self.encoder([images, labels])
        kl = kl_divergence(mean, log_var)
        self.add_loss(ops.mean(kl))
        return self.decoder([self.sampling([mean, log_var]), labels])

    def generate(self, labels, seed=None):
        labels = np.asarray(labels)
        codes = keras.random.normal((labels.shape[0], self.latent_dim), seed=seed)
        one_hot = ops.take(ops.eye(self.num_classes), ops.convert_to_tensor(labels), axis=0)
        return np.asarray(self.decoder([codes, one_hot]))
''',
        "transfer_style": '''
def transfer_style(model, x, y_source, y_target):
    source = ops.convert_to_tensor(keras.utils.to_categorical(y_source, model.num_classes))
    target = ops.convert_to_tensor(keras.utils.to_categorical(y_target, model.num_classes))
    mean = model.encoder([ops.convert_to_tensor(x), source])[0]
    return ops.convert_to_numpy(model.decoder([mean, target]))
''',
    }),
    "conditional_sequential_parts": (CVAE, {
        "build_encoder": '''
class ConvEncoder(keras.Model):
    def __init__(self, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.trunk = keras.Sequential([
            layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
            layers.Flatten()])
        self.hidden = layers.Dense(64, activation="relu")
        self.heads = [layers.Dense(latent_dim), layers.Dense(latent_dim)]

    def call(self, inputs):
        image, label = inputs
        hidden = self.hidden(ops.concatenate([self.trunk(image), label], axis=-1))
        return [head(hidden) for head in self.heads]


def build_encoder(latent_dim=2, num_classes=NUM_CLASSES):
    return ConvEncoder(latent_dim)
''',
        "build_decoder": '''
class ConvDecoder(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.trunk = keras.Sequential([
            layers.Dense(7 * 7 * 32, activation="relu"), layers.Reshape((7, 7, 32)),
            layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(1, 3, padding="same", activation="sigmoid")])

    def call(self, inputs):
        code, label = inputs
        return self.trunk(ops.concatenate([code, label], axis=-1))


def build_decoder(latent_dim=2, num_classes=NUM_CLASSES):
    return ConvDecoder()
''',
        "cvae_class": '''
class ConditionalVAE(keras.Model):
    def __init__(self, latent_dim=2, num_classes=NUM_CLASSES, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.encoder = build_encoder(latent_dim, num_classes)
        self.decoder = build_decoder(latent_dim, num_classes)
        self.sampling = Sampling(seed=seed)

    def call(self, inputs):
        x, y = inputs
        z_mean, z_log_var = self.encoder([x, y])
        kl = kl_divergence(z_mean, z_log_var)
        self.add_loss(ops.sum(kl) / ops.cast(ops.shape(kl)[0], kl.dtype))
        return self.decoder([self.sampling([z_mean, z_log_var]), y])

    def generate(self, labels, seed=None):
        y = ops.convert_to_tensor(keras.utils.to_categorical(labels, self.num_classes))
        z = keras.random.normal((len(labels), self.latent_dim), seed=seed)
        return ops.convert_to_numpy(self.decoder([z, y]))
''',
        "transfer_style": '''
def transfer_style(model, x, y_source, y_target):
    def one_hot(labels):
        return ops.one_hot(np.asarray(labels), model.num_classes)

    codes, _ = model.encoder([ops.convert_to_tensor(x), one_hot(y_source)])
    return ops.convert_to_numpy(model.decoder([codes, one_hot(y_target)]))
''',
    }),
})

END_TO_END_ALTERNATIVES = ("autoencoder_functional_tanh", "stacked_frozen_stage_models",
                           "vae_other_style")
