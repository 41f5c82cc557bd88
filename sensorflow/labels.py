"""Class label order: natural sort ("1" < "2" < "10", "run2" < "run10"), as GNU ``sort -V``
and the ``natsort`` package order names. One order for the host, the artifact (``classes_``)
and the device (class indices follow ``classes_``)."""

from __future__ import annotations

import re

import numpy as np

_DIGITS = re.compile(r"(\d+)")


def natural_key(label) -> tuple:
    """Sort key: integers as numbers; strings split into text and digit runs, digit runs compared
    as numbers, then the whole string as a tie-break ("01" before "1")."""
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        return ((0, int(label)),)
    s = str(label)
    parts = tuple((0, int(p)) if p.isdigit() else (1, p) for p in _DIGITS.split(s) if p)
    return (*parts, (2, s))


def natural_sorted(labels) -> list:
    """The distinct labels in natural order."""
    return sorted(set(labels), key=natural_key)


def unique_natural(y) -> tuple[np.ndarray, np.ndarray]:
    """As ``np.unique(y, return_inverse=True)`` with the classes in natural order."""
    y = np.asarray(y)
    classes, codes = np.unique(y, return_inverse=True)
    plain = [c.item() if isinstance(c, np.generic) else c for c in classes]  # object arrays hold str
    order = sorted(range(len(classes)), key=lambda i: natural_key(plain[i]))
    rank = np.empty(len(classes), dtype=np.intp)
    rank[order] = np.arange(len(classes))
    return classes[order], rank[codes.ravel()]
