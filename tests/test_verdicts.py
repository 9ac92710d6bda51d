"""The observation protocol without a kernel: encoding, decoding and judging hidden test cells.

The grading process must turn only plain data into points: rigged objects are refused in the
kernel, forged or malformed payloads fail, and a cell's errors or prints change nothing.
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from autograder.notebook.verdicts import judge_cell, reported_properties
from autograder.observation import MIME_TYPE, ObservationError, decode, encode


def round_trip(value):
    return decode(json.loads(json.dumps(encode(value))))


def test_plain_data_survives_the_round_trip_with_its_types():
    value = {"shape": (3, 4), "values": np.arange(6, dtype="float32").reshape(2, 3),
             "nan": float("nan"), "scalar": np.float32(2.5), "flags": [True, None, "x"],
             "count": np.int64(7)}
    back = round_trip(value)
    assert back["shape"] == (3, 4) and type(back["shape"]) is tuple
    assert back["values"].dtype == np.float32 and np.array_equal(back["values"], value["values"])
    assert np.isnan(back["nan"]) and back["scalar"] == 2.5 and type(back["scalar"]) is float
    assert back["flags"] == [True, None, "x"] and back["count"] == 7 and type(back["count"]) is int


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class FakeArray:
    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class SubArray(np.ndarray):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("rigged", [
    AlwaysEqual(1.0), FakeArray(), np.zeros(3).view(SubArray), np.array(["a"]),
    np.array([object()], dtype=object), {1: 2.0}, {"__tuple__": 1},
])
def test_objects_that_are_not_plain_data_are_refused_in_the_kernel(rigged):
    with pytest.raises(ObservationError):
        encode({"value": rigged})


@pytest.mark.parametrize("forged", [
    {"__ndarray__": {"dtype": "object", "shape": [1], "data": ""}},
    {"__ndarray__": {"dtype": "float64", "shape": [4], "data": "AAAA"}},
    {"__ndarray__": {"dtype": "float64", "shape": [-1], "data": ""}},
    {"__float__": "1e400"}, {"__tuple__": 3}, {"__tuple__": [], "extra": 1},
])
def test_forged_payload_nodes_are_refused_in_the_grading_process(forged):
    with pytest.raises(ObservationError):
        decode({"value": forged})


def cell_with(*payloads, error=True, stdout="Correcto: todas las pruebas superadas"):
    """An executed test cell: its payloads, a print and (by default) an error."""
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)]
    outputs += [nbformat.v4.new_output("display_data", data={MIME_TYPE: p}) for p in payloads]
    if error:
        outputs.append(nbformat.v4.new_output("error", ename="AssertionError", evalue="x",
                                              traceback=[]))
    return nbformat.v4.new_code_cell(source="", outputs=outputs)


def kl_payload(values):
    return {"property": "kl_divergence_values",
            "observation": encode({"values": np.asarray(values, dtype="float64"),
                                   "at_origin": np.zeros(2)})}


def test_report_calls_are_read_from_the_trusted_source():
    source = 'from autograder.observe import report\nreport("kl_divergence_values", kl)\n'
    assert reported_properties(source) == ["kl_divergence_values"]


def test_the_verdict_is_the_judge_of_the_last_payload_whatever_the_cell_printed():
    from autograder.notebook.verdicts import expected_observation

    expected = expected_observation("kl_divergence_values")  # the reference, in this process
    assert set(expected) == {"values", "at_origin"}
    right = kl_payload(expected["values"])
    wrong = kl_payload(expected["values"] * 2)
    assert judge_cell(cell_with(right), ["kl_divergence_values"]).passed  # error ignored
    failed = judge_cell(cell_with(right, wrong, error=False), ["kl_divergence_values"])
    assert not failed.passed and "no coincide" in failed.failures[0]


@pytest.mark.parametrize("payloads", [
    (),  # the cell never reported
    ({"property": "kl_divergence_values", "failures": ["tu implementación lanzó ValueError"]},),
    ({"property": "kl_divergence_values", "observation": {"values": 0.0}},),  # wrong shape
    ({"property": "kl_divergence_values", "observation": "todo bien"},),
    ({"property": "kl_divergence_values", "failures": []},),
    ({"property": "kl_divergence_values"},),
    ({"property": "otra_cosa", "observation": {}},),
])
def test_missing_failed_or_malformed_payloads_score_nothing_with_a_spanish_reason(payloads):
    verdict = judge_cell(cell_with(*payloads, error=False), ["kl_divergence_values"])
    assert not verdict.passed
    assert verdict.failures and all(len(f) > 30 for f in verdict.failures)


class Predicts:
    """A 'trained model' that returns a fixed answer, whatever it is given."""

    def __init__(self, answer):
        self.answer = answer

    def __call__(self, x, training=False):
        return np.broadcast_to(self.answer, np.shape(x)).astype("float32")


def test_trained_model_checks_use_the_graders_data_in_a_grading_kernel(monkeypatch):
    from autograder.checks import registry
    from autograder.observation import OUTSIDE_VARIABLE

    prop = registry.find("trained_autoencoder")
    blank = np.zeros((20, 64), "float32")  # a notebook whose x_test was replaced by blank images
    monkeypatch.delenv(OUTSIDE_VARIABLE, raising=False)
    observed, failures = prop.observe(Predicts(0.0), blank, blank)
    assert failures == [] and prop.judge(observed, {}) == []  # outside grading: its own data

    monkeypatch.setenv(OUTSIDE_VARIABLE, "1")
    observed, failures = prop.observe(Predicts(0.0), blank, blank)
    assert failures == [] and prop.judge(observed, {})  # the grader's digits: blank fails
    assert observed["baseline"] > 0.01


def _failed_visible_check(ename: str, evalue: str):
    """An executed test cell whose visible part raised: no payload, only the error."""
    error = nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=["secreto"])
    return nbformat.v4.new_code_cell(source="", outputs=[error])


def test_a_failed_visible_check_shows_its_own_message_and_scores_nothing():
    """The validation run's case: only 'la prueba oculta no llegó...' was shown."""
    message = "con dos capas pretrain debe devolver 2 History; se obtuvieron 1"
    verdict = judge_cell(_failed_visible_check("AssertionError", message),
                         ["pretrain_histories"])
    assert not verdict.passed
    assert message in verdict.failures[0] and "no llegó" not in verdict.failures[0]
    assert "secreto" not in verdict.failures[0]  # never the traceback

    other = judge_cell(_failed_visible_check("TypeError", "object of type 'History' has no len()"),
                       ["pretrain_histories"])
    assert not other.passed and "TypeError: object of type 'History'" in other.failures[0]


def test_an_unfinished_answer_reads_the_same_with_or_without_a_visible_check():
    from autograder.checks import registry

    hidden_only = registry.find("kl_divergence_values")
    _, probe_says = hidden_only.observe(lambda *args: (_ for _ in ()).throw(NotImplementedError()))
    stopped = judge_cell(_failed_visible_check("NotImplementedError", ""),
                         ["kl_divergence_values"])
    reported = judge_cell(cell_with({"property": "kl_divergence_values",
                                     "failures": probe_says}, error=False),
                          ["kl_divergence_values"])
    assert not stopped.passed and not reported.passed
    assert stopped.failures == reported.failures
