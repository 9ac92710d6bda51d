"""Contract properties of exercise 03's `Sampling` layer: shape, distribution, gradients, seeds."""

from __future__ import annotations

import numpy as np

from autograder.keras_quiet import ops

from ._support import CheckFailed, Property, as_array, shape_message

MEANS = np.array([0.5, -1.0, 2.0], dtype="float32")
LOG_VARIANCES = np.log(np.array([4.0, 1.0, 0.25], dtype="float32"))


def _reference_sampling():
    from solutions import Sampling

    return Sampling


def _make_sampling(sampling_class, seed):
    try:
        return sampling_class(seed=seed)
    except TypeError as error:
        raise CheckFailed(
            f"Sampling(seed=...) debe aceptar una semilla; se obtuvo {error}"
        ) from None


# --- the visible tests of Sampling and kl_divergence, judged by the grader --------------------


def probe_sampling_shape(sampling_class):
    z_mean = np.array([[0.5, -1.0, 2.0]] * 4, dtype="float32")
    z = as_array(_make_sampling(sampling_class, 0)([z_mean, np.full((4, 3), -30.0, "float32")]),
                 "Sampling")
    return {"shape": z.shape,
            "gap": float(np.max(np.abs(z - z_mean))) if z.shape == z_mean.shape else None}


def judge_sampling_shape(observed, expected):
    if observed["shape"] != (4, 3):
        return [shape_message("z (la forma de z_mean)", observed["shape"], (4, 3))]
    if not observed["gap"] <= 1e-3:
        return ["con z_log_var = -30 (σ casi 0) z debe ser casi igual a z_mean"]
    return []


sampling_shape = Property(
    "sampling_shape",
    "Sampling debe devolver z con la forma de z_mean",
    probe_sampling_shape, judge_sampling_shape, None,
)


# --- Sampling: the distribution of z ------------------------------------------------------


def probe_sampling_distribution(sampling_class):
    draws = 20000
    z_mean = np.tile(MEANS, (draws, 1))
    z_log_var = np.tile(LOG_VARIANCES, (draws, 1))
    z = as_array(_make_sampling(sampling_class, 3)([z_mean, z_log_var]), "Sampling")
    almost_deterministic = as_array(
        _make_sampling(sampling_class, 4)([z_mean[:10], np.full((10, 3), -30.0, "float32")]),
        "Sampling",
    )
    return {
        "shape": z.shape,
        "mean": z.mean(axis=0) if z.shape == z_mean.shape else None,
        "variance": z.var(axis=0) if z.shape == z_mean.shape else None,
        "tiny_variance_gap": float(np.max(np.abs(almost_deterministic - MEANS)))
        if almost_deterministic.shape == (10, 3) else float("inf"),
    }


def judge_sampling_distribution(observed, expected):
    if observed["shape"] != expected["shape"]:
        return [shape_message("Sampling()([z_mean, z_log_var])", observed["shape"],
                              expected["shape"])]
    failures = []
    if not np.allclose(observed["mean"], MEANS, atol=0.08):
        failures.append(
            f"la media de z sobre 20000 muestras debe ser z_mean = {MEANS.tolist()}; se obtuvo "
            f"{np.round(observed['mean'], 3).tolist()}"
        )
    variances = np.exp(LOG_VARIANCES)
    if not np.allclose(observed["variance"], variances, rtol=0.1):
        failures.append(
            f"la varianza de z debe ser exp(z_log_var) = {variances.tolist()}; se obtuvo "
            f"{np.round(observed['variance'], 3).tolist()}. Recuerda: σ = exp(0.5·z_log_var)"
        )
    if not observed["tiny_variance_gap"] <= 1e-3:
        failures.append(
            "con z_log_var = -30 (varianza casi nula) z debe ser casi z_mean; la mayor diferencia "
            f"fue {observed['tiny_variance_gap']:.3g}"
        )
    return failures


sampling_distribution = Property(
    "sampling_distribution",
    "Sampling debe muestrear z ~ N(z_mean, exp(z_log_var))",
    probe_sampling_distribution, judge_sampling_distribution, _reference_sampling,
)


# --- Sampling: gradients (reparameterisation) -----------------------------------------------


def probe_sampling_gradients(sampling_class):
    import tensorflow as tf

    z_mean = tf.Variable(np.tile(MEANS, (64, 1)))
    z_log_var = tf.Variable(np.tile(LOG_VARIANCES, (64, 1)))
    layer = _make_sampling(sampling_class, 5)
    with tf.GradientTape() as tape:
        total = ops.sum(layer([z_mean, z_log_var]))
    gradient_mean, gradient_log_var = tape.gradient(total, [z_mean, z_log_var])
    def as_numpy(gradient):
        return None if gradient is None else np.asarray(gradient)

    return {"mean": as_numpy(gradient_mean), "log_var": as_numpy(gradient_log_var)}


def judge_sampling_gradients(observed, expected):
    failures = []
    for name in ("mean", "log_var"):
        gradient = observed[name]
        if gradient is None or not np.all(np.isfinite(gradient)) or not np.any(gradient != 0):
            failures.append(
                f"el gradiente de z respecto a z_{name} debe existir y no ser nulo (truco de la "
                "reparametrización: z = z_mean + exp(0.5·z_log_var)·ε, con ε independiente)"
            )
    if not failures and not np.allclose(observed["mean"], 1.0, atol=1e-5):
        failures.append("dz/dz_mean debe ser 1: z_mean se suma tal cual a la parte aleatoria")
    return failures


sampling_gradients = Property(
    "sampling_gradients",
    "los gradientes deben pasar por Sampling hasta z_mean y z_log_var",
    probe_sampling_gradients, judge_sampling_gradients, _reference_sampling,
)


# --- Sampling: seeds ------------------------------------------------------------------------


def probe_sampling_seed(sampling_class):
    z_mean, z_log_var = np.zeros((4, 3), "float32"), np.zeros((4, 3), "float32")
    first_layer, twin_layer = _make_sampling(sampling_class, 11), _make_sampling(sampling_class, 11)
    first = as_array(first_layer([z_mean, z_log_var]), "Sampling")
    twin = as_array(twin_layer([z_mean, z_log_var]), "Sampling")
    second = as_array(first_layer([z_mean, z_log_var]), "Sampling")
    return {
        "same_seed_same_draw": bool(first.shape == twin.shape and np.allclose(first, twin)),
        "calls_differ": bool(first.shape == second.shape and not np.allclose(first, second)),
    }


def judge_sampling_seed(observed, expected):
    failures = []
    if not observed["same_seed_same_draw"]:
        failures.append("dos capas Sampling con la misma semilla deben dar las mismas muestras "
                        "(usa keras.random.SeedGenerator(seed))")
    if not observed["calls_differ"]:
        failures.append("dos llamadas seguidas a la misma capa deben dar ε distintos; se obtuvo "
                        "el mismo ε (¿semilla entera fija en cada llamada, o ε constante?)")
    return failures


sampling_seed = Property(
    "sampling_seed",
    "Sampling debe ser reproducible con su semilla y dar un ε nuevo en cada llamada",
    probe_sampling_seed, judge_sampling_seed, _reference_sampling,
)


PROPERTIES = (sampling_shape, sampling_distribution, sampling_gradients, sampling_seed)
