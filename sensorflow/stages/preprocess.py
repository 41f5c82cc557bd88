"""Per-sample pre-processing on signals: scale, dc_remove (and more in this family)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..cost import Cost
from ..registry import register
from .base import Stage, StageParams, Tags


@register
class Scale(Stage):
    """y = x * gain + offset, per channel (gain/offset scalars or one per channel)."""

    name = "scale"
    tags = Tags(role="signal", streaming=True)

    class Params(StageParams):
        type: Literal["scale"] = "scale"
        gain: float | list[float] = Field(1.0, description="multiplier, scalar or one per channel")
        offset: float | list[float] = Field(0.0, description="added after the gain, scalar or one per channel")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

    @classmethod
    def examples(cls):
        return [{}, {"gain": [2.0, 0.5], "offset": [1.0, -1.0]}]

    def output_spec(self, input_spec):
        from ..errors import ConfigError

        for key in ("gain", "offset"):
            v = getattr(self.params, key)
            if isinstance(v, list) and len(v) != input_spec.n_channels:
                raise ConfigError(f"has {len(v)} values but the signal has {input_spec.n_channels} channels", key=(key,))
        return input_spec

    def _coeffs(self, dtype):
        return np.asarray(self.params.gain, dtype=dtype), np.asarray(self.params.offset, dtype=dtype)

    def _transform(self, X):
        g, o = self._coeffs(X.dtype)
        return X * g + o

    def _process(self, state, chunk):
        g, o = self._coeffs(chunk.dtype)
        return state, chunk * g + o

    def cost(self, board=None):
        c = self.input_spec_.n_channels
        return Cost(flash_bytes=8 * c + 64, ram_bytes=0, ops=2 * self.input_spec_.size)
