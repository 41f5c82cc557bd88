"""The catch22 features of each channel of a window: ``catch22`` (Lubba et al. 2019).

The 22 CAnonical Time-series CHaracteristics, computed as pycatch22 >= 1.0 does (hctsa v3
definitions; the numpy reference and where it follows pycatch22 rather than the hctsa source are
in ``sensorflow.dsp.catch22``): each channel is z-scored, then the features are taken; with
``catch24: true`` the channel's mean and standard deviation (``ddof=1``) follow. Features are named
``<channel>_<short name>`` (pycatch22's short names: ``mode_5``, ``acf_timescale``, ...), channel
by channel. A constant channel, or one too short for a feature (``rs_range`` needs 40 samples,
``dfa`` 79), gets pycatch22's masked value, never NaN. Computed in float64; the output has the
input's dtype.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..cost import Cost
from ..dsp import catch22 as c22
from ..dsp.params import RateFree, sample_rate_of
from ..errors import ConfigError
from ..registry import register
from ..spec import Spec
from .base import Stage, StageParams, Tags

FeatureName = Literal[c22.SHORT_NAMES]  # the one list of short names (dsp.catch22), in pycatch22 order
MIN_LENGTH = 10  # shorter windows leave most features undefined

# Cortex-M4F instructions per sample of sf_catch22 (qemu-mps2-an386 -icount, one 1460-sample ACSF1
# window, tests/features/test_catch22_m4f.py); the outlier sweeps, rs_range and dfa depend on the
# data, so a window can cost 25% more or less (a 150-sample GunPoint window: 7,900 per sample).
_ZSCORE_PER_SAMPLE = 37
_PER_SAMPLE = {
    "mode_5": 37,
    "mode_10": 37,
    "outlier_timing_pos": 690,
    "outlier_timing_neg": 680,
    "acf_timescale": 7,
    "acf_first_min": 20,
    "low_freq_power": 300,
    "median_freq": 0,
    "forecast_error": 24,
    "whiten_timescale": 43,
    "high_fluctuation": 13,
    "stretch_high": 14,
    "stretch_decreasing": 11,
    "entropy_pairs": 152,
    "ami2": 64,
    "trev": 8,
    "ami_timescale": 88,
    "transition_variance": 158,
    "periodicity": 855,
    "embedding_dist": 279,
    "rs_range": 1790,
    "dfa": 880,
}


@register
class Catch22(RateFree, Stage):
    """Per-channel catch22 (or catch24) features; features ``<channel>_<short name>``."""

    name = "catch22"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["catch22"] = "catch22"
        features: list[FeatureName] = Field(
            default_factory=lambda: list(c22.SHORT_NAMES),
            min_length=1,
            description="catch22 features per channel (pycatch22 short names), in this order",
        )
        catch24: bool = Field(False, description="also each channel's mean and std (catch24)")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

        @field_validator("features")
        @classmethod
        def _no_repeats(cls, v):
            dup = sorted({f for f in v if v.count(f) > 1})
            if dup:
                raise ValueError(f"lists '{dup[0]}' twice; keep one")
            return v

    @classmethod
    def examples(cls):
        return [{}, {"features": ["acf_timescale", "periodicity", "dfa"], "catch24": True}]

    def feature_names(self) -> list[str]:
        return list(self.params.features) + (list(c22.EXTRA_NAMES) if self.params.catch24 else [])

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        if input_spec.length < MIN_LENGTH:
            raise ConfigError(
                f"catch22 needs windows of at least {MIN_LENGTH} samples, got {input_spec.length}; lengthen the window",
                key=("features",),
            )
        return Spec.vector([f"{ch}_{f}" for ch in input_spec.names for f in self.feature_names()])

    def computes_over_valid_length(self) -> bool:
        return True  # the kernels take the series length at run time; scratch sized for the window

    def min_valid_length(self) -> int:
        return MIN_LENGTH

    def _columns(self) -> np.ndarray:
        idx = [c22.SHORT_NAMES.index(f) for f in self.params.features]
        if self.params.catch24:
            idx += [len(c22.SHORT_NAMES), len(c22.SHORT_NAMES) + 1]
        return np.array(idx)

    def _transform(self, X):
        cols = self._columns()
        n, _, ch = X.shape
        out = np.empty((n, ch, len(cols)))
        for i in range(n):
            for c in range(ch):
                out[i, c] = c22.catch22(X[i, :, c], catch24=self.params.catch24)[cols]
        return out.reshape(n, -1).astype(X.dtype, copy=False)

    def cost(self, board=None):
        n, c = self.input_spec_.length, self.input_spec_.n_channels
        fs = set(self.params.features)
        per_sample = _ZSCORE_PER_SAMPLE + sum(_PER_SAMPLE[f] for f in fs - {"median_freq"})
        if "median_freq" in fs and "low_freq_power" not in fs:
            per_sample += _PER_SAMPLE["low_freq_power"]  # one spectrum serves both
        nfft = 2 ** c22.nextpow2(n + (n + 2) // 3)
        scratch = 4 * (n + max(2 * nfft, 3 * n + 64, n + 100 * (n // 64 + 17) + 2))
        scratch += 4 * (len(c22.SHORT_NAMES) + len(c22.EXTRA_NAMES))  # the kernel's output row, then reordered
        return Cost(flash_bytes=10_500, ram_bytes=int(scratch), ops=int(c * n * per_sample))
