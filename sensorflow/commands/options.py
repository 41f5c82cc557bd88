"""Checks of numeric command-line options: argparse parses ``nan``, ``inf`` and negatives
as numbers, so each command checks its own before any work (ConfigError, exit 2)."""

from __future__ import annotations

import math

from ..errors import ConfigError


def finite_positive(flag: str, value: float | None, allow_zero: bool = False) -> None:
    """``value`` (None: not given) must be a finite number > 0 (>= 0 with ``allow_zero``)."""
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{flag} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value}")


def positive_int(flag: str, value: int | None) -> None:
    """``value`` (None: not given) must be an integer >= 1."""
    if value is not None and value < 1:
        raise ConfigError(f"{flag} must be a positive integer, got {value}")
