"""Checks of learned values read back from an artifact (``Stage.check_learned``): the learned
attributes' schema, so a tampered or re-hashed artifact is refused before any stage, export or
generated table uses it. Each helper raises :class:`ArtifactError` naming the key."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArtifactError

_RESERVED = frozenset({"input_spec_", "output_spec_"})
_MAX_JSON_DEPTH = 8


def check_name(owner: type, key: Any) -> None:
    """A learned attribute name: an identifier ending in ``_`` that is not a method or property."""
    if not isinstance(key, str) or not key.isidentifier() or not key.endswith("_") or key.startswith("_"):
        raise ArtifactError(f"learned value name {key!r} is not a learned attribute (identifier ending in '_')")
    if key in _RESERVED or getattr(owner, key, None) is not None:
        raise ArtifactError(f"learned value name '{key}' would replace a part of the stage class")


def check_json(key: str, value: Any, depth: int = 0) -> None:
    """A JSON learned value: null, bool, finite number, string, or lists/mappings of those."""
    if depth > _MAX_JSON_DEPTH:
        raise ArtifactError(f"'{key}' is nested deeper than {_MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, (bool, str, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ArtifactError(f"'{key}' is {value}; learned numbers must be finite")
        return
    if isinstance(value, list):
        for v in value:
            check_json(key, v, depth + 1)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ArtifactError(f"'{key}' has a non-string key {k!r}")
            check_json(key, v, depth + 1)
        return
    raise ArtifactError(f"'{key}' holds a {type(value).__name__}, not a number, string or array")


def check_array(key: str, value: Any) -> None:
    """A learned array: plain numbers (bool, int, float), all finite."""
    if value.dtype.kind not in "biuf":
        raise ArtifactError(f"'{key}' has dtype {value.dtype}; learned arrays hold numbers")
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise ArtifactError(f"'{key}' holds NaN or Inf")


def array(values: dict, key: str, kinds: str = "f", ndim: int | None = None, shape: tuple | None = None) -> np.ndarray:
    """``values[key]`` as an array of one of the dtype ``kinds`` ('f' float, 'i' signed int, 'iu' any int),
    with ``ndim`` dimensions or exactly ``shape`` (``None`` entries match any length)."""
    if key not in values or values[key] is None:
        raise ArtifactError(f"'{key}' is missing")
    a = values[key]
    if not isinstance(a, np.ndarray):
        raise ArtifactError(f"'{key}' should be an array (.npy), got {type(a).__name__}")
    if a.dtype.kind not in kinds:
        raise ArtifactError(f"'{key}' has dtype {a.dtype}; expected {_kind_names(kinds)}")
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and a.ndim != ndim:
        raise ArtifactError(f"'{key}' has shape {a.shape}; expected {ndim} dimension(s)")
    if shape is not None and any(want is not None and have != want for have, want in zip(a.shape, shape)):
        want = tuple("n" if s is None else s for s in shape)
        raise ArtifactError(f"'{key}' has shape {a.shape}; expected {want}")
    return a


def int_list(values: dict, key: str, length: int | None = None, minimum: int = 1) -> list:
    """``values[key]`` as a JSON list of ints >= ``minimum`` (lists of lists allowed, checked flat)."""
    v = values.get(key)
    if not isinstance(v, list) or (length is not None and len(v) != length):
        raise ArtifactError(f"'{key}' should be a list{f' of {length}' if length is not None else ''}, got {v!r:.60}")
    flat = [x for item in v for x in (item if isinstance(item, list) else [item])]
    if not flat or any(isinstance(x, bool) or not isinstance(x, int) or x < minimum for x in flat):
        raise ArtifactError(f"'{key}' should hold integers >= {minimum}, got {v!r:.60}")
    return v


def positive_int(values: dict, key: str) -> int:
    v = values.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ArtifactError(f"'{key}' should be a positive integer, got {v!r:.60}")
    return v


def finite_number(values: dict, key: str, positive: bool = False) -> float:
    v = values.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (positive and v <= 0):
        raise ArtifactError(f"'{key}' should be a finite{' positive' if positive else ''} number, got {v!r:.60}")
    return float(v)


def _kind_names(kinds: str) -> str:
    names = {"f": "floats", "i": "signed integers", "u": "unsigned integers", "b": "booleans"}
    return " or ".join(names[k] for k in kinds)
