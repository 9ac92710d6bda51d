"""Contract properties of exercise 01: the `Autoencoder` class (the rest: `analysis.py`)."""

from __future__ import annotations

import numpy as np

from autograder.keras_quiet import keras

from . import analysis
from ._support import (
    CheckFailed,
    Property,
    as_array,
    scratch_folder,
    seeded,
    shape_message,
    uniform_inputs,
)

# (input_dim, latent_dim, hidden_units): small, and each with another latent size.
CONFIGURATIONS = ((64, 2, (32,)), (20, 5, (16, 8)), (30, 7, (12,)))


def _reference_autoencoder_class():
    from solutions import Autoencoder

    return Autoencoder


def _build(autoencoder_class, input_dim, latent_dim, hidden_units, seed=0):
    seeded(seed)
    try:
        return autoencoder_class(
            input_dim=input_dim, latent_dim=latent_dim, hidden_units=hidden_units
        )
    except TypeError as error:
        raise CheckFailed(
            "Autoencoder(input_dim=..., latent_dim=..., hidden_units=...) debe poder crearse con "
            f"esos argumentos con nombre; se obtuvo TypeError: {error}"
        ) from None


def _config_label(input_dim, latent_dim, hidden_units):
    return f"input_dim={input_dim}, latent_dim={latent_dim}, hidden_units={hidden_units}"


# --- shapes and latent size ------------------------------------------------------------------


def probe_shapes(autoencoder_class):
    shapes = {}
    for input_dim, latent_dim, hidden_units in CONFIGURATIONS:
        model = _build(autoencoder_class, input_dim, latent_dim, hidden_units)
        x = uniform_inputs(7, input_dim)
        label = _config_label(input_dim, latent_dim, hidden_units)
        code = as_array(model.encoder(x), "model.encoder(x)")
        shapes[f"model.encoder(x) con {label}"] = code.shape
        decoded = as_array(model.decoder(np.zeros((7, latent_dim), "float32")), "model.decoder")
        shapes[f"model.decoder(código) con {label}"] = decoded.shape
        shapes[f"model(x) con {label}"] = as_array(model(x), "model(x)").shape
    return shapes


def judge_shapes(observed, expected):
    return [
        shape_message(what, observed[what], shape)
        for what, shape in expected.items()
        if observed.get(what) != shape
    ]


latent_size = Property(
    "autoencoder_latent_size",
    "el código y la reconstrucción del Autoencoder deben tener el tamaño pedido",
    probe_shapes, judge_shapes, _reference_autoencoder_class,
)


# --- the visible test's shapes, judged by the grader ---------------------------------------


def probe_visible_shapes(autoencoder_class):
    model = _build(autoencoder_class, 64, 2, (32,))
    x = uniform_inputs(5, 64)
    return {"code": as_array(model.encoder(x), "model.encoder(x)").shape,
            "reconstruction": as_array(model(x), "model(x)").shape}


def judge_visible_shapes(observed, expected):
    return [
        shape_message(f"{what} con latent_dim=2", observed.get(key), expected[key])
        for key, what in (("code", "encoder(x)"), ("reconstruction", "model(x)"))
        if observed.get(key) != expected[key]
    ]


shapes = Property(
    "autoencoder_shapes",
    "el código debe tener tamaño latent_dim y la reconstrucción, el de la entrada",
    probe_visible_shapes, judge_visible_shapes, _reference_autoencoder_class,
)


# --- output range --------------------------------------------------------------------------


def probe_output_range(autoencoder_class):
    model = _build(autoencoder_class, 64, 2, (16,))
    x = uniform_inputs(16, 64)
    reconstructed = as_array(model(x), "model(x)")
    # Codes far from the origin: a decoder without a squashing output leaves [0, 1] there.
    code_shape = as_array(model.encoder(x), "model.encoder(x)").shape
    codes = np.random.default_rng(1).normal(scale=50.0, size=code_shape).astype("float32")
    decoded = as_array(model.decoder(codes), "model.decoder(código)")
    values = np.concatenate([decoded.ravel(), reconstructed.ravel()])
    return {"minimum": float(np.min(values)), "maximum": float(np.max(values))}


def judge_output_range(observed, expected):
    low, high = observed["minimum"], observed["maximum"]
    if np.isfinite(low) and np.isfinite(high) and low >= 0.0 and high <= 1.0:
        return []
    return [
        f"la salida del decodificador debe estar en [0, 1] (píxeles); se obtuvo un mínimo de "
        f"{low:.4g} y un máximo de {high:.4g}. ¿Usa la última capa una activación sigmoide?"
    ]


output_range = Property(
    "autoencoder_output_range",
    "la reconstrucción debe estar en [0, 1]",
    probe_output_range, judge_output_range, _reference_autoencoder_class,
)


# --- call = decoder(encoder(x)) ------------------------------------------------------------


def probe_composition(autoencoder_class):
    model = _build(autoencoder_class, 64, 4, (16,))
    x = uniform_inputs(9, 64, seed=3)
    through_call = as_array(model(x), "model(x)")
    through_parts = as_array(model.decoder(model.encoder(x)), "model.decoder(model.encoder(x))")
    return {"difference": float(np.max(np.abs(through_call - through_parts)))
            if through_call.shape == through_parts.shape else float("inf")}


def judge_composition(observed, expected):
    if observed["difference"] <= 1e-5:
        return []
    return [
        "model(x) debe ser model.decoder(model.encoder(x)); la mayor diferencia entre ambos es "
        f"{observed['difference']:.4g}"
    ]


composition = Property(
    "autoencoder_composition",
    "el Autoencoder debe reconstruir x como decoder(encoder(x))",
    probe_composition, judge_composition, _reference_autoencoder_class,
)


# --- save / load ---------------------------------------------------------------------------


def probe_save_load(autoencoder_class):
    model = _build(autoencoder_class, 64, 3, (16,))
    x = uniform_inputs(5, 64, seed=4)
    before = as_array(model(x), "model(x)")
    codes_before = as_array(model.encoder(x), "model.encoder(x)")
    with scratch_folder() as folder:
        path = folder / "autoencoder.keras"
        try:
            model.save(path)
            loaded = keras.models.load_model(path)
        except Exception as error:
            raise CheckFailed(
                "el modelo debe poder guardarse y cargarse en formato .keras (¿falta get_config "
                "o el decorador register_keras_serializable?); se obtuvo "
                f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"
            ) from None
    after = as_array(loaded(x), "el modelo cargado")
    codes_after = as_array(loaded.encoder(x), "loaded.encoder(x)")
    return {
        "config": loaded.get_config().get("latent_dim"),
        "difference": float(max(np.max(np.abs(before - after)),
                                np.max(np.abs(codes_before - codes_after)))),
    }


def judge_save_load(observed, expected):
    failures = []
    if observed["config"] != expected["config"]:
        failures.append(
            f"get_config() debe incluir latent_dim={expected['config']}; "
            f"se obtuvo {observed['config']!r}"
        )
    if not observed["difference"] <= 1e-6:
        failures.append(
            "el modelo cargado desde .keras debe dar las mismas salidas que el original; la "
            f"mayor diferencia es {observed['difference']:.4g}"
        )
    return failures


save_load = Property(
    "autoencoder_save_load",
    "el Autoencoder debe guardarse y cargarse como .keras sin cambiar",
    probe_save_load, judge_save_load, _reference_autoencoder_class,
)


PROPERTIES = (shapes, latent_size, output_range, composition, save_load, *analysis.PROPERTIES)
