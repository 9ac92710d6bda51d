"""A probe's weights do not depend on what else draws from Python's `random` meanwhile.

Keras seeds every unseeded initializer from the shared `random`. In a Dask worker something
else draws from it while the reference's observations are computed in a thread, so correct
submissions graded there lost `test_reconstruction_error` (benchmarks/cluster.py,
2026-12-02, 9 submissions, 2 rounds: 4 and then 6 of the 6 that earn it locally). Here the
other thread's draws are made deterministic: every Dense layer draws once from `random` first.
"""

from __future__ import annotations

import dataclasses
import random
import threading

import numpy as np
import pytest

from autograder.checks import registry
from autograder.keras_quiet import keras

# the properties whose reference observation depends on the probe model's weights
NUMERIC_PROPERTIES = ("reconstruction_error_values", "vae_kl_loss", "interpolate")


@pytest.fixture
def draws_meanwhile(monkeypatch):
    """Every Dense layer created from now on is preceded by a foreign draw from `random`."""
    original = keras.layers.Dense.__init__

    def init(self, *args, **kwargs):
        random.random()
        original(self, *args, **kwargs)

    def start():
        monkeypatch.setattr(keras.layers.Dense, "__init__", init)

    return start


def fresh(name):
    return dataclasses.replace(registry.find(name), _expected=None)


def same(first, second) -> bool:
    return first.keys() == second.keys() and all(
        np.array_equal(np.asarray(first[key]), np.asarray(second[key])) for key in first)


@pytest.mark.parametrize("name", NUMERIC_PROPERTIES)
def test_the_reference_observation_ignores_foreign_draws(name, draws_meanwhile):
    quiet = fresh(name).expected()
    draws_meanwhile()
    assert same(fresh(name).expected(), quiet)


def test_without_the_guard_foreign_draws_change_the_weights(draws_meanwhile):
    """What the guard is for: the same probe, run bare, sees other weights."""
    prop = fresh("reconstruction_error_values")
    quiet = prop.expected()
    draws_meanwhile()
    assert not same(prop.probe(prop.reference()), quiet)


def test_a_student_observation_ignores_foreign_draws(draws_meanwhile):
    prop = fresh("reconstruction_error_values")
    quiet, _ = prop.observe(prop.reference())
    draws_meanwhile()
    disturbed, failures = prop.observe(prop.reference())
    assert failures == [] and same(disturbed, quiet)


def test_keras_draws_from_the_shared_random_again_after_a_probe():
    """Outside a probe, a student's `set_random_seed` still decides the notebook's weights."""
    fresh("reconstruction_error_values").expected()

    def weights():
        keras.utils.set_random_seed(3)
        layer = keras.layers.Dense(2)
        layer.build((None, 2))
        return layer.get_weights()[0]

    first = weights()
    random.seed(3)
    random.random()
    assert np.array_equal(weights(), first)
    keras.utils.set_random_seed(3)
    random.random()  # a foreign draw outside the guard moves Keras's seeds, as in plain Keras
    layer = keras.layers.Dense(2)
    layer.build((None, 2))
    assert not np.array_equal(layer.get_weights()[0], first)


def test_the_guard_holds_while_another_thread_draws_from_random():
    """The real situation, not simulated: a thread drawing as fast as it can."""
    quiet = fresh("reconstruction_error_values").expected()
    stop = threading.Event()
    drawn = []

    def draw():
        while not stop.is_set():
            drawn.append(random.random())

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        disturbed = fresh("reconstruction_error_values").expected()
    finally:
        stop.set()
        thread.join()
    assert drawn and same(disturbed, quiet)
