"""What a hidden test cell calls: run one probe on the student's objects and hand out the result.

`report("kl_divergence_values", kl_divergence)` runs the property's probe in the student's kernel
and publishes the observation — plain data, see `observation.py` — as a `display_data` output of
MIME type `observation.MIME_TYPE`. The verdict is not taken here: the grading process reads the
payload from the executed cell and judges it against the reference (`verdicts.py`), so nothing the
student's code does to this kernel (patched asserts, rigged `__eq__`, swallowed errors) decides a
grade. When the kernel is not run by the autograder (plain `nbgrader autograde`, a student's own
run), `report` also judges on the spot and raises `CheckFailed`, like `Property.check`.
"""

from __future__ import annotations

import os

from autograder.checks import registry
from autograder.checks._support import CheckFailed
from autograder.observation import MIME_TYPE, OUTSIDE_VARIABLE, ObservationError, encode


def report(name: str, *arguments) -> None:
    prop = registry.find(name)
    observed, failures = prop.observe(*arguments)
    payload = {"property": name}
    if observed is None:
        payload["failures"] = failures
    else:
        try:
            payload["observation"] = encode(observed)
        except ObservationError as error:
            observed, failures = None, [str(error)]
            payload["failures"] = failures
    _publish(payload)
    if os.environ.get(OUTSIDE_VARIABLE) == "1":
        return
    if observed is not None:
        failures = prop.judge(observed, prop.expected())
    if failures:
        raise CheckFailed(f"{prop.summary}: " + "; ".join(failures))


def _publish(payload: dict) -> None:
    from IPython import get_ipython

    if get_ipython() is None:  # plain Python (tests, scripts): nobody collects payloads
        return
    from IPython.display import publish_display_data

    publish_display_data({MIME_TYPE: payload,
                          "text/plain": f"Observación para el corrector: {payload['property']}"})
