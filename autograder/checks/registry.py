"""Every gradable property, by name (the first argument of `report`), found by discovery.

Each public module of this package that defines `PROPERTIES` (a sequence of `Property`)
contributes them: adding an exercise means adding its checks module here, and nothing else in
this file (docs/adding-an-exercise.md). Modules whose name starts with `_` are helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from ._support import Property

_HELPERS = {"registry", "building_blocks"}  # modules of this package that hold no properties


def exercise_modules(package: ModuleType | None = None) -> list[ModuleType]:
    """The checks modules of `package` (default: `autograder.checks`), sorted by name."""
    if package is None:
        from autograder import checks as package
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
        if info.name.startswith("_") or info.name in _HELPERS:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "PROPERTIES"):
            found.append(module)
    return found


def collect_properties(modules: list[ModuleType]) -> dict[str, Property]:
    """Name -> property; two different properties with one name are refused (grading would
    judge one exercise's cell with the other's check)."""
    properties: dict[str, Property] = {}
    for module in modules:
        for prop in module.PROPERTIES:
            known = properties.setdefault(prop.name, prop)
            if known is not prop:
                raise ValueError(f"two gradable properties are called {prop.name!r} "
                                 f"(one in {module.__name__})")
    return properties


PROPERTIES: dict[str, Property] = collect_properties(exercise_modules())


def find(name: str) -> Property:
    try:
        return PROPERTIES[name]
    except KeyError:
        raise KeyError(f"no hay ninguna propiedad calificable llamada {name!r}") from None
