"""Contract properties of exercise 02 after pretraining: `build_classifier` and the few-labels
experiment that compares it with a classifier trained from random weights."""

from __future__ import annotations

import numpy as np

from ._support import (
    CheckFailed,
    Property,
    as_array,
    digits,
    graded_digits,
    in_grading_kernel,
    shape_message,
)
from .stacked import build_stack


def probe_classifier(stack_class):
    x, _ = digits(20)
    stack = build_stack(stack_class, seed=1)
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
            outputs = as_array(classifier(x_test, training=False), "classifier(x_test)")
            predicted = np.argmax(outputs, axis=-1)
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


PROPERTIES = (classifier_outputs, classifier_shares, few_labels_experiment)
