"""The fixed-point (q15) path of ``stats`` and ``band_energy``: the ``q15_scale`` parameter.

A stage given ``q15_scale`` (physical units per int16 count: one power of two, or one per
channel) defines its features as the fixed-point computation of ``sensorflow.dsp.fixed`` on
the window's int16 counts, on the host (training, evaluation) as on the device, so the host's
features and the device's agree bit for bit whatever the board's FPU.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from ..dsp import fixed
from ..errors import ConfigError

Q15_SCALE = Field(
    None,
    description=(
        "compute in fixed point on int16 counts (sensorflow.dsp.fixed): physical units per count, "
        "a power of two (e.g. 0.001953125 = 2**-9), one value or one per channel"
    ),
)
MAX_LENGTH = 65535  # int32 sums of up to 65535 int16 counts cannot overflow


def exponents(stage, n_channels: int) -> np.ndarray | None:
    """``k`` per channel (scale ``2**-k``) or None when the stage computes in float."""
    scale = stage.params.q15_scale
    if scale is None:
        return None
    scales = list(scale) if isinstance(scale, (list, tuple)) else [scale] * n_channels
    if len(scales) != n_channels:
        raise ConfigError(
            f"stage '{stage.name}': q15_scale lists {len(scales)} values for {n_channels} channels; "
            "give one value or one per channel",
            key=("q15_scale",),
        )
    try:
        return np.array([fixed.scale_exponent(s) for s in scales], dtype=np.int64)
    except ValueError as e:
        raise ConfigError(f"stage '{stage.name}': q15_scale {e}", key=("q15_scale",)) from None


def check_length(stage, length: int) -> None:
    if length > MAX_LENGTH:
        raise ConfigError(
            f"stage '{stage.name}': the fixed-point path takes windows of at most {MAX_LENGTH} samples, "
            f"got {length}; drop q15_scale or shorten the window",
            key=("q15_scale",),
        )


def counts(X: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """int16 counts of ``X (n, length, C)``, channel c at ``2**-ks[c]``."""
    return np.stack([fixed.quantize(X[..., c], int(k)) for c, k in enumerate(ks)], axis=-1)


def is_fixed(stage) -> bool:
    """Does this stage compute in fixed point (its ``q15_scale`` is set)?"""
    return getattr(getattr(stage, "params", None), "q15_scale", None) is not None
