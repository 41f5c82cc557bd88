"""The window itself as time-major frames: ``frames``.

A feature stage that passes the raw samples on unchanged, ``(length, channels) ->
(length * channels,)`` in the window's own interleaved order (``x[t * C + c]``), so a ``conv1d``
model reads one frame of ``C`` channel values per time step, as TFLM's magic_wand CNN reads raw
accelerometer samples. Feature names are ``f<t>_<channel>`` (the ``fNN_`` frame names that
``conv1d`` infers ``frame_size`` from, as it does for ``log_mel``/``mfcc``).
"""

from __future__ import annotations

from typing import Literal

from ..cost import Cost
from ..dsp.params import RateFree
from ..registry import register
from ..spec import Spec
from .base import Stage, StageParams, Tags


@register
class Frames(RateFree, Stage):
    """The raw window as a time-major feature vector (one frame of all channels per sample),
    the input of a ``conv1d`` on raw sensor channels."""

    name = "frames"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["frames"] = "frames"

    @classmethod
    def examples(cls):
        return [{}]

    def output_spec(self, input_spec):
        width = len(str(input_spec.length - 1))
        return Spec.vector([f"f{t:0{width}d}_{ch}" for t in range(input_spec.length) for ch in input_spec.names])

    def _transform(self, X):
        return X.reshape(len(X), -1).copy()

    def cost(self, board=None):
        return Cost(flash_bytes=64, ram_bytes=0, ops=int(self.input_spec_.size))
