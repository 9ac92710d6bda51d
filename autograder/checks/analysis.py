"""Contract properties of exercise 01 beyond the model: reconstruction error, noise, anomaly
threshold, and the notebook's trained autoencoders."""

from __future__ import annotations

import numpy as np

from ._support import (
    CheckFailed,
    Property,
    as_array,
    compare,
    digits,
    graded_digits,
    in_grading_kernel,
    shape_message,
)


def _build(model_class, input_dim, latent_dim, hidden_units, seed=0):
    from .autoencoder import _build as build

    return build(model_class, input_dim, latent_dim, hidden_units, seed)


# --- reconstruction_error(model, x) --------------------------------------------------------


def _reference_reconstruction_error():
    from solutions import reconstruction_error

    return reconstruction_error


def probe_reconstruction_error(reconstruction_error):
    from .building_blocks import ProbeModel

    model = _build(ProbeModel, 64, 4, (16,), seed=5)
    x, _ = digits(50)
    return {"errors": as_array(reconstruction_error(model, x), "reconstruction_error")}


def judge_reconstruction_error(observed, expected):
    got, wanted = observed["errors"], expected["errors"]
    if got.shape != wanted.shape:
        return [shape_message("reconstruction_error(model, x) (un error por ejemplo)",
                              got.shape, wanted.shape)]
    return compare(
        "el error cuadrático medio por ejemplo", got, wanted, rtol=1e-3, atol=1e-6,
        hint="Es la media, sobre los píxeles, de (x - reconstrucción)².",
    )


reconstruction_error_values = Property(
    "reconstruction_error_values",
    "reconstruction_error debe dar el error cuadrático medio de cada ejemplo",
    probe_reconstruction_error, judge_reconstruction_error, _reference_reconstruction_error,
)


# --- add_noise(x, noise_factor, seed) ------------------------------------------------------


def _reference_add_noise():
    from solutions.analysis import add_noise

    return add_noise


def probe_add_noise(add_noise):
    gray = np.full((400, 64), 0.5, dtype="float32")
    original = gray.copy()
    first = as_array(add_noise(gray, noise_factor=0.2, seed=1), "add_noise")
    again = as_array(add_noise(gray, noise_factor=0.2, seed=1), "add_noise")
    other = as_array(add_noise(gray, noise_factor=0.2, seed=2), "add_noise")
    extremes = np.concatenate([np.zeros((50, 64), "float32"), np.ones((50, 64), "float32")])
    clipped = as_array(add_noise(extremes, noise_factor=0.5, seed=3), "add_noise")
    same_shape = first.shape == gray.shape and clipped.shape == extremes.shape
    return {
        "shape": first.shape,
        "noise_std": float(np.std(first - 0.5)) if same_shape else float("nan"),
        "minimum": float(min(first.min(), clipped.min())),
        "maximum": float(max(first.max(), clipped.max())),
        "reproducible": bool(same_shape and np.array_equal(first, again)),
        "seed_matters": bool(same_shape and not np.array_equal(first, other)),
        "input_untouched": bool(np.array_equal(gray, original)),
    }


def judge_add_noise(observed, expected):
    failures = []
    if observed["shape"] != expected["shape"]:
        return [shape_message("add_noise(x, ...)", observed["shape"], expected["shape"])]
    if observed["minimum"] < 0.0 or observed["maximum"] > 1.0:
        failures.append(
            "las imágenes con ruido deben recortarse a [0, 1]; se obtuvo un mínimo de "
            f"{observed['minimum']:.3g} y un máximo de {observed['maximum']:.3g}"
        )
    wanted = expected["noise_std"]
    if not abs(observed["noise_std"] - wanted) <= 0.1 * wanted:
        failures.append(
            f"con noise_factor=0.2 la desviación típica del ruido debe ser ≈ {wanted:.3f} (ruido "
            f"gaussiano multiplicado por noise_factor); se obtuvo {observed['noise_std']:.3f}"
        )
    if not observed["reproducible"]:
        failures.append("con la misma semilla add_noise debe devolver exactamente el mismo ruido")
    if not observed["seed_matters"]:
        failures.append("con semillas distintas add_noise debe devolver ruidos distintos")
    if not observed["input_untouched"]:
        failures.append("add_noise no debe modificar el array de entrada")
    return failures


noise = Property(
    "add_noise",
    "add_noise debe añadir ruido gaussiano reproducible y recortado a [0, 1]",
    probe_add_noise, judge_add_noise, _reference_add_noise,
)


# --- choose_threshold(validation_errors, quantile) ------------------------------------------


def _reference_choose_threshold():
    from solutions.analysis import choose_threshold

    return choose_threshold


def probe_choose_threshold(choose_threshold):
    errors = np.random.default_rng(6).gamma(2.0, 0.01, size=500).astype("float32")
    values = [choose_threshold(errors, quantile=q) for q in (0.9, 0.99)]
    return {"thresholds": np.array([float(as_array(v, "choose_threshold")) for v in values])}


def judge_choose_threshold(observed, expected):
    return compare(
        "el umbral para los cuantiles 0.9 y 0.99", observed["thresholds"],
        expected["thresholds"], rtol=1e-3, atol=1e-7,
        hint="El umbral es el cuantil pedido de los errores de validación (datos normales).",
    )


threshold = Property(
    "choose_threshold",
    "choose_threshold debe devolver el cuantil pedido de los errores de validación",
    probe_choose_threshold, judge_choose_threshold, _reference_choose_threshold,
)


# --- trained models from the notebook ------------------------------------------------------


def _mean_image_mse(x_train, x_test):
    return float(np.mean(np.square(x_test - x_train.mean(axis=0))))


def probe_trained_autoencoder(model, x_train, x_test):
    if in_grading_kernel():  # the grader's copy of the data, not the notebook's variables
        x_train, x_test = graded_digits("x_train", "x_test")
    x_train, x_test = as_array(x_train, "x_train"), as_array(x_test, "x_test")
    reconstructed = as_array(model(x_test, training=False), "autoencoder(x_test)")
    if reconstructed.shape != x_test.shape:
        raise CheckFailed(shape_message("la reconstrucción", reconstructed.shape, x_test.shape))
    return {"mse": float(np.mean(np.square(x_test - reconstructed))),
            "baseline": _mean_image_mse(x_train, x_test)}


# 0.9, not less: the check asks whether the model was trained on x -> x, not how well. With the
# grading epochs the reference reaches 0.65; a tanh-squashed code (an autoencoder_composition
# mistake, already penalised there) reaches 0.85 and must not lose these points too.
def judge_trained_autoencoder(observed, expected, max_fraction=0.9):
    mse, baseline = observed["mse"], observed["baseline"]
    if mse <= max_fraction * baseline:
        return []
    return [
        f"el autoencoder entrenado debe reconstruir los datos de prueba con un MSE menor que "
        f"{max_fraction:.2g} × {baseline:.4f} (predecir siempre la imagen media); se obtuvo "
        f"{mse:.4f}. ¿Se ha entrenado con x como entrada y como objetivo?"
    ]


trained_autoencoder = Property(
    "trained_autoencoder",
    "el autoencoder entrenado debe reconstruir los datos de prueba mejor que la imagen media",
    probe_trained_autoencoder, judge_trained_autoencoder, None,
)


def probe_denoising(model, x_test, noisy_test):
    if in_grading_kernel():
        x_test, noisy_test = graded_digits("x_test", "x_test_noisy")
    x_test, noisy_test = as_array(x_test, "x_test"), as_array(noisy_test, "x_test_noisy")
    denoised = as_array(model(noisy_test, training=False), "denoising_autoencoder(x_test_noisy)")
    if denoised.shape != x_test.shape:
        raise CheckFailed(shape_message("la salida del autoencoder", denoised.shape, x_test.shape))
    return {"noisy_mse": float(np.mean(np.square(noisy_test - x_test))),
            "denoised_mse": float(np.mean(np.square(denoised - x_test)))}


def judge_denoising(observed, expected, max_fraction=0.8):
    noisy_mse, denoised_mse = observed["noisy_mse"], observed["denoised_mse"]
    if denoised_mse <= max_fraction * noisy_mse:
        return []
    return [
        "el autoencoder de eliminación de ruido debe acercar las imágenes ruidosas a las "
        f"limpias: el MSE frente a las limpias debe bajar de {noisy_mse:.4f} (las ruidosas) a "
        f"menos de {max_fraction * noisy_mse:.4f}; se obtuvo {denoised_mse:.4f}. ¿Se ha "
        "entrenado con las ruidosas como entrada y las limpias como objetivo?"
    ]


denoising = Property(
    "denoising",
    "la salida del autoencoder de eliminación de ruido debe parecerse más a la imagen limpia",
    probe_denoising, judge_denoising, None,
)


PROPERTIES = (reconstruction_error_values, noise, threshold, trained_autoencoder, denoising)
