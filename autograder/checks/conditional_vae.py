"""Contract properties of exercise 04: the convolutional conditional VAE.

`build_encoder`, `build_decoder`, `ConditionalVAE` and `transfer_style` are each judged on their
own: while a class property is probed, correct builders (`_conditional_parts.py`) stand in for
the student's, and `transfer_style` runs on a probe model of this module. Where a property is
about what reaches the encoder or the decoder (the label, a sampled code), a `Recorder` wraps
the sub-model and keeps its inputs. Conditional generation is judged in the grader
(`conditional_generation.py`).
"""

from __future__ import annotations

import numpy as np

from autograder.keras_quiet import keras

from . import building_blocks, conditional_generation
from ._conditional_parts import (
    IMAGE_SHAPE,
    NUM_CLASSES,
    correct_builders,
    decoder,
    encoder,
    one_hot,
    recording,
)
from ._support import (
    CheckFailed,
    Property,
    as_array,
    close_message,
    seeded,
    shape_message,
)

layers = keras.layers


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(size=(n, *IMAGE_SHAPE)).astype("float32")


def _build(builder, what):
    seeded(0)
    try:
        return builder(latent_dim=3, num_classes=NUM_CLASSES)
    except TypeError as error:
        raise CheckFailed(f"{what}(latent_dim=3, num_classes=10) debe poder llamarse así; se "
                          f"obtuvo TypeError: {error}") from None


def _model(model_class, seed=0):
    seeded(seed)
    try:
        return model_class(latent_dim=3, num_classes=NUM_CLASSES, seed=seed)
    except TypeError as error:
        raise CheckFailed("ConditionalVAE(latent_dim=..., num_classes=..., seed=...) debe poder "
                          f"crearse con esos argumentos; se obtuvo TypeError: {error}") from None


def _pair(outputs, what):
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
        raise CheckFailed(f"{what} debe devolver dos tensores: (z_mean, z_log_var)")
    return as_array(outputs[0], "z_mean"), as_array(outputs[1], "z_log_var")


def _layers(model):
    try:
        return list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:  # not a Keras layer: nothing to inspect
        return []


def _strided(layer, kinds) -> bool:
    return isinstance(layer, kinds) and max(getattr(layer, "strides", (1,)) or (1,)) > 1


# --- build_encoder ----------------------------------------------------------------------------


def probe_encoder(build_encoder):
    encoder = _build(build_encoder, "build_encoder")
    x, labels = images(6), np.arange(6)
    z_mean, z_log_var = _pair(encoder([x, one_hot(labels)]), "build_encoder(...)([x, y])")
    other, _ = _pair(encoder([x, one_hot((labels + 3) % NUM_CLASSES)]), "el codificador")
    found = _layers(encoder)
    return {
        "z_mean": z_mean.shape, "z_log_var": z_log_var.shape,
        "label_matters": bool(other.shape == z_mean.shape and not np.allclose(other, z_mean)),
        "convolutions": sum(isinstance(layer, layers.Conv2D) for layer in found),
        "downsampling": any(_strided(layer, layers.Conv2D) or isinstance(
            layer, (layers.MaxPooling2D, layers.AveragePooling2D)) for layer in found),
    }


def judge_encoder(observed, expected):
    failures = [shape_message(f"{key} (6 ejemplos, latent_dim=3)", observed[key], (6, 3))
                for key in ("z_mean", "z_log_var") if observed[key] != (6, 3)]
    if not observed["convolutions"] or not observed["downsampling"]:
        failures.append("el codificador debe ser convolucional y reducir la resolución: capas "
                        "Conv2D con strides=2 (28 → 14 → 7) antes de las densas")
    if not observed["label_matters"]:
        failures.append("con la misma imagen y otra etiqueta z_mean no cambió: el codificador "
                        "debe recibir la etiqueta one-hot y usarla")
    return failures


cvae_encoder = Property(
    "cvae_encoder",
    "build_encoder debe dar un codificador convolucional [imagen, etiqueta] → (z_mean, z_log_var)",
    probe_encoder, judge_encoder, None,
)


# --- build_decoder ----------------------------------------------------------------------------


def probe_decoder(build_decoder):
    decoder = _build(build_decoder, "build_decoder")
    codes = np.random.default_rng(1).normal(scale=30.0, size=(8, 3)).astype("float32")
    labels = np.arange(8)
    first = as_array(decoder([codes, one_hot(labels)]), "build_decoder(...)([z, y])")
    again = as_array(decoder([codes, one_hot(labels)]), "el decodificador")
    other = as_array(decoder([codes, one_hot((labels + 3) % NUM_CLASSES)]), "el decodificador")
    found = _layers(decoder)
    same = first.shape == again.shape == other.shape
    return {
        "shape": first.shape, "minimum": float(first.min()), "maximum": float(first.max()),
        "reproducible": bool(same and np.allclose(first, again)),
        "label_matters": bool(same and not np.allclose(first, other, atol=1e-4)),
        "upsampling": any(_strided(layer, layers.Conv2DTranspose)
                          or isinstance(layer, layers.UpSampling2D) for layer in found),
    }


def judge_decoder(observed, expected):
    if observed["shape"] != (8, *IMAGE_SHAPE):
        return [shape_message("el decodificador, para 8 códigos", observed["shape"],
                              (8, *IMAGE_SHAPE)) + ". Comprueba las Conv2DTranspose: con "
                "padding=\"same\" y strides=2 cada una duplica el tamaño (7 → 14 → 28)"]
    failures = []
    if not (0.0 <= observed["minimum"] and observed["maximum"] <= 1.0):
        failures.append(
            "el decodificador debe dar probabilidades de píxel en [0, 1] (salida sigmoide); con "
            f"códigos lejanos se obtuvo un mínimo de {observed['minimum']:.4g} y un máximo de "
            f"{observed['maximum']:.4g}")
    if not observed["upsampling"]:
        failures.append("el decodificador debe aumentar la resolución con Conv2DTranspose de "
                        "strides=2")
    if not observed["reproducible"]:
        failures.append("con las mismas entradas el decodificador debe dar la misma imagen")
    if not observed["label_matters"]:
        failures.append("con el mismo código y otra etiqueta se obtuvo la misma imagen: el "
                        "decodificador debe recibir la etiqueta one-hot y usarla")
    return failures


cvae_decoder = Property(
    "cvae_decoder",
    "build_decoder debe dar un decodificador convolucional [código, etiqueta] → imagen en [0, 1]",
    probe_decoder, judge_decoder, None,
)


# --- ConditionalVAE.call ----------------------------------------------------------------------


def probe_call(model_class):
    x, labels = images(5, seed=2), np.array([3, 1, 4, 1, 5])
    with correct_builders(model_class):
        model = _model(model_class)
        with recording(model, "decoder") as decoder:
            model([x, one_hot(labels)])
            model([x, one_hot(labels)])
        z_mean, _ = _pair(model.encoder([x, one_hot(labels)]), "model.encoder([x, y])")
    if len(decoder.inputs) < 2:
        raise CheckFailed("call([x, y]) debe decodificar con self.decoder([z, y])")
    (z, y_seen), (z_again, _) = decoder.inputs[:2]
    return {"z": z.shape, "z_mean": z_mean.shape,
            "label_passed": bool(y_seen.shape == (5, NUM_CLASSES)
                                 and np.allclose(y_seen, one_hot(labels))),
            "noisy": bool(z.shape == z_again.shape == z_mean.shape
                          and not np.allclose(z, z_again) and not np.allclose(z, z_mean))}


def judge_call(observed, expected):
    failures = []
    if observed["z"] != observed["z_mean"]:
        failures.append(shape_message("el código z que llega al decodificador", observed["z"],
                                      observed["z_mean"]))
    if not observed["label_passed"]:
        failures.append("call([x, y]) debe pasar al decodificador la misma etiqueta one-hot y")
    if not failures and not observed["noisy"]:
        failures.append("z debe muestrearse con self.sampling([z_mean, z_log_var]): llegó al "
                        "decodificador z_mean, o el mismo z en dos llamadas")
    return failures


cvae_call = Property(
    "cvae_call",
    "call([x, y]) debe muestrear z y decodificarlo con la etiqueta y",
    probe_call, judge_call, None,
)


def probe_kl_loss(model_class):
    x, labels = images(16, seed=3), np.arange(16) % NUM_CLASSES
    with correct_builders(model_class):
        model = _model(model_class)
        model([x, one_hot(labels)])
        added = [float(as_array(loss, "model.losses")) for loss in model.losses]
        z_mean, z_log_var = _pair(model.encoder([x, one_hot(labels)]), "model.encoder([x, y])")
    kl = np.asarray(building_blocks.kl_divergence(z_mean, z_log_var))
    return {"added": added, "kl_mean": float(kl.mean()), "kl_sum": float(kl.sum())}


def judge_kl_loss(observed, expected):
    added, kl_mean = observed["added"], observed["kl_mean"]
    if not added:
        return ["tras llamar a model([x, y]), model.losses está vacío: la divergencia KL debe "
                "añadirse con self.add_loss(...) dentro de call()"]
    if np.isclose(sum(added), kl_mean, rtol=1e-3, atol=1e-5):
        return []
    hint = " (es la suma sobre el lote; debe ser la media)" if np.isclose(
        sum(added), observed["kl_sum"], rtol=1e-3) else ""
    return [f"add_loss debe recibir la media en el lote de la KL de cada ejemplo, {kl_mean:.5g}; "
            f"se añadió {sum(added):.5g}{hint}"]


cvae_kl_loss = Property(
    "cvae_kl_loss",
    "call([x, y]) debe añadir con add_loss la media de la divergencia KL en el lote",
    probe_kl_loss, judge_kl_loss, None,
)


# --- ConditionalVAE.generate ------------------------------------------------------------------


def probe_generate(model_class):
    labels = np.arange(400) % NUM_CLASSES
    with correct_builders(model_class):
        model = _model(model_class)
        with recording(model, "decoder") as decoder:
            first = as_array(model.generate(labels, seed=1), "generate")
            model.generate(labels, seed=1)
            model.generate(labels, seed=2)
    if len(decoder.inputs) != 3:
        raise CheckFailed("generate(labels, seed) debe decodificar una sola vez, con "
                          "self.decoder([z, y])")
    (z, y), (z_again, _), (z_other, _) = decoder.inputs
    flat = z.reshape(len(z), -1) if z.ndim else z
    return {
        "shape": first.shape, "decoded": (len(labels), *IMAGE_SHAPE), "z": z.shape,
        "labels_passed": bool(y.shape == (len(labels), NUM_CLASSES)
                              and np.allclose(y, one_hot(labels))),
        "mean": float(flat.mean()) if z.size else float("nan"),
        "std": float(flat.std()) if z.size else float("nan"),
        "reproducible": bool(z.shape == z_again.shape and np.allclose(z, z_again)),
        "seed_matters": bool(z.shape == z_other.shape and not np.allclose(z, z_other)),
    }


def judge_generate(observed, expected):
    failures = []
    if observed["z"] != (400, 3):
        failures.append(shape_message("los códigos de generate(400 etiquetas) con latent_dim=3",
                                      observed["z"], (400, 3)))
    elif not (abs(observed["mean"]) <= 0.15 and 0.85 <= observed["std"] <= 1.15):
        failures.append("los códigos deben muestrearse de N(0, I) (keras.random.normal); media "
                        f"{observed['mean']:.3g} y desviación típica {observed['std']:.3g}")
    if not observed["labels_passed"]:
        failures.append("el decodificador debe recibir las etiquetas pedidas en one-hot "
                        "(ops.one_hot(labels, num_classes)), no enteros ni otras etiquetas")
    if observed["shape"] != tuple(observed["decoded"]):
        failures.append(shape_message("generate(labels) (las imágenes decodificadas)",
                                      observed["shape"], observed["decoded"]))
    if not observed["reproducible"]:
        failures.append("con la misma semilla generate debe dar los mismos códigos")
    if not observed["seed_matters"]:
        failures.append("con semillas distintas generate debe dar códigos distintos")
    return failures


cvae_generate = Property(
    "cvae_generate",
    "generate(labels, seed) debe decodificar z ~ N(0, I) con las etiquetas pedidas en one-hot",
    probe_generate, judge_generate, None,
)


# --- transfer_style -------------------------------------------------------------------------


class _ProbeModel:
    """A small untrained conditional model: what `transfer_style` may use of a ConditionalVAE."""

    def __init__(self):
        seeded(4)
        self.latent_dim, self.num_classes = 3, NUM_CLASSES
        self.encoder, self.decoder = encoder(3), decoder(3)


def probe_transfer_style(transfer_style):
    model = _ProbeModel()
    x = images(4, seed=5)
    source, target = np.array([1, 2, 3, 4]), np.array([7, 7, 0, 5])
    got = as_array(transfer_style(model, x, source, target), "transfer_style")
    z_mean = as_array(model.encoder([x, one_hot(source)])[0], "z_mean")
    wanted = as_array(model.decoder([z_mean, one_hot(target)]), "decoder")
    kept = as_array(model.decoder([z_mean, one_hot(source)]), "decoder")
    return {"got": got, "wanted": wanted, "kept": kept}


def judge_transfer_style(observed, expected):
    got, wanted = observed["got"], observed["wanted"]
    if got.shape != wanted.shape:
        return [shape_message("transfer_style(model, x, y_source, y_target)", got.shape,
                              wanted.shape)]
    if np.allclose(got, wanted, rtol=1e-3, atol=1e-5):
        return []
    if np.allclose(got, observed["kept"], rtol=1e-3, atol=1e-5):
        return ["transfer_style decodificó con la etiqueta de origen: debe decodificar con "
                "y_target (el mismo estilo, otro dígito)"]
    return [close_message("transfer_style", got, wanted,
                          "Codifica x con y_source, toma z_mean (sin muestrear) y decodifícalo "
                          "con y_target, ambas en one-hot")]


transfer_style_property = Property(
    "transfer_style",
    "transfer_style debe codificar con la etiqueta de origen y decodificar z_mean con la de "
    "destino",
    probe_transfer_style, judge_transfer_style, None,
)


PROPERTIES = (cvae_encoder, cvae_decoder, cvae_call, cvae_kl_loss, cvae_generate,
              transfer_style_property, *conditional_generation.PROPERTIES)
