"""Pre-processing on signals: scale, dc_remove, pre_emphasis, butter, magnitude."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..cost import Cost
from ..dsp.params import RateFree, sample_rate_of
from ..errors import ConfigError, DataError
from ..registry import register
from ..spec import Spec
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
                raise ConfigError(
                    f"has {len(v)} values but the signal has {input_spec.n_channels} channels", key=(key,)
                )
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


@register
class DCRemove(RateFree, Stage):
    """Subtract each window's mean, per channel (Edge Impulse / numpy ``x - x.mean()``).

    Not a streaming stage: the mean needs the whole window. For continuous DC removal use
    ``butter`` with ``btype: highpass``."""

    name = "dc_remove"
    tags = Tags(role="signal")

    class Params(StageParams):
        type: Literal["dc_remove"] = "dc_remove"
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        return input_spec

    def _transform(self, X):
        return X - X.mean(axis=1, keepdims=True, dtype=np.float64).astype(X.dtype)

    def cost(self, board=None):
        return Cost(flash_bytes=96, ram_bytes=4 * self.input_spec_.n_channels, ops=2 * self.input_spec_.size)


@register
class PreEmphasis(RateFree, Stage):
    """``y[n] = x[n] - coef * x[n-1]`` per channel (scipy.signal.lfilter([1, -coef], [1], x)).

    ``initial: zero`` takes ``x[-1] = 0`` (python_speech_features, librosa with ``zi=0``);
    ``initial: repeat`` takes ``x[-1] = x[0]`` (Kaldi), so a constant input gives a constant output."""

    name = "pre_emphasis"
    tags = Tags(role="signal", stateful=True, streaming=True)

    class Params(StageParams):
        type: Literal["pre_emphasis"] = "pre_emphasis"
        coef: float = Field(0.97, gt=0, le=1, description="pre-emphasis coefficient (librosa coef)")
        initial: Literal["zero", "repeat"] = Field(
            "zero", description="sample before the window: 0 ('zero') or the first sample ('repeat')"
        )
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

    @classmethod
    def examples(cls):
        return [{}, {"coef": 0.95, "initial": "repeat"}]

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        return input_spec

    def _transform(self, X):
        c = X.dtype.type(self.params.coef)
        prev = np.empty_like(X)
        prev[:, 1:] = X[:, :-1]
        prev[:, 0] = X[:, 0] if self.params.initial == "repeat" else 0
        return X - c * prev

    def init_state(self):
        c = _bound(self).n_channels
        return {"prev": np.zeros(c, dtype=np.float32), "started": np.zeros(1, dtype=np.int8)}

    def _process(self, state, chunk):
        chunk = _as_chunk(self, chunk)
        if not len(chunk):
            return state, chunk
        prev0 = state["prev"].astype(chunk.dtype)
        if not state["started"][0] and self.params.initial == "repeat":
            prev0 = chunk[0].copy()
        c = chunk.dtype.type(self.params.coef)
        prev = np.empty_like(chunk)
        prev[0] = prev0
        prev[1:] = chunk[:-1]
        return {"prev": chunk[-1].copy(), "started": np.ones(1, dtype=np.int8)}, chunk - c * prev

    def cost(self, board=None):
        c = self.input_spec_.n_channels
        return Cost(flash_bytes=128, ram_bytes=4 * c + 1, ops=2 * self.input_spec_.size)


@register
class Butter(Stage):
    """Butterworth filter designed by ``scipy.signal.butter(order, cutoff, btype, fs=sr,
    output='sos')`` and run as a cascade of biquads (``scipy.signal.sosfilt``) whose state
    carries across chunks. Each window starts from a fresh state (``zi: zeros``, as sosfilt;
    or ``zi: steady``, the step-response steady state for the first sample, as
    ``sosfilt_zi(sos) * x[0]``, which avoids the start-up transient of an offset signal)."""

    name = "butter"
    tags = Tags(role="signal", stateful=True, streaming=True)

    class Params(StageParams):
        type: Literal["butter"] = "butter"
        order: int = Field(4, ge=1, le=12, description="filter order (scipy.signal.butter N)")
        btype: Literal["lowpass", "highpass", "bandpass", "bandstop"] = Field("lowpass", description="filter type")
        cutoff: float | list[float] = Field(
            ..., description="cutoff in Hz: a number (lowpass/highpass) or [low, high] (bandpass/bandstop)"
        )
        zi: Literal["zeros", "steady"] = Field("zeros", description="initial state at the start of each window")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

        @field_validator("cutoff")
        @classmethod
        def _cutoff_matches_btype(cls, v, info):
            btype = info.data.get("btype")
            band = btype in ("bandpass", "bandstop")
            if isinstance(v, list):
                if not band:
                    if len(v) == 1:
                        v = v[0]
                    else:
                        raise ValueError(f"{btype} takes one cutoff frequency, got {len(v)}")
                elif len(v) != 2 or not 0 < v[0] < v[1]:
                    raise ValueError(f"{btype} takes [low, high] with 0 < low < high (Hz), got {v}")
            elif band:
                raise ValueError(f"{btype} takes [low, high] (Hz), got a single value {v}")
            if not isinstance(v, list) and v <= 0:
                raise ValueError(f"must be above 0 Hz, got {v}")
            return v

    @classmethod
    def examples(cls):
        return [
            {"cutoff": 100.0},
            {"cutoff": 20.0, "btype": "highpass", "order": 2, "zi": "steady"},
            {"cutoff": [50.0, 200.0], "btype": "bandpass", "order": 3},
            {"cutoff": [45.0, 55.0], "btype": "bandstop", "order": 2},
        ]

    def output_spec(self, input_spec):
        sr = sample_rate_of(self, input_spec)
        top = max(np.atleast_1d(self.params.cutoff))
        if top >= sr / 2:
            raise ConfigError(
                f"stage '{self.name}': cutoff {top:g} Hz is at or above the Nyquist frequency ({sr / 2:g} Hz at "
                f"{sr:g} Hz); lower cutoff or raise the sample rate",
                key=("cutoff",),
            )
        self.input_spec_ = input_spec
        self._sos_cache = {}
        return input_spec

    def sos(self, dtype=np.float64) -> np.ndarray:
        """Second-order sections ``(n_sections, 6)``: b0 b1 b2 a0(=1) a1 a2 per row."""
        cache = self.__dict__.setdefault("_sos_cache", {})
        key = np.dtype(dtype).str
        if key not in cache:
            p = self.params
            sr = self.input_spec_.sample_rate if self.input_spec_ is not None else p.sample_rate
            if sr is None:
                raise ConfigError(
                    f"stage '{self.name}' needs a sample rate; pass sample_rate=...", key=("sample_rate",)
                )
            sos = _signal().butter(p.order, p.cutoff, p.btype, fs=sr, output="sos")
            cache[key] = sos.astype(dtype)
        return cache[key]

    def _zi(self, first: np.ndarray) -> np.ndarray:
        """Initial state ``(n_sections, 2, *first.shape)`` for a window starting with ``first``."""
        sos = self.sos(first.dtype)
        shape = (sos.shape[0], 2) + first.shape
        if self.params.zi == "zeros":
            return np.zeros(shape, dtype=first.dtype)
        base = _signal().sosfilt_zi(self.sos(np.float64)).astype(first.dtype)
        return base.reshape(base.shape + (1,) * first.ndim) * first

    def _transform(self, X):
        # state axis layout for sosfilt along axis=1: (n_sections, n, 2, C)
        zi = np.moveaxis(self._zi(X[:, 0, :]), 2, 1)
        y, _ = _signal().sosfilt(self.sos(X.dtype), X, axis=1, zi=zi)
        return y.astype(X.dtype, copy=False)

    def init_state(self):
        c = _bound(self).n_channels
        n_sec = self.sos().shape[0]
        return {"zi": np.zeros((n_sec, 2, c), dtype=np.float32), "started": np.zeros(1, dtype=np.int8)}

    def _process(self, state, chunk):
        chunk = _as_chunk(self, chunk)
        if not len(chunk):
            return state, chunk
        zi = self._zi(chunk[0]) if not state["started"][0] else state["zi"].astype(chunk.dtype, copy=False)
        y, zf = _signal().sosfilt(self.sos(chunk.dtype), chunk, axis=0, zi=zi)
        return {"zi": zf, "started": np.ones(1, dtype=np.int8)}, y.astype(chunk.dtype, copy=False)

    def cost(self, board=None):
        n_sec = self.sos().shape[0]
        c = self.input_spec_.n_channels
        # direct form II transposed: 5 multiply-adds per section per sample
        return Cost(flash_bytes=20 * n_sec + 256, ram_bytes=8 * n_sec * c, ops=5 * n_sec * self.input_spec_.size)


@register
class Magnitude(RateFree, Stage):
    """Euclidean norm across channels, per sample (``numpy.linalg.norm(x[:, chans], axis=1)``),
    e.g. ``|acc|`` from ax, ay, az. ``mode: append`` adds it as a new last channel; ``mode:
    replace`` drops the channels used and appends the norm (one channel if all were used)."""

    name = "magnitude"
    tags = Tags(role="signal", streaming=True)

    class Params(StageParams):
        type: Literal["magnitude"] = "magnitude"
        channels: list[str | int] | None = Field(
            None, description="channel names (or indices) to combine; default all channels"
        )
        mode: Literal["append", "replace"] = Field("append", description="append the norm or replace those channels")
        output_channel: str = Field("mag", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", description="name of the new channel")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

        @field_validator("channels")
        @classmethod
        def _unique(cls, v):
            if v is not None:
                if not v:
                    raise ValueError("give at least one channel, or leave it out for all channels")
                if len(set(map(str, v))) != len(v):
                    raise ValueError(f"lists a channel twice: {v}")
            return v

    @classmethod
    def examples(cls):
        return [
            {},
            {"channels": ["ch0"], "mode": "replace", "output_channel": "abs0"},
            {"channels": [0, 1], "mode": "replace"},
        ]

    def _indices(self, spec) -> list[int]:
        if self.params.channels is None:
            return list(range(spec.n_channels))
        idx = []
        for c in self.params.channels:
            if isinstance(c, int):
                if not 0 <= c < spec.n_channels:
                    raise ConfigError(
                        f"stage '{self.name}': channel index {c} is out of range (the signal has "
                        f"{spec.n_channels} channels)",
                        key=("channels",),
                    )
                idx.append(c)
            elif c in spec.names:
                idx.append(spec.names.index(c))
            else:
                raise ConfigError(
                    f"stage '{self.name}': no channel named '{c}'; channels are {', '.join(spec.names)}",
                    key=("channels",),
                )
        return idx

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        idx = self._indices(input_spec)
        keep = [n for i, n in enumerate(input_spec.names) if self.params.mode == "append" or i not in idx]
        new = self.params.output_channel
        if new in keep:
            raise ConfigError(
                f"stage '{self.name}': a channel is already called '{new}'; choose another output_channel",
                key=("output_channel",),
            )
        names = keep + [new]
        self._idx = idx
        self._keep = [i for i in range(input_spec.n_channels) if self.params.mode == "append" or i not in idx]
        return Spec.signal(input_spec.length, len(names), input_spec.sample_rate, names)

    def _apply(self, X):
        sel = X[..., self._idx].astype(np.float64) if X.dtype == np.float16 else X[..., self._idx]
        mag = np.sqrt(np.sum(sel * sel, axis=-1, keepdims=True)).astype(X.dtype)
        return np.concatenate([X[..., self._keep], mag], axis=-1)

    def _transform(self, X):
        return self._apply(X)

    def _process(self, state, chunk):
        return state, self._apply(_as_chunk(self, chunk))

    def cost(self, board=None):
        k = len(self._idx)
        n = self.input_spec_.length
        return Cost(flash_bytes=128, ram_bytes=0, ops=n * (2 * k + 14))


def _bound(stage) -> Spec:
    """The bound input spec, or a ConfigError saying how to bind (streaming needs the channels)."""
    if stage.input_spec_ is None:
        raise ConfigError(
            f"stage '{stage.name}' is not bound to an input; call bind(Spec.signal(...)) or transform() first"
        )
    return stage.input_spec_


def _as_chunk(stage, chunk) -> np.ndarray:
    """A streaming chunk ``(n, n_channels)`` of finite numbers, or a one-line DataError."""
    chunk = np.asarray(chunk)
    c = _bound(stage).n_channels
    if chunk.ndim == 1 and c == 1:
        chunk = chunk[:, None]
    if chunk.ndim != 2 or chunk.shape[1] != c:
        raise DataError(f"stage '{stage.name}': expected chunks of shape (n, {c}), got {chunk.shape}")
    if chunk.dtype.kind != "f":
        chunk = chunk.astype(np.float32)
    if not np.all(np.isfinite(chunk)):
        raise DataError(f"stage '{stage.name}': chunk contains NaN or Inf; clean or interpolate the data first")
    return chunk


def _signal():
    """scipy.signal, imported on first use (it costs 0.3-3 s per process)."""
    import scipy.signal

    return scipy.signal
