"""Contract properties of exercise 02: greedy `pretrain` and `build_classifier`.

The pretraining probe watches every `keras.Model.fit` call made while `pretrain` runs: which
encoder layers each call changed and what it was trained to reconstruct. So a correct
implementation may build its stage models in any way, as long as each stage is trained with `fit`.
"""

from __future__ import annotations

import contextlib

import numpy as np

from autograder.keras_quiet import keras

from ._support import (
    CheckFailed,
    Property,
    as_array,
    digits,
    graded_digits,
    in_grading_kernel,
    seeded,
    shape_message,
)

LAYER_UNITS = (32, 16)
INPUT_DIM = 64


def _reference_class():
    from solutions import StackedAutoencoder

    return StackedAutoencoder


def _build(stack_class, seed=0):
    seeded(seed)
    return stack_class(input_dim=INPUT_DIM, layer_units=LAYER_UNITS)


def _weights(stack):
    return [[np.array(w) for w in layer.get_weights()] for layer in stack.encoder_layers]


def _changed(before, after):
    return [
        k for k, (old, new) in enumerate(zip(before, after))
        if any(o.shape != n.shape or not np.array_equal(o, n) for o, n in zip(old, new))
    ]


def _last_dim(value):
    shape = getattr(value, "shape", None)
    return int(shape[-1]) if shape is not None and len(shape) else None


def _stage_errors(stack, x):
    """Error of each stage on its own input (x, then the codes of the layers before), relative
    to that input's variance: 1.0 is no better than predicting the mean."""
    errors, stage_input = [], x
    for encoder_layer, decoder_layer in zip(stack.encoder_layers, stack.decoder_layers):
        code = encoder_layer(stage_input)
        reconstruction = as_array(decoder_layer(code), "decoder_layers[k](código)")
        variance = float(np.mean(np.square(stage_input - stage_input.mean(axis=0))))
        mse = float(np.mean(np.square(stage_input - reconstruction)))
        errors.append(mse / variance if variance > 0 else float("inf"))
        stage_input = as_array(code, "encoder_layers[k](x)")
    return errors


def _is_codes_of_earlier_layers(stack, x, changed, target):
    """Whether a stage that trained layer k had as target the codes of layers 0..k-1 for x
    (x itself for k = 0). None when that cannot be told (several layers changed, or the
    target is not an array, e.g. a tf.data pipeline)."""
    if len(changed) != 1:
        return None
    try:
        target = np.asarray(target, dtype="float64")
    except (TypeError, ValueError):
        return None
    codes = x
    for layer in stack.encoder_layers[: changed[0]]:
        codes = as_array(layer(codes), "encoder_layers[k](x)")
    return bool(target.shape == codes.shape and np.allclose(target, codes, rtol=1e-4, atol=1e-5))


@contextlib.contextmanager
def _watch_fit(stack, x, calls):
    """Record, for each `fit` call: the encoder layers it changed, its target's size, and the
    stage errors right after it (so damage done by a later stage is not blamed on this one)."""
    original_fit = keras.Model.fit

    def watched_fit(model, *args, **kwargs):
        inputs = kwargs.get("x", args[0] if args else None)
        targets = kwargs.get("y", args[1] if len(args) > 1 else None)
        before = _weights(stack)
        history = original_fit(model, *args, **kwargs)
        changed = _changed(before, _weights(stack))
        target = targets if targets is not None else inputs
        calls.append({
            "changed": changed,
            "target_dim": _last_dim(target),
            "target_is_codes": _is_codes_of_earlier_layers(stack, x, changed, target),
            "stage_errors": _stage_errors(stack, x),
        })
        return history

    keras.Model.fit = watched_fit
    try:
        yield
    finally:
        keras.Model.fit = original_fit


_pretrain_cache: dict = {}


def probe_pretraining(stack_class):
    """Pretrain a small stack on digits and measure what each stage learned (cached per class)."""
    if stack_class in _pretrain_cache:
        return _pretrain_cache[stack_class]
    x, _ = digits(600)
    stack = _build(stack_class)
    calls = []
    with _watch_fit(stack, x, calls):
        histories = stack.pretrain(x, epochs=10, batch_size=16, verbose=0)  # 380 steps per stage
    try:
        histories = list(histories)
    except TypeError:
        histories = None
    # Each stage is judged right after the last fit that trained its layer alone (if any, else
    # the last that trained it at all), so damage done by a later stage is not blamed on it.
    errors_after_stage = [float("inf")] * len(LAYER_UNITS)
    for alone in (False, True):
        for call in calls:
            for k in call["changed"]:
                if not alone or call["changed"] == [k]:
                    errors_after_stage[k] = call["stage_errors"][k]
    observation = {
        "histories": None if histories is None else [
            sorted(getattr(h, "history", {}) or {}) for h in histories
        ],
        "calls": calls,
        "relative_errors": errors_after_stage,
    }
    _pretrain_cache[stack_class] = observation
    return observation


def judge_histories(observed, expected):
    histories = observed["histories"]
    if histories is None:
        return ["pretrain debe devolver una lista con el History de cada etapa"]
    if len(histories) != len(LAYER_UNITS):
        return [
            f"con layer_units={LAYER_UNITS} pretrain debe devolver {len(LAYER_UNITS)} History "
            f"(uno por etapa); se obtuvieron {len(histories)}"
        ]
    if any("loss" not in keys for keys in histories):
        return ["cada elemento devuelto por pretrain debe ser el History de fit (con 'loss')"]
    return []


def judge_first_stage(observed, expected):
    error = observed["relative_errors"][0]
    if error <= 0.5:
        return []
    return [
        "tras pretrain, la primera etapa (encoder_layers[0] y decoder_layers[0]) debe reconstruir "
        f"las entradas: su error relativo debe ser ≤ 0.5 de la varianza; se obtuvo {error:.3f}"
    ]


def judge_freezing(observed, expected):
    calls = [c for c in observed["calls"] if c["changed"]]
    if not calls:
        return ["pretrain debe entrenar cada etapa con fit; no cambió ninguna capa del codificador"]
    trained_so_far = -1
    for stage, call in enumerate(calls, start=1):
        changed = call["changed"]
        if len(changed) > 1:
            names = ", ".join(f"encoder_layers[{k}]" for k in changed)
            return [
                f"la llamada {stage} a fit cambió a la vez {names}: en el preentrenamiento voraz "
                "cada etapa entrena solo su capa y las anteriores quedan fijas"
            ]
        if changed[0] < trained_so_far:
            return [
                f"la llamada {stage} a fit cambió encoder_layers[{changed[0]}] cuando ya se "
                f"entrenaba encoder_layers[{trained_so_far}]: las capas ya entrenadas no deben "
                "cambiar en las etapas siguientes"
            ]
        trained_so_far = changed[0]
    trained = {c["changed"][0] for c in calls}
    missing = [k for k in range(len(LAYER_UNITS)) if k not in trained]
    if missing:
        return [f"pretrain no entrenó encoder_layers{missing}"]
    return []


def judge_greedy(observed, expected):
    return judge_freezing(observed, expected) or judge_codes(observed, expected)


def judge_codes(observed, expected):
    sizes = (INPUT_DIM, *LAYER_UNITS)
    for call in observed["calls"]:
        if len(call["changed"]) != 1 or call["changed"][0] == 0:
            continue
        k = call["changed"][0]
        if call["target_dim"] != sizes[k]:
            return [
                f"la etapa {k + 1} debe aprender a reconstruir los códigos de la etapa {k} "
                f"(tamaño {sizes[k]}); se entrenó para reconstruir algo de tamaño "
                f"{call['target_dim']}"
            ]
        if call["target_is_codes"] is False:
            return [
                f"la etapa {k + 1} debe entrenarse con los códigos que dan, para x, las capas ya "
                f"entrenadas encoder_layers[0..{k - 1}]; se entrenó con otros valores"
            ]
        if call["target_is_codes"] is None and not observed["relative_errors"][k] <= 0.8:
            return [
                f"tras pretrain, la etapa {k + 1} debe reconstruir los códigos de la etapa {k}: "
                f"su error relativo debe ser ≤ 0.8 de la varianza de esos códigos; se obtuvo "
                f"{observed['relative_errors'][k]:.3f}"
            ]
    return []


pretrain_histories = Property(
    "pretrain_histories",
    "pretrain debe devolver un History por etapa",
    probe_pretraining, judge_histories, None,
)
pretrain_first_stage = Property(
    "pretrain_first_stage",
    "la primera etapa del preentrenamiento debe aprender a reconstruir las entradas",
    probe_pretraining, judge_first_stage, None,
)
pretrain_greedy = Property(
    "pretrain_greedy",
    "el preentrenamiento debe ser voraz: cada etapa entrena solo su capa, con los códigos de las "
    "capas ya entrenadas, que quedan fijas",
    probe_pretraining, judge_greedy, None,
)


# --- build_classifier ----------------------------------------------------------------------


def probe_classifier(stack_class):
    x, _ = digits(20)
    stack = _build(stack_class, seed=1)
    classifier = stack.build_classifier(num_classes=10)
    before = as_array(classifier(x), "classifier(x)")
    reacts = []
    for k, layer in enumerate(stack.encoder_layers):
        kernel = layer.kernel
        original = np.array(kernel)
        kernel.assign(original + np.random.default_rng(k).normal(size=original.shape))
        after = as_array(classifier(x), "classifier(x)")
        kernel.assign(original)
        reacts.append(bool(after.shape == before.shape and not np.allclose(after, before)))
    return {"shape": before.shape, "row_sums": before.sum(axis=-1) if before.ndim == 2 else None,
            "minimum": float(before.min()), "reacts": reacts}


def judge_classifier_outputs(observed, expected):
    if observed["shape"] != (20, 10):
        return [shape_message("build_classifier(10)(x) para 20 ejemplos", observed["shape"],
                              (20, 10))]
    sums = observed["row_sums"]
    if observed["minimum"] < 0 or not np.allclose(sums, 1.0, atol=1e-4):
        return ["el clasificador debe devolver probabilidades (softmax): no negativas y que sumen "
                f"1 por ejemplo; se obtuvieron sumas entre {sums.min():.4g} y {sums.max():.4g}"]
    return []


def judge_classifier_shares(observed, expected):
    missing = [k for k, reacted in enumerate(observed["reacts"]) if not reacted]
    if not missing:
        return []
    return [
        "el clasificador debe reutilizar las mismas capas (los mismos pesos) del codificador "
        f"preentrenado, pero no cambió al modificar encoder_layers{missing}: ¿se han copiado los "
        "pesos o creado capas nuevas?"
    ]


classifier_outputs = Property(
    "classifier_outputs",
    "build_classifier debe devolver un clasificador con salida softmax",
    probe_classifier, judge_classifier_outputs, None,
)
classifier_shares = Property(
    "classifier_shares_weights",
    "build_classifier debe reutilizar las capas preentrenadas",
    probe_classifier, judge_classifier_shares, None,
)


def probe_few_labels_experiment(results, x_test, y_test):
    """`results` maps "preentrenado"/"aleatorio" to (classifier, reported test accuracy)."""
    if in_grading_kernel():  # the grader's copy of the test set, not the notebook's variables
        x_test, y_test = graded_digits("x_test", "y_test")
    labels = np.asarray(as_array(y_test, "y_test"))
    observed = {}
    for name in ("preentrenado", "aleatorio"):
        classifier, accuracy = results[name]
        try:
            predicted = np.argmax(as_array(classifier.predict(x_test, verbose=0), "predict"),
                                  axis=-1)
        except CheckFailed:
            raise
        except Exception as error:
            raise CheckFailed(f"no se pudo evaluar el clasificador {name}: {error}") from None
        # Only a real float counts as a reported accuracy (not an object that equals anything).
        reported = float(accuracy) if type(accuracy) in (float, np.float32, np.float64) else None
        observed[name] = {"measured": float(np.mean(predicted == labels)), "reported": reported}
    return observed


def judge_few_labels_experiment(observed, expected):
    failures = []
    for name in ("preentrenado", "aleatorio"):
        measured, reported = observed[name]["measured"], observed[name]["reported"]
        if reported is None or not abs(reported - measured) <= 1e-3:
            failures.append(
                f"la exactitud del clasificador {name} en el conjunto de prueba es "
                f"{measured:.4f}; se informó {reported!r} (debe ser un número decimal)"
            )
    return failures


few_labels_experiment = Property(
    "few_labels_experiment",
    "las exactitudes informadas deben ser las de los clasificadores en el conjunto de prueba",
    probe_few_labels_experiment, judge_few_labels_experiment, None,
)


PROPERTIES = (
    pretrain_histories, pretrain_first_stage, pretrain_greedy,
    classifier_outputs, classifier_shares, few_labels_experiment,
)
