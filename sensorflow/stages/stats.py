"""Time-domain statistics of each channel of a window: ``stats``.

Conventions (checked against numpy / scipy.stats / librosa in tests/dsp/test_stats.py):

- ``std``, ``var``: population (numpy ``ddof=0``); ``rms = sqrt(mean(x^2))``;
  ``energy = sum(x^2)``; ``abs_mean = mean(|x|)``; ``ptp = max - min``.
- ``skew``: biased sample skewness ``m3 / m2^1.5`` (``scipy.stats.skew(bias=True)``).
- ``kurtosis``: Fisher excess kurtosis ``m4 / m2^2 - 3`` (``scipy.stats.kurtosis(fisher=True,
  bias=True)``), 0 for a normal distribution.
- A channel counts as constant when its std is at most ``1e-5`` times its peak ``|x|`` (or it
  is all zeros); then ``skew = kurtosis = 0`` where scipy returns NaN.
- ``zero_crossing_rate``: sign changes between neighbouring samples divided by the window
  length, zero counting as positive and ``|x| <= 1e-10`` as zero
  (``librosa.feature.zero_crossing_rate(x, frame_length=len(x), center=False)``).
- ``crest_factor = max|x| / rms``; 0 for an all-zero channel.

Moments accumulate in float64; the output has the input's dtype.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..cost import Cost
from ..dsp import fixed
from ..dsp.params import RateFree, sample_rate_of
from ..errors import ConfigError
from ..registry import register
from ..spec import Spec
from . import fixed_point
from .base import Stage, StageParams, Tags

FUNCTIONS = (
    "mean",
    "std",
    "var",
    "rms",
    "min",
    "max",
    "ptp",
    "abs_mean",
    "skew",
    "kurtosis",
    "zero_crossing_rate",
    "crest_factor",
    "energy",
)
StatName = Literal[FUNCTIONS]  # the names of FUNCTIONS (their order is the C SF_STAT_* enum)
CONSTANT_RTOL = 1e-5  # std <= CONSTANT_RTOL * max|x| means "constant"
ZCR_THRESHOLD = 1e-10  # |x| at or below this counts as zero (librosa.zero_crossings threshold)

# operations per sample on a device, by function (two-pass moments share the mean pass)
_OPS_PER_SAMPLE = {
    "mean": 1,
    "std": 2,
    "var": 2,
    "rms": 2,
    "min": 1,
    "max": 1,
    "ptp": 2,
    "abs_mean": 2,
    "skew": 4,
    "kurtosis": 5,
    "zero_crossing_rate": 3,
    "crest_factor": 3,
    "energy": 2,
}


@register
class Stats(RateFree, Stage):
    """Per-channel statistics; features ``<channel>_<function>``, channel by channel."""

    name = "stats"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["stats"] = "stats"
        functions: list[StatName] = Field(
            default_factory=lambda: list(FUNCTIONS),
            min_length=1,
            description="statistics to compute per channel, in this order: " + ", ".join(FUNCTIONS),
        )
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")
        q15_scale: float | list[float] | None = fixed_point.Q15_SCALE

        @field_validator("functions")
        @classmethod
        def _no_repeats(cls, v):
            dup = sorted({f for f in v if v.count(f) > 1})
            if dup:
                raise ValueError(f"lists '{dup[0]}' twice; keep one")
            return v

    @classmethod
    def examples(cls):
        return [
            {},
            {"functions": ["rms", "skew", "kurtosis", "zero_crossing_rate"]},
            {"functions": ["mean", "std", "rms", "ptp", "abs_mean", "zero_crossing_rate"], "q15_scale": 2**-10},
        ]

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        self.q15_k_ = fixed_point.exponents(self, input_spec.n_channels)
        if self.q15_k_ is not None:
            self._check_fixed(input_spec.length)
        return Spec.vector([f"{ch}_{f}" for ch in input_spec.names for f in self.params.functions])

    def _check_fixed(self, length: int) -> None:
        fixed_point.check_length(self, length)
        other = [f for f in self.params.functions if f not in fixed.FIXED_STATS]
        if other:
            raise ConfigError(
                f"stage 'stats': '{other[0]}' has no fixed-point path (q15_scale); it has "
                + ", ".join(fixed.FIXED_STATS),
                key=("functions",),
            )
        if fixed.max_code_bits(self.params.functions, length) > 53:
            raise ConfigError(
                f"stage 'stats': var/energy of {length}-sample windows overflow the fixed-point codes; "
                "drop them or shorten the window",
                key=("functions",),
            )

    def fixed_fscales(self) -> np.ndarray:
        """``(C, n_functions)`` physical value per code (fixed-point path)."""
        n = self.input_spec_.length
        return np.stack([fixed.stat_fscales(self.params.functions, n, int(k)) for k in self.q15_k_])

    def computes_over_valid_length(self) -> bool:
        return getattr(self, "q15_k_", None) is None  # the float path; the q15 scales assume the window length

    def _transform(self, X):
        if getattr(self, "q15_k_", None) is not None:
            codes = fixed.stat_codes(fixed_point.counts(X, self.q15_k_), self.params.functions)
            return fixed.to_features(codes, self.fixed_fscales()[None]).reshape(len(X), -1)
        return compute(X, self.params.functions).reshape(len(X), -1).astype(X.dtype, copy=False)

    def cost(self, board=None):
        n, c = self.input_spec_.length, self.input_spec_.n_channels
        fs = self.params.functions
        ops = c * n * (1 + sum(_OPS_PER_SAMPLE[f] for f in fs)) + c * 20 * len(fs)
        if getattr(self, "q15_k_", None) is not None:  # sf_q15: the channel's int16 counts
            return Cost(flash_bytes=160 + 96 * len(fs) + 5 * c * len(fs), ram_bytes=2 * n + 48, ops=int(ops))
        return Cost(flash_bytes=160 + 96 * len(fs), ram_bytes=8 * 6, ops=int(ops))


def compute(X: np.ndarray, functions) -> np.ndarray:
    """Statistics of ``X (n, length, C)`` along time: ``(n, C, len(functions))`` float64."""
    x = X.astype(np.float64, copy=False)
    n = x.shape[1]
    out = {}
    need = set(functions)
    mean = x.mean(axis=1)
    d = x - mean[:, None, :]
    m2 = np.mean(d * d, axis=1)
    peak = np.abs(x).max(axis=1)
    constant = np.sqrt(m2) <= CONSTANT_RTOL * peak
    safe_m2 = np.where(constant, 1.0, m2)
    out["mean"] = mean
    out["var"] = m2
    out["std"] = np.sqrt(m2)
    if need & {"rms", "crest_factor", "energy"}:
        sq = np.sum(x * x, axis=1)
        out["energy"] = sq
        out["rms"] = np.sqrt(sq / n)
        out["crest_factor"] = np.where(out["rms"] > 0, peak / np.where(out["rms"] > 0, out["rms"], 1.0), 0.0)
    out["min"] = x.min(axis=1)
    out["max"] = x.max(axis=1)
    out["ptp"] = out["max"] - out["min"]
    out["abs_mean"] = np.abs(x).mean(axis=1)
    if "skew" in need:
        m3 = np.mean(d**3, axis=1)
        out["skew"] = np.where(constant, 0.0, m3 / safe_m2**1.5)
    if "kurtosis" in need:
        m4 = np.mean(d**4, axis=1)
        out["kurtosis"] = np.where(constant, 0.0, m4 / safe_m2**2 - 3.0)
    if "zero_crossing_rate" in need:
        neg = np.signbit(np.where(np.abs(x) <= ZCR_THRESHOLD, 0.0, x))
        out["zero_crossing_rate"] = np.count_nonzero(neg[:, 1:] != neg[:, :-1], axis=1) / n
    return np.stack([out[f] for f in functions], axis=-1)
