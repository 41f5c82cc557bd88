"""Checks of numeric command-line options: argparse parses ``nan``, ``inf`` and negatives
as numbers, so each command checks its own before any work (ConfigError, exit 2)."""

from __future__ import annotations

import math

from ..errors import ConfigError

MAX_TIMEOUT_S = 86_400.0  # a timeout of a day: longer ones overflowed the OS wait (time_t)
MAX_DURATION_S = 1e9  # about 31 years of samples: duration x sample rate stays an integer


def finite_positive(flag: str, value: float | None, allow_zero: bool = False, maximum: float | None = None) -> None:
    """``value`` (None: not given) must be a finite number > 0 (>= 0 with ``allow_zero``), at most ``maximum``."""
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{flag} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{flag} must be at most {maximum:g}, got {value:g}")


def positive_int(flag: str, value: int | None) -> None:
    """``value`` (None: not given) must be an integer >= 1."""
    if value is not None and value < 1:
        raise ConfigError(f"{flag} must be a positive integer, got {value}")
