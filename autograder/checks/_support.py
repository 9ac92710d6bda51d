"""What every contract check shares: the Property type, quiet execution, fixed probes, messages.

A property is checked in two steps, as in scikit-learn's `check_estimator`: `probe` runs an
implementation (the student's, then the reference) on fixed inputs and returns plain NumPy data;
`judge` compares what the student's implementation produced with what the reference produced and
returns the failures, each a Spanish sentence saying what was expected and what was received.
"""

from __future__ import annotations

import contextlib
import io
import logging
import random
import re
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.keras_quiet import keras, quiet_native_stderr

Observation = dict[str, Any]


class CheckFailed(AssertionError):
    """A contract property does not hold; the message is meant for the student (Spanish)."""


@dataclass
class Property:
    """One gradable property of a student implementation.

    Attributes:
        name: Identifier, the first argument of `report` in hidden test cells.
        summary: One Spanish line saying what the property is, shown in feedback.
        probe: Runs an implementation on fixed inputs and returns plain data (numbers, arrays).
        judge: Compares student data with reference data; returns Spanish failure messages.
        reference: Returns the reference implementation given to `probe` for the expectations.
    """

    name: str
    summary: str
    probe: Callable[..., Observation]
    judge: Callable[[Observation, Observation], list[str]]
    reference: Callable[[], Any] | None  # None: the judge needs no reference observation
    _expected: Observation | None = field(default=None, repr=False)

    def expected(self) -> Observation:
        if self.reference is None:
            return {}
        if self._expected is None:
            with probing():
                self._expected = self.probe(self.reference())
        return self._expected

    def observe(self, *arguments) -> tuple[Observation | None, list[str]]:
        """Run the probe on the student's objects: (observation, []) or (None, failures)."""
        try:
            with probing():
                return self.probe(*arguments), []
        except CheckFailed as error:
            return None, [str(error)]
        except NotImplementedError:
            return None, ["la implementación todavía no está hecha (lanza NotImplementedError)"]
        except Exception as error:  # the student's code crashed on the probe
            return None, [f"tu implementación lanzó {type(error).__name__}: {_short(error)}"]

    def failures(self, *arguments) -> list[str]:
        """Spanish failure messages for the student's objects; empty when the property holds."""
        observed, failures = self.observe(*arguments)
        return failures if observed is None else self.judge(observed, self.expected())

    def check(self, *arguments) -> None:
        """Raise `CheckFailed` with every failure message when the property does not hold."""
        failures = self.failures(*arguments)
        if failures:
            raise CheckFailed(f"{self.summary}: " + "; ".join(failures))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _short(error: BaseException, limit: int = 300) -> str:
    text = " ".join(_ANSI.sub("", str(error)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def quietly():
    """Run student code without anything reaching stderr (nbgrader fails a cell that writes there).

    Python warnings, TensorFlow's logger and C++ logs are silenced; stdout is captured too, so that
    progress bars do not flood the feedback.
    """
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with (
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.redirect_stdout(io.StringIO()),
                quiet_native_stderr(),
            ):
                yield
    finally:
        tf_logger.setLevel(level)


def seeded(seed: int = 0) -> None:
    """Same weights and draws for the student's and the reference's probe."""
    keras.utils.set_random_seed(seed)


class _KerasSeeds:
    """Python's `random` as Keras sees it during a probe, with a sequence of its own.

    Keras draws every unseeded initializer's seed from the shared `random`, so a thread drawing
    from it meanwhile (something in a Dask worker process does) changed the reference's weights
    and failed correct submissions. Seeded by `keras.utils.set_random_seed` like the
    shared one (which is seeded too), it gives the draws a quiet process would.
    """

    def __init__(self):
        self._own = random.Random()
        self._own.setstate(random.getstate())

    def seed(self, *args, **kwargs):
        random.seed(*args, **kwargs)
        self._own.seed(*args, **kwargs)

    def randint(self, low, high):
        return self._own.randint(low, high)

    def __getattr__(self, name):
        return getattr(random, name)


@contextlib.contextmanager
def own_keras_seeds():
    """Keras's default seeds come from a `_KerasSeeds` while the block runs."""
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    places = ((seed_generator, "python_random"), (rng_utils, "random"))
    saved = [getattr(module, name) for module, name in places]
    seeds = _KerasSeeds()
    for module, name in places:
        setattr(module, name, seeds)
    try:
        yield
    finally:
        for (module, name), value in zip(places, saved):
            setattr(module, name, value)


@contextlib.contextmanager
def unoptimized_graphs():
    """TensorFlow's graph optimizer (Grappler) off while the block runs.

    On models this small, optimizing each traced graph costs more than it saves (about a second
    per `fit` of a few hundred steps); a probe runs the same way in the student's kernel (whose
    notebook may switch it off too) and in the grader, so both sides compute alike.
    """
    import tensorflow as tf

    saved = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    try:
        yield
    finally:
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": saved})


@contextlib.contextmanager
def probing():
    """What every probe runs under, reference and student alike: quiet, own seeds, no Grappler."""
    with quietly(), own_keras_seeds(), unoptimized_graphs():
        yield


def uniform_inputs(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Fixed probe inputs in [0, 1], like pixels."""
    return np.random.default_rng(seed).uniform(size=(n, dim)).astype("float32")


def digits(n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits, float32 in [0, 1], with labels: a fixed offline probe set."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.data / 16.0).astype("float32")
    return (x[:n], data.target[:n]) if n else (x, data.target)


def in_grading_kernel() -> bool:
    """True in a kernel the autograder started (verdicts are taken outside it)."""
    import os

    from autograder.observation import OUTSIDE_VARIABLE

    return os.environ.get(OUTSIDE_VARIABLE) == "1"


def graded_digits(*names: str) -> tuple[np.ndarray, ...]:
    """Arrays of the split every exercise's `load_data()` makes when graded (fast mode: the
    bundled digits), by name: x_train, x_test, y_test, x_test_noisy.

    The trained-model properties evaluate on these arrays in a grading kernel rather than on the
    notebook's variables, which the student's code could have changed.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    x = (data.data[order] / 16.0).astype("float32")
    y = data.target[order]
    arrays = {"x_train": x[:1257], "x_test": x[1437:], "y_test": y[1437:]}
    if "x_test_noisy" in names:  # the notebook's add_noise(x_test, 0.3, seed=3), by the contract
        noise = np.random.default_rng(3).standard_normal(x[1437:].shape).astype("float32")
        arrays["x_test_noisy"] = np.clip(x[1437:] + 0.3 * noise, 0.0, 1.0)
    return tuple(arrays[name] for name in names)


def as_array(value, what: str) -> np.ndarray:
    """Convert a student's return value to a float64 array, or fail with a clear message."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value), dtype="float64")
    except Exception:
        raise CheckFailed(
            f"{what} debe devolver un tensor o array numérico; se obtuvo {type(value).__name__}"
        ) from None
    return array


def shape_message(what: str, got, expected) -> str:
    return f"{what} debe tener forma {tuple(expected)}; se obtuvo {tuple(got)}"


def _where(index: tuple[int, ...]) -> str:
    """' en el ejemplo 4' (first axis: the example), then the other positions, if any."""
    if not index:
        return ""
    rest = f", posición {index[1] if len(index) == 2 else index[1:]}" if len(index) > 1 else ""
    return f" en el ejemplo {index[0]}{rest}"


def close_message(what: str, got: np.ndarray, expected: np.ndarray, hint: str = "") -> str:
    index = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape) if got.ndim else ()
    where = _where(tuple(int(i) for i in index))
    text = (
        f"{what} no coincide con la solución de referencia{where}: se esperaba "
        f"{float(expected[index]):.6g} y se obtuvo {float(got[index]):.6g}"
    )
    return text + (f". {hint}" if hint else "")


def compare(
    what: str, got: np.ndarray, expected: np.ndarray, *, rtol=1e-4, atol=1e-5, hint: str = ""
) -> list[str]:
    """Failures (0 or 1) when `got` differs from `expected` in shape or value."""
    if got.shape != expected.shape:
        return [shape_message(what, got.shape, expected.shape)]
    if not np.all(np.isfinite(got)):
        return [f"{what} contiene valores no finitos (NaN o infinito)"]
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        return [close_message(what, got, expected, hint)]
    return []


@contextlib.contextmanager
def scratch_folder():
    """A temporary folder for save / load round trips."""
    with tempfile.TemporaryDirectory(prefix="autograder-") as folder:
        yield Path(folder)
