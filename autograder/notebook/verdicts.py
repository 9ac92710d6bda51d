"""Judge hidden test cells in the grading process, from the observations their kernel handed out.

A hidden test cell calls `report("<property>", ...)` (see `observe.py`); the cell's trusted source
comes from the gradebook, so the properties it must report are read from there, never from the
submission. For each of them the last payload of that property in the cell's outputs is decoded
(plain data only) and judged here against the reference observation, computed in this process
from `solutions`. The cell's error, stdout and stderr play no part: a cell passes when every
property it reports holds, and a missing or malformed payload fails it.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field

from autograder import messages
from autograder.observation import MIME_TYPE, ObservationError, decode, encode

REPORT_CALL = re.compile(r"""\breport\(\s*["'](\w+)["']""")
MAX_PAYLOAD_CHARACTERS = 20_000_000


def reported_properties(source: str) -> list[str]:
    """Names of the properties a test cell's (trusted) source reports, in order."""
    return REPORT_CALL.findall(source)


@dataclass
class Verdict:
    passed: bool
    failures: list[str] = field(default_factory=list)  # Spanish, for the student


def judge_cell(cell, names: list[str]) -> Verdict:
    payloads = _payloads(cell)
    failures = []
    for name in names:
        failures += _judge_property(name, payloads.get(name), _cell_error(cell))
    return Verdict(not failures, failures)


def _cell_error(cell) -> str:
    """What stopped the cell before its hidden test reported: the visible check's own message.

    Shown to the student only to say what to fix; it decides nothing (a missing payload fails).
    """
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return ""
    name, value = str(errors[-1].get("ename", "")), str(errors[-1].get("evalue", ""))
    if name == "NotImplementedError":
        return messages.NOT_IMPLEMENTED
    if name == "AssertionError" and value:
        return messages.plain(value, 500)
    return messages.plain(f"{name}: {value}".rstrip(": "), 500)


def _payloads(cell) -> dict[str, object]:
    """The last payload of each property among the cell's display outputs."""
    found = {}
    for output in cell.get("outputs", []):
        if output.get("output_type") not in ("display_data", "execute_result"):
            continue
        payload = output.get("data", {}).get(MIME_TYPE)
        if isinstance(payload, dict) and type(payload.get("property")) is str:
            found[payload["property"]] = payload
    return found


def _judge_property(name: str, payload, cell_error: str = "") -> list[str]:
    from autograder.checks import registry  # imports Keras: only when a notebook has hidden tests

    prop = registry.find(name)
    if payload is None and cell_error == messages.NOT_IMPLEMENTED:
        return [f"{prop.summary}: {cell_error}"]  # what the probe itself says in that case
    if payload is None and cell_error:
        return [messages.CHECK_STOPPED.format(summary=prop.summary, error=cell_error)]
    if payload is None:
        return [messages.NO_OBSERVATION.format(summary=prop.summary)]
    failures = payload.get("failures")
    if failures is not None:
        if type(failures) is list and failures and all(type(f) is str for f in failures):
            return [f"{prop.summary}: " + "; ".join(f[:500] for f in failures[:5])]
        return [messages.INVALID_OBSERVATION.format(summary=prop.summary, detail="")]
    try:
        text = json.dumps(payload.get("observation"))  # plain dicts and lists, not NotebookNodes
        if len(text) > MAX_PAYLOAD_CHARACTERS:
            raise ObservationError(messages.OBSERVATION_TOO_LARGE)
        observed = decode(json.loads(text))
        if type(observed) is not dict:
            raise ObservationError(messages.OBSERVATION_NOT_A_DICT)
    except ObservationError as error:
        return [messages.INVALID_OBSERVATION.format(summary=prop.summary, detail=f" ({error})")]
    try:
        failures = prop.judge(observed, expected_observation(name))
    except Exception as error:  # a payload shaped unlike any probe's: forged or corrupted
        return [messages.MISSHAPEN_OBSERVATION.format(summary=prop.summary,
                                                      error=type(error).__name__)]
    return [f"{prop.summary}: " + "; ".join(failures)] if failures else []


_expected_cache: dict[str, dict] = {}
_expected_lock = threading.Lock()  # one computation at a time: they share Keras's global seed


def expected_observation(name: str) -> dict:
    """The reference's observation, through the same JSON round trip as the student's."""
    from autograder.checks import registry

    with _expected_lock:
        if name not in _expected_cache:
            _expected_cache[name] = decode(encode(registry.find(name).expected()))
        return _expected_cache[name]


def prepare_in_background(sources: list[dict]) -> None:
    """Compute the reference observations these notebooks' hidden tests need, in a thread.

    Every grading task calls this first (local worker or Dask task), so that importing Keras
    and running the reference (seconds) overlap with the student's kernel instead of delaying
    the verdicts.
    """
    names = [name for notebook in sources for cell in notebook.get("cells", [])
             for name in reported_properties(cell.get("source") or "")]
    missing = [name for name in dict.fromkeys(names) if name not in _expected_cache]
    if missing:
        threading.Thread(target=_prepare, args=(missing,), daemon=True).start()


def _prepare(names: list[str]) -> None:
    for name in names:
        try:
            expected_observation(name)
        except Exception:  # noqa: BLE001 - the verdict will meet the same error and report it
            pass
