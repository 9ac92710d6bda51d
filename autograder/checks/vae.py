"""Contract properties of exercise 03: `Sampling`, `kl_divergence`, `reconstruction_loss`, `VAE`,
`interpolate`.

The VAE's properties are judged with the reference `Sampling`, `kl_divergence` and
`reconstruction_loss` swapped into the student's namespace while the probe runs: those pieces are
graded on their own, so a mistake in one of them costs its own points only.
"""

from __future__ import annotations

import contextlib

import numpy as np

from . import building_blocks, sampling
from ._support import (
    CheckFailed,
    Property,
    as_array,
    compare,
    digits,
    graded_digits,
    in_grading_kernel,
    seeded,
    shape_message,
    uniform_inputs,
)


def _reference(name):
    def load():
        import solutions

        return getattr(solutions, name)

    return load


# --- the visible test of kl_divergence, judged by the grader ---------------------------


def probe_kl_shape(kl_divergence):
    zeros = np.zeros((3, 2), "float32")
    return {"values": as_array(kl_divergence(zeros, zeros), "kl_divergence")}


def judge_kl_shape(observed, expected):
    values = observed["values"]
    if values.shape != (3,):
        return [shape_message("kl_divergence (un valor por ejemplo)", values.shape, (3,))]
    if not np.allclose(values, 0.0, atol=1e-6):
        return [f"con μ = 0 y log σ² = 0 la KL es 0; se obtuvo {values.tolist()}"]
    return []


kl_shape = Property(
    "kl_divergence_shape",
    "kl_divergence debe dar un valor por ejemplo, 0 cuando la distribución ya es N(0, I)",
    probe_kl_shape, judge_kl_shape, None,
)


# --- kl_divergence ----------------------------------------------------------------------------


def probe_kl(kl_divergence):
    rng = np.random.default_rng(12)
    z_mean = rng.normal(size=(6, 3)).astype("float32")
    z_log_var = rng.normal(scale=0.8, size=(6, 3)).astype("float32")
    return {
        "values": as_array(kl_divergence(z_mean, z_log_var), "kl_divergence"),
        "at_origin": as_array(kl_divergence(np.zeros((2, 3), "float32"),
                                            np.zeros((2, 3), "float32")), "kl_divergence"),
    }


def judge_kl(observed, expected):
    failures = compare(
        "kl_divergence(z_mean, z_log_var) (nats por ejemplo)", observed["values"],
        expected["values"], rtol=1e-4, atol=1e-5,
        hint="KL = -0.5·Σ(1 + log σ² - μ² - σ²) sobre las dimensiones latentes, con "
        "z_log_var = log σ²",
    )
    if not failures and not np.allclose(observed["at_origin"], 0.0, atol=1e-6):
        failures.append("con μ = 0 y log σ² = 0 la divergencia KL debe ser 0")
    return failures


kl_values = Property(
    "kl_divergence_values",
    "kl_divergence debe dar KL(N(μ, σ²) ‖ N(0, I)) en nats para cada ejemplo",
    probe_kl, judge_kl, _reference("kl_divergence"),
)


# --- reconstruction_loss ---------------------------------------------------------------------


def probe_reconstruction_loss(reconstruction_loss):
    rng = np.random.default_rng(13)
    x = (rng.uniform(size=(5, 64)) > 0.5).astype("float32")
    x_reconstructed = rng.uniform(0.05, 0.95, size=(5, 64)).astype("float32")
    return {"values": as_array(reconstruction_loss(x, x_reconstructed), "reconstruction_loss")}


def judge_reconstruction_loss(observed, expected):
    return compare(
        "reconstruction_loss(x, x_reconstruida) (nats por ejemplo)", observed["values"],
        expected["values"], rtol=1e-3, atol=1e-4,
        hint="Es la entropía cruzada binaria sumada sobre los píxeles, no su media",
    )


reconstruction_loss_values = Property(
    "reconstruction_loss_values",
    "reconstruction_loss debe sumar la entropía cruzada binaria sobre los píxeles",
    probe_reconstruction_loss, judge_reconstruction_loss, _reference("reconstruction_loss"),
)


# --- VAE ------------------------------------------------------------------------------------


@contextlib.contextmanager
def reference_parts(vae_class):
    """Swap correct Sampling, kl_divergence and reconstruction_loss into the namespace where the
    student's VAE was defined, for the duration of a probe."""
    namespace = getattr(vae_class.__init__, "__globals__", None)
    names = ("Sampling", "kl_divergence", "reconstruction_loss")
    saved = {n: namespace[n] for n in names if namespace is not None and n in namespace}
    try:
        for name in saved:
            namespace[name] = getattr(building_blocks, name)
        yield
    finally:
        namespace.update(saved)


def _build_vae(vae_class, latent_dim=2, seed=0):
    seeded(seed)
    try:
        return vae_class(input_dim=64, latent_dim=latent_dim, hidden_units=(32,), seed=seed)
    except TypeError as error:
        raise CheckFailed(
            "VAE(input_dim=..., latent_dim=..., hidden_units=..., seed=...) debe poder crearse "
            f"con esos argumentos; se obtuvo TypeError: {error}"
        ) from None


def _encode(vae, x):
    outputs = vae.encoder(x)
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
        raise CheckFailed("vae.encoder(x) debe devolver dos tensores: (z_mean, z_log_var)")
    return as_array(outputs[0], "z_mean"), as_array(outputs[1], "z_log_var")


def probe_vae_parts(vae_class):
    with reference_parts(vae_class):
        vae = _build_vae(vae_class, latent_dim=3)
        z_mean, z_log_var = _encode(vae, uniform_inputs(8, 64))
        far_codes = np.random.default_rng(14).normal(scale=30.0, size=(16, 3)).astype("float32")
        decoded = as_array(vae.decoder(far_codes), "vae.decoder(z)")
    return {"z_mean": z_mean.shape, "z_log_var": z_log_var.shape, "decoded": decoded.shape,
            "minimum": float(decoded.min()), "maximum": float(decoded.max())}


def judge_vae_parts(observed, expected):
    failures = [
        shape_message(what, observed[key], expected[key])
        for key, what in (("z_mean", "z_mean"), ("z_log_var", "z_log_var"),
                          ("decoded", "vae.decoder(z)"))
        if observed[key] != expected[key]
    ]
    if not failures and not (0.0 <= observed["minimum"] and observed["maximum"] <= 1.0):
        failures.append(
            "el decodificador del VAE debe dar probabilidades de píxel en [0, 1]; se obtuvo un "
            f"mínimo de {observed['minimum']:.4g} y un máximo de {observed['maximum']:.4g}"
        )
    return failures


vae_parts = Property(
    "vae_encoder_decoder",
    "el VAE debe tener un codificador (z_mean, z_log_var) y un decodificador con salida en [0, 1]",
    probe_vae_parts, judge_vae_parts, _reference("VAE"),
)


def probe_vae_kl_loss(vae_class):
    x = uniform_inputs(16, 64, seed=15)
    with reference_parts(vae_class):
        vae = _build_vae(vae_class, latent_dim=3)
        reconstruction = as_array(vae(x), "vae(x)")
        added = [float(as_array(loss, "vae.losses")) for loss in vae.losses]
        z_mean, z_log_var = _encode(vae, x)
    kl = np.asarray(building_blocks.kl_divergence(z_mean, z_log_var))
    return {"added": added, "kl_mean": float(kl.mean()), "kl_sum": float(kl.sum()),
            "reconstruction": reconstruction.shape}


def judge_vae_kl_loss(observed, expected):
    added, kl_mean = observed["added"], observed["kl_mean"]
    if not added:
        return ["tras llamar a vae(x), vae.losses está vacío: la divergencia KL debe añadirse con "
                "self.add_loss(...) dentro de call()"]
    total = sum(added)
    if np.isclose(total, kl_mean, rtol=1e-3, atol=1e-5):
        return []
    hint = " (es la suma sobre el lote; debe ser la media)" if np.isclose(
        total, observed["kl_sum"], rtol=1e-3) else ""
    return [f"add_loss debe recibir la media en el lote de la KL de cada ejemplo, "
            f"{kl_mean:.5g}; se añadió {total:.5g}{hint}"]


vae_kl_loss = Property(
    "vae_kl_loss",
    "el VAE debe añadir con add_loss la media de la divergencia KL en el lote",
    probe_vae_kl_loss, judge_vae_kl_loss, _reference("VAE"),
)


def probe_vae_generate(vae_class):
    with reference_parts(vae_class):
        vae = _build_vae(vae_class)
        first = as_array(vae.generate(6, seed=1), "vae.generate")
        again = as_array(vae.generate(6, seed=1), "vae.generate")
        other = as_array(vae.generate(6, seed=2), "vae.generate")
    return {
        "shape": first.shape,
        "reproducible": bool(first.shape == again.shape and np.allclose(first, again)),
        "seed_matters": bool(first.shape == other.shape and not np.allclose(first, other)),
    }


def judge_vae_generate(observed, expected):
    if observed["shape"] != expected["shape"]:
        return [shape_message("vae.generate(6, seed=1)", observed["shape"], expected["shape"])]
    messages = {
        "reproducible": "con la misma semilla generate debe dar las mismas muestras",
        "seed_matters": "con semillas distintas generate debe dar muestras distintas",
    }
    return [text for key, text in messages.items() if not observed[key]]


vae_generate = Property(
    "vae_generate",
    "generate(n, seed) debe decodificar n códigos muestreados de la distribución a priori N(0, I)",
    probe_vae_generate, judge_vae_generate, _reference("VAE"),
)


# --- interpolate ----------------------------------------------------------------------------


def probe_interpolate(interpolate):
    x, _ = digits(2)
    seeded(16)
    autoencoder = building_blocks.ProbeModel(input_dim=64, latent_dim=3, hidden_units=(16,))
    vae = building_blocks.ProbeModel(input_dim=64, latent_dim=3, hidden_units=(16,),
                                     variational=True)
    return {
        "autoencoder": as_array(interpolate(autoencoder, x[0], x[1], steps=5), "interpolate"),
        "vae": as_array(interpolate(vae, x[0], x[1], steps=5), "interpolate"),
    }


def judge_interpolate(observed, expected):
    return compare(
        "interpolate(autoencoder, x_inicio, x_fin, steps=5)", observed["autoencoder"],
        expected["autoencoder"], rtol=1e-3, atol=1e-5,
        hint="Decodifica puntos de la recta entre los códigos de los extremos, ambos incluidos",
    ) or compare(
        "interpolate(vae, x_inicio, x_fin, steps=5)", observed["vae"], expected["vae"],
        rtol=1e-3, atol=1e-5, hint="Con un VAE se interpola entre las medias z_mean",
    )


interpolation = Property(
    "interpolate",
    "interpolate debe decodificar puntos equiespaciados entre los códigos de dos entradas",
    probe_interpolate, judge_interpolate, _reference("interpolate"),
)


def _negative_elbo(vae, x):
    from .building_blocks import kl_divergence, reconstruction_loss

    z_mean, z_log_var = _encode(vae, x)
    decoded = as_array(vae.decoder(z_mean), "vae.decoder(z_mean)")
    if decoded.shape != x.shape:
        raise CheckFailed(shape_message("vae.decoder(z_mean)", decoded.shape, x.shape))
    reconstruction = np.asarray(reconstruction_loss(x, decoded))
    return float(np.mean(reconstruction + np.asarray(kl_divergence(z_mean, z_log_var))))


def probe_trained_vae(vae, x_train, x_test):
    """The VAE's negative ELBO on held-out data, at z = z_mean, with the reference formulas,
    and the two yardsticks: the floor (each image's cross-entropy with itself) and a model that
    ignores its input (the mean training image, no KL)."""
    from .building_blocks import reconstruction_loss

    if in_grading_kernel():  # the grader's copy of the data, not the notebook's variables
        x_train, x_test = graded_digits("x_train", "x_test")
    x_train, x_test = as_array(x_train, "x_train"), as_array(x_test, "x_test")

    def mean_loss(target, prediction):
        return float(np.mean(np.asarray(reconstruction_loss(target, prediction))))

    return {
        "negative_elbo": _negative_elbo(vae, x_test.astype("float32")),
        "floor": mean_loss(x_test, x_test),
        "baseline": mean_loss(x_test, np.broadcast_to(x_train.mean(axis=0), x_test.shape)),
    }


def judge_trained_vae(observed, expected, max_fraction=0.95):
    negative_elbo, floor, baseline = (observed[k] for k in ("negative_elbo", "floor", "baseline"))
    bound = floor + max_fraction * (baseline - floor)
    if negative_elbo <= bound:
        return []
    return [
        f"el VAE entrenado, evaluado en los datos de prueba con z = z_mean (reconstrucción más "
        f"KL, en nats por imagen), debe quedar ≤ {bound:.1f} (predecir siempre la imagen media "
        f"da {baseline:.1f}; el mínimo posible es {floor:.1f}); se obtuvo {negative_elbo:.1f}"
    ]


trained_vae = Property(
    "trained_vae",
    "el VAE entrenado debe mejorar claramente a un modelo que ignora la entrada",
    probe_trained_vae, judge_trained_vae, None,
)


PROPERTIES = (
    *sampling.PROPERTIES, kl_shape, kl_values,
    reconstruction_loss_values, vae_parts, vae_kl_loss, vae_generate, interpolation, trained_vae,
)
