"""Contract properties of exercise 02: greedy `pretrain` (the classifier: classifier.py).

The pretraining probe watches every `keras.Model.fit` call made while `pretrain` runs: which
encoder layers each call changed, whether it trained `decoder_layers[k]` too, what it was fed and
what it was trained to reconstruct. So a correct implementation may build its stage models in any
way, as long as each stage is trained with `fit`. When inputs and targets are arrays, that tells
the greedy properties after a short pretraining; otherwise (a `tf.data` pipeline, a stage fed
something else than x) the probe pretrains long enough to judge each stage by its error instead.
"""

from __future__ import annotations

import contextlib

import numpy as np

from autograder.keras_quiet import keras

from ._support import (
    Property,
    as_array,
    digits,
    seeded,
)

LAYER_UNITS = (32, 16)
INPUT_DIM = 64


def _reference_class():
    from solutions import StackedAutoencoder

    return StackedAutoencoder


def build_stack(stack_class, seed=0):
    seeded(seed)
    return stack_class(input_dim=INPUT_DIM, layer_units=LAYER_UNITS)


def _weights(stack, side="encoder_layers"):
    return [[np.array(w) for w in layer.get_weights()] for layer in getattr(stack, side)]


def _changed(before, after):
    return [
        k for k, (old, new) in enumerate(zip(before, after))
        if any(o.shape != n.shape or not np.array_equal(o, n) for o, n in zip(old, new))
    ]


def _last_dim(value):
    shape = getattr(value, "shape", None)
    return int(shape[-1]) if shape is not None and len(shape) else None


def _same_values(first, second):
    """Whether two fit arguments (or a fit argument and the codes it should be) are arrays with
    the same values; None when either is not an array (e.g. a tf.data pipeline)."""
    try:
        first, second = np.asarray(first, dtype="float64"), np.asarray(second, dtype="float64")
    except (TypeError, ValueError):
        return None
    return bool(first.shape == second.shape and np.allclose(first, second, rtol=1e-4, atol=1e-5))


def _target_of(inputs, targets):
    """What a fit was trained to reconstruct: `y`, else `x` itself, or for a dataset of
    (inputs, targets) pairs the targets' spec (its shape, no values)."""
    if targets is not None:
        return targets
    spec = getattr(inputs, "element_spec", None)
    if spec is None:
        return inputs
    return spec[1] if isinstance(spec, tuple) and len(spec) > 1 else spec


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


def _is_codes_of_earlier_layers(stack, x, changed, value):
    """Whether a value given to a fit that trained layer k is the codes of layers 0..k-1 for x
    (x itself for k = 0). None when that cannot be told (several layers changed, or the
    value is not an array, e.g. a tf.data pipeline)."""
    if len(changed) != 1:
        return None
    codes = x
    for layer in stack.encoder_layers[: changed[0]]:
        codes = as_array(layer(codes), "encoder_layers[k](x)")
    return _same_values(value, codes)


@contextlib.contextmanager
def _watch_fit(stack, x, calls):
    """Record, for each `fit` call: the encoder layers it changed, its target's size, and the
    stage errors right after it (so damage done by a later stage is not blamed on this one)."""
    original_fit = keras.Model.fit

    def watched_fit(model, *args, **kwargs):
        inputs = kwargs.get("x", args[0] if args else None)
        targets = kwargs.get("y", args[1] if len(args) > 1 else None)
        before, decoders_before = _weights(stack), _weights(stack, "decoder_layers")
        errors_before = _stage_errors(stack, x)
        history = original_fit(model, *args, **kwargs)
        changed = _changed(before, _weights(stack))
        target = _target_of(inputs, targets)
        calls.append({
            "changed": changed,
            "decoders_changed": _changed(decoders_before, _weights(stack, "decoder_layers")),
            "target_dim": _last_dim(target),
            "target_is_codes": _is_codes_of_earlier_layers(stack, x, changed, target),
            "inputs_are_x": _same_values(inputs, x),
            "target_is_inputs": _same_values(target, inputs),
            "stage_errors_before": errors_before,
            "stage_errors": _stage_errors(stack, x),
        })
        return history

    keras.Model.fit = watched_fit
    try:
        yield
    finally:
        keras.Model.fit = original_fit


_pretrain_cache: dict = {}

# A short pretraining suffices when the stages' arrays tell what each one learned from; judging
# stages by their error needs the long one (the reference's first stage reaches 0.40 of the
# variance after 380 steps, 0.80 after 152).
SHORT_EPOCHS, LONG_EPOCHS = 2, 10  # 76 and 380 steps per stage on 600 digits at batch 16


def _last_alone(calls, k):
    """The last fit that trained encoder_layers[k] alone, or None."""
    alone = [call for call in calls if call["changed"] == [k]]
    return alone[-1] if alone else None


def _told_by_arrays(calls):
    """Whether every stage's fit had array inputs and targets that tell the greedy properties:
    each layer trained alone, and the first stage fed x, trained decoder_layers[0] with it, or
    trained on a target that is neither x nor its own input (x reordered by hand)."""
    if any(c["target_is_codes"] is None for c in calls if len(c["changed"]) == 1):
        return False
    last = [_last_alone(calls, k) for k in range(len(LAYER_UNITS))]
    if any(call is None for call in last):
        return False
    first = last[0]
    if not first["target_is_codes"]:  # misaligned, unless it reconstructs its own input
        return not first["target_is_inputs"]
    return bool(first["inputs_are_x"] and 0 in first["decoders_changed"])


def _pretrain_observed(stack_class, epochs):
    x, _ = digits(600)
    stack = build_stack(stack_class)
    calls = []
    with _watch_fit(stack, x, calls):
        histories = stack.pretrain(x, epochs=epochs, batch_size=16, verbose=0)
    try:
        histories = list(histories)
    except TypeError:
        histories = None
    return histories, calls


def probe_pretraining(stack_class):
    """Pretrain a small stack on digits and record what each stage learned (cached per class)."""
    if stack_class in _pretrain_cache:
        return _pretrain_cache[stack_class]
    histories, calls = _pretrain_observed(stack_class, SHORT_EPOCHS)
    errors_after_stage = None
    if not _told_by_arrays(calls):
        histories, calls = _pretrain_observed(stack_class, LONG_EPOCHS)
        # Each stage is judged right after the last fit that trained its layer alone (if any,
        # else the last that trained it at all), so damage done by a later stage is not blamed
        # on it.
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
    errors = observed["relative_errors"]
    if errors is not None:
        if errors[0] <= 0.5:
            return []
        return [
            "tras pretrain, la primera etapa (encoder_layers[0] y decoder_layers[0]) debe "
            "reconstruir las entradas: su error relativo debe ser ≤ 0.5 de la varianza; se "
            f"obtuvo {errors[0]:.3f}"
        ]
    first = _last_alone(observed["calls"], 0)
    if not first["target_is_codes"]:
        return [
            "la primera etapa (encoder_layers[0] y decoder_layers[0]) debe aprender a reconstruir "
            "sus entradas: en su fit el objetivo debe ser el mismo x que recibe, ejemplo a "
            "ejemplo; se entrenó con otros valores"
        ]
    before, after = first["stage_errors_before"][0], first["stage_errors"][0]
    if not after <= 0.8 * before:
        return [
            "la primera etapa se entrenó con x como entrada y como objetivo pero apenas aprendió: "
            f"su error relativo pasó de {before:.3f} a {after:.3f} (debe bajar al menos un 20 %); "
            "¿qué pérdida y qué optimizador usa su compile?"
        ]
    return []


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


PROPERTIES = (pretrain_histories, pretrain_first_stage, pretrain_greedy)
