"""Observations as JSON: what a hidden test cell hands to the grading process, and back.

A probe's observation is plain data: None, bools, ints, finite or non-finite floats, strings,
tuples, lists, dicts with string keys and NumPy arrays of numbers. `encode` (in the student's
kernel) accepts exactly those types — not subclasses, so an object with a rigged `__eq__`,
`__array__` or `__float__` is refused instead of converted — and `decode` (in the grading process)
rebuilds them from JSON, checking every node, so a forged payload can only ever be plain data.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np

MIME_TYPE = "application/vnd.autograder.observation+json"
# Set by the autograder in its kernels' environment: the verdict is taken outside the kernel.
OUTSIDE_VARIABLE = "AUTOGRADER_VERDICT_OUTSIDE"
MAX_DEPTH = 12
MAX_ELEMENTS = 2_000_000  # array elements in one observation
NUMERIC_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                  "uint64", "float16", "float32", "float64"}
RESERVED = ("__tuple__", "__float__", "__ndarray__")
_SCALARS = {np.bool_: bool, np.int8: int, np.int16: int, np.int32: int, np.int64: int,
            np.uint8: int, np.uint16: int, np.uint32: int, np.uint64: int,
            np.float16: float, np.float32: float, np.float64: float}


class ObservationError(ValueError):
    """The observation is not plain data (message in Spanish, for the student)."""


def encode(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ObservationError("la observación está anidada demasiado profundamente")
    kind = type(value)  # exact types only: a subclass could rig comparisons
    if value is None or kind in (bool, str, int):
        return value
    if kind in _SCALARS:
        value = _SCALARS[kind](value)
        kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if kind in (bool, int):
        return value
    if kind is tuple:
        return {"__tuple__": [encode(item, depth + 1) for item in value]}
    if kind is list:
        return [encode(item, depth + 1) for item in value]
    if kind is dict:
        if not all(type(key) is str and key not in RESERVED for key in value):
            raise ObservationError("las claves de la observación deben ser textos")
        return {key: encode(item, depth + 1) for key, item in value.items()}
    if kind is np.ndarray and value.dtype.name in NUMERIC_DTYPES:
        if value.size > MAX_ELEMENTS:
            raise ObservationError("la observación contiene un array demasiado grande")
        data = np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<"), copy=False)
        return {"__ndarray__": {"dtype": value.dtype.name, "shape": list(value.shape),
                                "data": base64.b64encode(data.tobytes()).decode("ascii")}}
    raise ObservationError(
        f"la observación contiene un objeto de tipo {kind.__name__}; solo se admiten números, "
        "textos, listas, tuplas, diccionarios y arrays numéricos de NumPy"
    )


def decode(value: Any, depth: int = 0) -> Any:
    """Plain data from JSON written by `encode`; ObservationError for anything else."""
    if depth > MAX_DEPTH:
        raise ObservationError("la observación está anidada demasiado profundamente")
    kind = type(value)
    if value is None or kind in (bool, str, int):
        return value
    if kind is float:
        return value
    if kind is list:
        return [decode(item, depth + 1) for item in value]
    if kind is not dict:
        raise ObservationError(f"tipo inesperado en la observación: {kind.__name__}")
    if set(value) == {"__tuple__"} and type(value["__tuple__"]) is list:
        return tuple(decode(item, depth + 1) for item in value["__tuple__"])
    if set(value) == {"__float__"} and value["__float__"] in ("nan", "inf", "-inf"):
        return float(value["__float__"])
    if set(value) == {"__ndarray__"}:
        return _decode_array(value["__ndarray__"])
    if any(key in RESERVED for key in value) or not all(type(key) is str for key in value):
        raise ObservationError("la observación tiene claves no válidas")
    return {key: decode(item, depth + 1) for key, item in value.items()}


def _decode_array(spec: Any) -> np.ndarray:
    try:
        dtype = spec["dtype"]
        shape = tuple(spec["shape"])
        raw = base64.b64decode(spec["data"], validate=True)
    except Exception:
        raise ObservationError("la observación contiene un array mal formado") from None
    if (dtype not in NUMERIC_DTYPES or not all(type(n) is int and n >= 0 for n in shape)
            or math.prod(shape) > MAX_ELEMENTS):
        raise ObservationError("la observación contiene un array mal formado")
    element = np.dtype(dtype).newbyteorder("<")
    if len(raw) != math.prod(shape) * element.itemsize:
        raise ObservationError("la observación contiene un array mal formado")
    return np.frombuffer(raw, dtype=element).astype(np.dtype(dtype)).reshape(shape)
