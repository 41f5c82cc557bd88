"""Zero-crossing rate per frame of each channel: ``zero_crossings``.

Follows ``librosa.feature.zero_crossing_rate(x, frame_length, hop_length, center)`` with its
defaults for the crossings: ``|x| <= threshold`` counts as zero, zero counts as positive,
a frame's rate is its sign changes between neighbouring samples divided by
``frame_length``; ``center`` pads ``frame_length // 2`` copies of the edge samples on both
sides (``numpy.pad(mode="edge")``). The zero-crossing feature of motion sensors' machine
learning cores (e.g. the LSM6DSOX MLC) is this with one frame per window.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..cost import Cost
from ..dsp.params import RateFree, check_min_length, sample_rate_of
from ..errors import ConfigError
from ..registry import register
from ..spec import Spec
from .base import Stage, StageParams, Tags


@register
class ZeroCrossings(RateFree, Stage):
    """Zero-crossing rate of each frame of each channel (librosa.feature.zero_crossing_rate);
    features ``<channel>_zcr_f<frame>``, channel by channel."""

    name = "zero_crossings"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["zero_crossings"] = "zero_crossings"
        frame_length: int = Field(64, ge=2, le=65535, description="samples per frame")
        hop_length: int = Field(32, ge=1, le=65535, description="samples between frame starts")
        center: bool = Field(True, description="pad frame_length // 2 edge samples on both sides (librosa)")
        threshold: float = Field(1e-10, ge=0, description="|x| at or below this counts as zero")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

    @classmethod
    def examples(cls):
        return [
            {},
            {"frame_length": 256, "hop_length": 256, "center": False},
            {"frame_length": 50, "hop_length": 20, "threshold": 0.5},
        ]

    # ------------------------------------------------------------------ framing
    @property
    def pad(self) -> int:
        return self.params.frame_length // 2 if self.params.center else 0

    @property
    def n_frames(self) -> int:
        if self.input_spec_ is None:
            raise ConfigError(f"stage '{self.name}' is not bound to an input yet; call bind() or transform() first")
        return self._n_frames(self.input_spec_.length)

    def _n_frames(self, length: int) -> int:
        return 1 + (length + 2 * self.pad - self.params.frame_length) // self.params.hop_length

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        p = self.params
        need = max(1, p.frame_length - 2 * self.pad)
        check_min_length(self, "frame_length", need, input_spec.length, f"frame_length={p.frame_length}")
        n = self._n_frames(input_spec.length)
        return Spec.vector([f"{ch}_zcr_f{t}" for ch in input_spec.names for t in range(n)])

    # ------------------------------------------------------------------ reference
    def _transform(self, X):
        p = self.params
        x = np.pad(X, ((0, 0), (self.pad, self.pad), (0, 0)), mode="edge") if self.pad else X
        # compared in the input's precision, as librosa does (and the C kernel in float32)
        neg = np.signbit(np.where(np.abs(x) <= np.asarray(p.threshold, dtype=x.dtype), 0.0, x))
        change = neg[:, 1:] != neg[:, :-1]  # change[i]: between samples i and i + 1
        starts = np.arange(self.n_frames) * p.hop_length
        csum = np.concatenate([np.zeros((len(x), 1, x.shape[2]), np.int64), np.cumsum(change, axis=1)], axis=1)
        counts = csum[:, starts + p.frame_length - 1] - csum[:, starts]  # (n, frames, C)
        rate = counts / p.frame_length
        return rate.transpose(0, 2, 1).reshape(len(X), -1).astype(X.dtype)

    def cost(self, board=None):
        c, nf = self.input_spec_.n_channels, self.n_frames
        return Cost(flash_bytes=192, ram_bytes=0, ops=int(c * nf * (3 * self.params.frame_length + 2)))
