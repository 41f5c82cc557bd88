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

import math
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

FeatureName = Literal[
    "mode_5",
    "mode_10",
    "outlier_timing_pos",
    "outlier_timing_neg",
    "acf_timescale",
    "acf_first_min",
    "low_freq_power",
    "median_freq",
    "forecast_error",
    "whiten_timescale",
    "high_fluctuation",
    "stretch_high",
    "stretch_decreasing",
    "entropy_pairs",
    "ami2",
    "trev",
    "ami_timescale",
    "transition_variance",
    "periodicity",
    "embedding_dist",
    "rs_range",
    "dfa",
]
MIN_LENGTH = 10  # shorter windows leave most features undefined


@register
class Catch22(RateFree, Stage):
    """Per-channel catch22 (or catch24) features; features ``<channel>_<short name>``."""

    name = "catch22"
    tags = Tags(role="feature")
    # No C/MicroPython emitter yet (they follow the code-generator rewrite); the emitter
    # conformance tests skip stages that set this.
    emit_pending = True

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
        k = len(self.params.features)
        # z-score, FFT ACF (2 FFTs of 2^(nextpow2(n)+1)), the O(n^2/3) Wang ACF, the outlier
        # sweep (at most 100 sqrt(n) thresholds over n samples) and about 40 n for the rest
        nfft = 2 ** (c22.nextpow2(n) + 1)
        ops = 4 * n + 10 * nfft * math.log2(nfft) + n * math.ceil(n / 3) + 2 * 100 * math.sqrt(n) * n + 40 * n * k
        scratch = 4 * (2 * nfft + 4 * n)
        return Cost(flash_bytes=6000 + 200 * k, ram_bytes=int(scratch), ops=int(c * ops))
