"""Every gradable property of the three exercises, by name (the first argument of `report`)."""

from __future__ import annotations

from . import autoencoder, stacked, vae
from ._support import Property

PROPERTIES: dict[str, Property] = {
    prop.name: prop
    for module in (autoencoder, stacked, vae)
    for prop in module.PROPERTIES
}


def find(name: str) -> Property:
    try:
        return PROPERTIES[name]
    except KeyError:
        raise KeyError(f"no hay ninguna propiedad calificable llamada {name!r}") from None
