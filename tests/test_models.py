"""Reference models: shapes, save/load, the VAE's pieces, greedy pretraining, training runs."""

import numpy as np
import pytest

from solutions import (
    VAE,
    Autoencoder,
    Sampling,
    StackedAutoencoder,
    kl_divergence,
    reconstruction_error,
)
from solutions._keras import keras, ops
from solutions.training import train_autoencoder, train_stacked, train_vae


def numpy(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


def make_models():
    return {
        "autoencoder": Autoencoder(
            input_dim=64, latent_dim=4, hidden_units=(16,), activation="elu"
        ),
        "stacked": StackedAutoencoder(input_dim=64, layer_units=(16, 4), activation="tanh"),
        "vae": VAE(input_dim=64, latent_dim=2, hidden_units=(16,), seed=3),
    }


# --- shapes and output ranges ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["autoencoder", "stacked"])
def test_autoencoder_shapes_and_pixel_range(name, digits):
    model = make_models()[name]
    x = digits.x_test[:12]
    codes = numpy(model.encoder(x))
    reconstructions = numpy(model(x))
    assert codes.shape == (12, 4)
    assert numpy(model.decoder(codes)).shape == (12, 64)
    assert reconstructions.shape == (12, 64)
    assert reconstructions.min() >= 0.0 and reconstructions.max() <= 1.0


def test_vae_shapes_and_pixel_range(digits):
    vae = make_models()["vae"]
    x = digits.x_test[:12]
    z_mean, z_log_var = (numpy(t) for t in vae.encoder(x))
    assert z_mean.shape == z_log_var.shape == (12, 2)
    for pixels in (numpy(vae(x)), numpy(vae.decoder(z_mean)), vae.generate(5, seed=0)):
        assert pixels.shape[1] == 64
        assert pixels.min() >= 0.0 and pixels.max() <= 1.0
    assert vae.generate(5, seed=0).shape == (5, 64)
    np.testing.assert_array_equal(vae.generate(5, seed=1), vae.generate(5, seed=1))
    assert not np.allclose(vae.generate(5, seed=1), vae.generate(5, seed=2))


# --- .keras round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["autoencoder", "stacked", "vae"])
def test_keras_file_round_trip_gives_identical_outputs(name, digits, tmp_path):
    keras.utils.set_random_seed(0)
    model = make_models()[name]
    if name == "vae":
        model.compile(optimizer="adam")
    else:
        model.compile(optimizer="adam", loss="mse")
    model.fit(digits.x_train[:128], digits.x_train[:128], epochs=1, batch_size=32, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)

    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    x = digits.x_test[:20]
    codes = np.random.default_rng(0).normal(size=(20, model.latent_dim)).astype("float32")
    np.testing.assert_array_equal(numpy(loaded.decoder(codes)), numpy(model.decoder(codes)))
    if name == "vae":
        for original, restored in zip(model.encoder(x), loaded.encoder(x)):
            np.testing.assert_array_equal(numpy(restored), numpy(original))
        # The sampling noise is not part of the file: start both generators from one state.
        loaded.sampling.seed_generator.state.assign(model.sampling.seed_generator.state)
    else:
        np.testing.assert_array_equal(numpy(loaded.encoder(x)), numpy(model.encoder(x)))
    np.testing.assert_array_equal(numpy(loaded(x)), numpy(model(x)))
    # The compiled loss comes back too: evaluating gives the same number.
    if name != "vae":
        assert loaded.evaluate(x, x, verbose=0) == pytest.approx(model.evaluate(x, x, verbose=0))


def test_conditional_vae_shapes_labels_and_keras_file_round_trip(tmp_path):
    """Exercise 04's reference: 28x28x1 images in [0, 1], the label changes the image, and a
    .keras file with a non-default config gives the same model and compiled loss back."""
    from solutions import ConditionalVAE, transfer_style

    keras.utils.set_random_seed(0)
    model = ConditionalVAE(latent_dim=3, filters=(8, 16), hidden_units=16, seed=2)
    model.compile()
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype("float32")
    y = keras.utils.to_categorical(np.arange(16) % 10, 10)
    model.fit([x, y], x, epochs=1, batch_size=8, verbose=0)
    images = model.generate([7, 7, 1], seed=4)
    assert images.shape == (3, 28, 28, 1) and 0.0 <= images.min() and images.max() <= 1.0
    np.testing.assert_array_equal(images, model.generate([7, 7, 1], seed=4))
    assert not np.allclose(images, model.generate([0, 0, 0], seed=4))
    moved = transfer_style(model, x[:2], [0, 1], [5, 6])
    assert moved.shape == (2, 28, 28, 1) and not np.allclose(moved, transfer_style(
        model, x[:2], [0, 1], [0, 1]))

    path = tmp_path / "cvae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is ConditionalVAE and loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.generate([7, 7, 1], seed=4), images)
    loaded.sampling.seed_generator.state.assign(model.sampling.seed_generator.state)
    assert loaded.evaluate([x, y], x, verbose=0) == pytest.approx(
        model.evaluate([x, y], x, verbose=0))


# --- Sampling ----------------------------------------------------------------------------------


def test_sampling_with_a_fixed_seed_is_mean_plus_std_times_noise():
    rng = np.random.default_rng(0)
    z_mean = rng.normal(size=(6, 3)).astype("float32")
    z_log_var = rng.normal(size=(6, 3)).astype("float32")
    zeros = np.zeros_like(z_mean)
    # With mu = 0 and log_var = 0 the layer returns its noise; same seed, same noise.
    epsilon = numpy(Sampling(seed=11)([zeros, zeros]))
    z = numpy(Sampling(seed=11)([z_mean, z_log_var]))

    np.testing.assert_allclose(z, z_mean + np.exp(0.5 * z_log_var) * epsilon, rtol=1e-5, atol=1e-6)
    assert epsilon.std() > 0.3  # real noise, not zeros
    np.testing.assert_array_equal(numpy(Sampling(seed=11)([z_mean, z_log_var])), z)
    assert not np.allclose(numpy(Sampling(seed=12)([z_mean, z_log_var])), z)


def test_sampling_draws_have_mean_mu_and_variance_sigma_squared():
    n = 100_000
    mu = np.array([1.0, -2.0, 0.0], dtype="float32")
    variance = np.array([0.25, 4.0, 1.0], dtype="float32")
    z = numpy(Sampling(seed=0)([np.tile(mu, (n, 1)), np.tile(np.log(variance), (n, 1))]))

    # Standard errors: sigma / sqrt(n) <= 0.0063 for the mean, sigma^2 * sqrt(2 / n) <= 0.018.
    np.testing.assert_allclose(z.mean(axis=0), mu, atol=0.03)
    np.testing.assert_allclose(z.var(axis=0), variance, rtol=0.03)


def test_sampling_gradients_reach_mean_and_log_variance():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("uses tf.GradientTape")
    import tensorflow as tf

    z_mean = tf.Variable(np.array([[0.5, -1.0]], dtype="float32"))
    z_log_var = tf.Variable(np.array([[0.2, -0.4]], dtype="float32"))
    with tf.GradientTape() as tape:
        z = Sampling(seed=5)([z_mean, z_log_var])
        total = tf.reduce_sum(z)
    grad_mean, grad_log_var = tape.gradient(total, [z_mean, z_log_var])

    assert grad_mean is not None and grad_log_var is not None
    np.testing.assert_allclose(grad_mean.numpy(), 1.0)
    # dz / dlog_var = 0.5 * exp(0.5 * log_var) * eps = 0.5 * (z - mu)
    np.testing.assert_allclose(
        grad_log_var.numpy(), 0.5 * (z.numpy() - z_mean.numpy()), rtol=1e-5, atol=1e-7
    )
    assert np.all(np.abs(grad_log_var.numpy()) > 0)


# --- KL divergence -----------------------------------------------------------------------------


def gaussian_kl(mean_p, variance_p, mean_q, variance_q):
    """KL(N(mean_p, variance_p) || N(mean_q, variance_q)) per dimension, the textbook formula."""
    return 0.5 * (
        np.log(variance_q / variance_p)
        + (variance_p + (mean_p - mean_q) ** 2) / variance_q
        - 1.0
    )


def test_kl_divergence_matches_the_closed_form_for_two_gaussians():
    rng = np.random.default_rng(1)
    z_mean = rng.normal(size=(7, 4))
    z_log_var = rng.normal(scale=0.8, size=(7, 4))
    expected = gaussian_kl(z_mean, np.exp(z_log_var), 0.0, 1.0).sum(axis=1)

    kl = numpy(kl_divergence(z_mean.astype("float32"), z_log_var.astype("float32")))
    assert kl.shape == (7,)
    np.testing.assert_allclose(kl, expected, rtol=1e-5, atol=1e-5)
    assert np.all(kl > 0)


def test_kl_divergence_is_zero_at_the_prior_and_not_the_slide_form():
    zeros = np.zeros((3, 2), dtype="float32")
    np.testing.assert_allclose(numpy(kl_divergence(zeros, zeros)), 0.0, atol=1e-7)

    z_mean = np.array([[1.0, 0.5]], dtype="float32")
    z_log_var = np.array([[0.0, np.log(0.5)]], dtype="float32")
    log_sigma = 0.5 * z_log_var
    slide_form = -np.sum(1 + log_sigma - z_mean**2 - np.exp(z_log_var), axis=-1)
    kl = numpy(kl_divergence(z_mean, z_log_var))
    np.testing.assert_allclose(kl, gaussian_kl(z_mean, np.exp(z_log_var), 0, 1).sum(-1), rtol=1e-5)
    assert abs(kl[0] - slide_form[0]) > 0.1


# --- VAE loss ----------------------------------------------------------------------------------


def test_vae_evaluate_is_summed_cross_entropy_plus_kl_by_hand(digits):
    keras.utils.set_random_seed(0)
    vae = VAE(input_dim=64, latent_dim=2, hidden_units=(16,), seed=5)
    vae.compile(optimizer="adam")
    vae.fit(digits.x_train[:256], digits.x_train[:256], epochs=2, batch_size=32, verbose=0)
    x = digits.x_test[:50].astype("float64")

    state = numpy(vae.sampling.seed_generator.state)
    negative_elbo = vae.evaluate(x, x, batch_size=len(x), verbose=0)  # one batch, one draw
    vae.sampling.seed_generator.state.assign(state)  # replay that draw by hand

    z_mean, z_log_var = (numpy(t).astype("float64") for t in vae.encoder(x))
    z = numpy(vae.sampling([z_mean.astype("float32"), z_log_var.astype("float32")]))
    pixels = np.clip(numpy(vae.decoder(z)).astype("float64"), 1e-7, 1 - 1e-7)
    cross_entropy = -(x * np.log(pixels) + (1 - x) * np.log(1 - pixels)).sum(axis=1).mean()
    kl = (-0.5 * (1 + z_log_var - z_mean**2 - np.exp(z_log_var))).sum(axis=1).mean()

    assert kl > 0.01  # the KL part matters in this comparison
    assert negative_elbo == pytest.approx(cross_entropy + kl, rel=1e-4)


# --- stacked autoencoder -----------------------------------------------------------------------


class StageWatcher(keras.callbacks.Callback):
    """Records, batch by batch, how far the stage-1 layers moved since the stage began."""

    def __init__(self, stack):
        super().__init__()
        self.stack = stack
        self.moved = {}  # stage name -> largest change of the stage-1 weights
        self.stage_1_at_end = None

    def _stage_1_weights(self):
        layers = (self.stack.encoder_layers[0], self.stack.decoder_layers[0])
        return [numpy(v).copy() for layer in layers for v in layer.weights]

    def on_train_begin(self, logs=None):
        self.start = self._stage_1_weights()
        self.moved[self.model.name] = 0.0

    def on_train_batch_end(self, batch, logs=None):
        change = max(
            np.abs(now - before).max()
            for now, before in zip(self._stage_1_weights(), self.start)
        )
        self.moved[self.model.name] = max(self.moved[self.model.name], change)

    def on_train_end(self, logs=None):
        if self.model.name == "stage_1":
            self.stage_1_at_end = self._stage_1_weights()


def test_pretrain_is_greedy(digits, monkeypatch):
    keras.utils.set_random_seed(0)
    stack = StackedAutoencoder(input_dim=64, layer_units=(16, 4))
    seen = {}
    build_stage = StackedAutoencoder.stage_autoencoder

    def stage_recording_its_inputs(self, k):
        stage = build_stage(self, k)
        fit = stage.fit

        def recording_fit(x, y=None, **kwargs):
            seen[stage.name] = (np.array(x), np.array(y))
            return fit(x, y, **kwargs)

        stage.fit = recording_fit
        return stage

    monkeypatch.setattr(StackedAutoencoder, "stage_autoencoder", stage_recording_its_inputs)
    watcher = StageWatcher(stack)
    x = digits.x_train[:256]
    histories = stack.pretrain(x, epochs=2, batch_size=32, verbose=0, callbacks=[watcher])

    assert len(histories) == 2 and all(len(h.history["loss"]) == 2 for h in histories)
    assert watcher.moved["stage_1"] > 1e-4  # stage 1 does train its layers ...
    assert watcher.moved["stage_2"] == 0.0  # ... and they stay put while stage 2 trains
    # Stage 1 reconstructs the inputs; stage 2 reconstructs the trained stage-1 codes.
    np.testing.assert_array_equal(seen["stage_1"][0], x)
    np.testing.assert_array_equal(seen["stage_1"][1], x)
    kernel, bias = watcher.stage_1_at_end[:2]
    codes = np.maximum(x @ kernel + bias, 0.0)  # relu, the default activation
    np.testing.assert_allclose(seen["stage_2"][0], codes, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(seen["stage_2"][1], seen["stage_2"][0])


def test_pretrain_accepts_an_optimizer_instance(digits):
    stack = StackedAutoencoder(input_dim=64, layer_units=(16, 4))
    histories = stack.pretrain(
        digits.x_train[:64], epochs=1, optimizer=keras.optimizers.Adam(1e-3), verbose=0
    )
    assert len(histories) == 2


def test_build_classifier_shares_the_pretrained_layers(digits):
    keras.utils.set_random_seed(0)
    stack = StackedAutoencoder(input_dim=64, layer_units=(16, 4))
    stack.pretrain(digits.x_train[:256], epochs=1, verbose=0)
    classifier = stack.build_classifier(num_classes=10)

    classifier_variables = [id(v) for v in classifier.weights]
    for layer in stack.encoder_layers:
        for variable in layer.weights:
            assert id(variable) in classifier_variables
    x, y = digits.x_train[:256], digits.y_train[:256]
    probabilities = numpy(classifier(x))
    assert probabilities.shape == (256, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)

    codes_before = numpy(stack.encoder(x))
    classifier.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    classifier.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert np.abs(numpy(stack.encoder(x)) - codes_before).max() > 1e-4


# --- training functions ------------------------------------------------------------------------


@pytest.mark.slow
def test_default_autoencoder_beats_pca_on_digits(digits):
    model, metrics, histories = train_autoencoder(digits, verbose=0)

    assert metrics["test_mse"] < 0.8 * metrics["pca_test_mse"]
    measured_now = float(reconstruction_error(model, digits.x_test).mean())
    assert metrics["test_mse"] == pytest.approx(measured_now)
    assert len(histories["autoencoder"].history["val_loss"]) == metrics["epochs"]


def test_training_is_reproducible_with_a_seed(digits):
    _, first, _ = train_autoencoder(digits, epochs=2, seed=4, verbose=0)
    _, second, _ = train_autoencoder(digits, epochs=2, seed=4, verbose=0)
    _, other, _ = train_autoencoder(digits, epochs=2, seed=5, verbose=0)
    assert first["test_mse"] == second["test_mse"]
    assert other["test_mse"] != first["test_mse"]


def test_train_stacked_reports_both_classifiers_and_keeps_the_autoencoder(digits):
    model, metrics, histories = train_stacked(
        digits, epochs=2, classifier_epochs=3, label_fraction=0.1, verbose=0
    )
    assert list(histories) == ["stage_1", "stage_2", "fine_tuning"]
    assert metrics["layer_units"] == [64, 8]
    assert metrics["labelled_examples"] == round(0.1 * len(digits.x_train))
    for name in ("accuracy_pretrained", "accuracy_random_init"):
        assert 0.0 <= metrics[name] <= 1.0
    # The pretrained classifier trained on a copy: the returned stack is the one measured.
    measured_now = float(reconstruction_error(model, digits.x_test).mean())
    assert metrics["test_mse"] == pytest.approx(measured_now)


def test_train_vae_reports_the_negative_elbo_and_its_parts(digits):
    model, metrics, histories = train_vae(digits, epochs=2, verbose=0)
    assert metrics["test_negative_elbo_nats"] == pytest.approx(
        metrics["test_reconstruction_nats"] + metrics["test_kl_nats"]
    )
    assert metrics["test_kl_nats"] > 0
    # Summed over 64 pixels: a per-pixel mean would be below log(2) = 0.69 nats.
    assert metrics["test_reconstruction_nats"] > 10
    assert 0 < metrics["test_mse"] < 0.2
    assert model.latent_dim == metrics["latent_dim"] == 2
