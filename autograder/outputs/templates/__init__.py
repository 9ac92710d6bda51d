"""HTML templates (Jinja2), kept as Python strings so that they ship with the package."""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

from autograder.messages import STATUS_LABELS

from .feedback import FEEDBACK, FEEDBACK_INDEX
from .report import REPORT

_environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

def _points(value) -> str:
    if value is None:
        return "–"
    return f"{value:g}".replace(".", ",")


_environment.filters["points"] = _points
_environment.globals["status_label"] = STATUS_LABELS.get


def render(template: str, **values) -> str:
    return _environment.from_string(template).render(**values)


__all__ = ["FEEDBACK", "FEEDBACK_INDEX", "REPORT", "STATUS_LABELS", "render"]
