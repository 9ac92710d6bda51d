"""The hidden pretraining probe: told by the stages' arrays after a short pretraining, and by
the stages' errors after a long one when the arrays cannot tell (a tf.data pipeline)."""

from __future__ import annotations

import pytest
from exercise_notebooks import cell, source_notebook

STACK = "02-stacked-autoencoder"
TF_DATA = (
    "            histories.append(stage.fit(stage_inputs, stage_inputs, epochs=epochs,\n"
    "                                       batch_size=batch_size, verbose=verbose))\n",
    "            pairs = tf.data.Dataset.from_tensor_slices((stage_inputs, stage_inputs))\n"
    "            histories.append(stage.fit(pairs.shuffle(len(stage_inputs), seed=0)\n"
    "                                       .batch(batch_size), epochs=epochs,\n"
    "                                       verbose=verbose))\n",
)


SHUFFLED_BY_HAND = (
    "            histories.append(stage.fit(stage_inputs, stage_inputs, epochs=epochs,\n",
    "            order = np.random.default_rng(len(histories)).permutation(len(stage_inputs))\n"
    "            histories.append(stage.fit(stage_inputs[order], stage_inputs[order],\n"
    "                                       epochs=epochs,\n",
)


def stack_class(source: str):
    import numpy as np
    import tensorflow as tf

    from autograder.keras_quiet import keras

    namespace = {"keras": keras, "layers": keras.layers, "ops": keras.ops, "np": np, "tf": tf}
    exec(compile(source, "stacked_autoencoder_class", "exec"), namespace)
    return namespace["StackedAutoencoder"]


@pytest.fixture(scope="module")
def reference_source():
    return cell(source_notebook(STACK), "stacked_autoencoder_class").source


def observe_and_judge(stack):
    from autograder.checks import registry

    results = {}
    for name in ("pretrain_histories", "pretrain_first_stage", "pretrain_greedy"):
        prop = registry.find(name)
        observed, failures = prop.observe(stack)
        results[name] = failures or prop.judge(observed, prop.expected())
    return observed, results


def test_reference_is_told_by_its_arrays_after_the_short_pretraining(reference_source):
    observed, results = observe_and_judge(stack_class(reference_source))
    assert results == {name: [] for name in results}
    assert observed["relative_errors"] is None  # no long pretraining was needed
    assert all(call["target_is_codes"] for call in observed["calls"])


def test_a_tf_data_pretraining_is_judged_by_its_errors_and_gets_full_marks(reference_source):
    old, new = TF_DATA
    assert reference_source.count(old) == 1
    observed, results = observe_and_judge(stack_class(reference_source.replace(old, new)))
    assert results == {name: [] for name in results}, results
    first, second = observed["relative_errors"]
    assert first <= 0.5 and second <= 0.8
    assert [call["target_dim"] for call in observed["calls"]] == [64, 32]


def test_a_first_stage_on_x_reordered_by_hand_is_judged_by_its_error(reference_source):
    old, new = SHUFFLED_BY_HAND
    assert reference_source.count(old) == 1
    observed, results = observe_and_judge(stack_class(reference_source.replace(old, new)))
    assert observed["relative_errors"] is not None  # its target is not x, but its own input
    assert results["pretrain_first_stage"] == [] and results["pretrain_histories"] == []
