"""Post-processing over the sequence of per-window scores: ``smooth`` -> ``threshold`` ->
``refractory`` turns a wake-word model's per-window probabilities into events.

Each stage's batch ``transform`` takes the whole sequence ``(n_windows, n_classes)`` in time
order; ``process(state, chunk)`` is the streaming form with array-only state (it maps onto a
C struct) and gives the same output as the batch form for any chunking.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from ..cost import Cost
from ..errors import ConfigError, DataError
from ..registry import register
from .base import Stage, StageParams, Tags


class _Post(Stage):
    tags = Tags(role="post", streaming=True, stateful=True)

    def output_spec(self, input_spec):
        return input_spec

    def _classes_known(self) -> bool:
        return self.input_spec_ is not None and self.input_spec_.shape[0] > 0

    def process(self, state, chunk):
        chunk = np.asarray(chunk)
        if chunk.ndim != 2:
            raise DataError(
                f"stage '{self.name}': expected a chunk of scores (n_windows, n_classes), got {chunk.shape}"
            )
        if self.input_spec_ is None:
            self._auto_bind(chunk)
        return super().process(state, chunk)

    def check_input(self, X):
        X = np.asarray(X)
        if self.input_spec_ is not None and not self._classes_known() and X.ndim == 2:
            self.input_spec_ = None  # bound before the model knew its classes: bind to what arrives
        return super().check_input(X)

    def _n(self) -> int:
        return int(self.input_spec_.shape[0]) if self.input_spec_ is not None else 1


@register
class Smooth(_Post):
    """Moving average of each class's score over the last ``windows`` windows (fewer at the
    start of a stream: the mean of what has arrived)."""

    name = "smooth"

    class Params(StageParams):
        type: Literal["smooth"] = "smooth"
        windows: int = Field(3, ge=1, description="number of windows averaged")

    def init_state(self):
        n = self.params.windows - 1
        return {"history": np.zeros((n, self._n()), dtype=np.float32), "count": np.zeros(1, dtype=np.int64)}

    def _average(self, history: np.ndarray, count: int, S: np.ndarray) -> np.ndarray:
        """Mean over windows t-N+1..t of ``concat(history, S)``; ``count`` rows of history are real."""
        N = self.params.windows
        full = np.concatenate([history.astype(S.dtype), S])  # N-1 rows of history, then S
        out = np.zeros_like(S)
        for k in range(N):  # oldest to newest, the same order in every chunking
            out += full[k : k + len(S)]
        seen = np.minimum(count + np.arange(1, len(S) + 1), N).astype(S.dtype)
        return out / seen[:, None]

    def _transform(self, S):
        state = self.init_state()
        return self._process(state, S)[1]

    def _process(self, state, chunk):
        N = self.params.windows
        hist = state["history"]
        if hist.shape[1] != chunk.shape[1]:
            hist = np.zeros((N - 1, chunk.shape[1]), dtype=chunk.dtype)
        count = int(state["count"][0])
        out = self._average(hist, count, chunk)
        full = np.concatenate([hist.astype(chunk.dtype), chunk])
        new = {"history": full[len(full) - (N - 1) :] if N > 1 else full[:0], "count": np.array([count + len(chunk)])}
        return new, out

    def cost(self, board=None):
        c, n = self._n(), self.params.windows
        return Cost(flash_bytes=128, ram_bytes=4 * c * n + 4, ops=c * (n + 1))

    @classmethod
    def examples(cls):
        return [{}, {"windows": 1}, {"windows": 5}]


@register
class Threshold(_Post):
    """1 where a class's score is >= its threshold, else 0. ``threshold`` is one value or a
    mapping class -> value; ``target`` limits detections to the listed classes (the rest
    give 0), e.g. the keywords but not ``_background``."""

    name = "threshold"

    class Params(StageParams):
        type: Literal["threshold"] = "threshold"
        threshold: float | dict[str | int, float] = Field(
            0.5, description="score a class must reach, or class -> score"
        )
        target: str | int | list[str | int] | None = Field(None, description="classes that may fire (default: all)")

    def output_spec(self, input_spec):
        if input_spec.shape[0] > 0:  # classes known (after fit): check the names used
            names = list(input_spec.names)
            thr = self.params.threshold
            used = [("threshold", str(c)) for c in (thr if isinstance(thr, dict) else [])]
            used += [("target", c) for c in self._targets() or []]
            for key, c in used:
                if c not in names:
                    raise ConfigError(f"class '{c}' is not one of the model's classes {names}", key=(key,))
        return input_spec

    def _targets(self) -> list[str] | None:
        t = self.params.target
        if t is None:
            return None
        return [str(v) for v in (t if isinstance(t, list) else [t])]

    def thresholds(self) -> np.ndarray:
        """Per class threshold; +inf for classes that may not fire."""
        n = self._n()
        names = list(self.input_spec_.names) if self._classes_known() else [str(i) for i in range(n)]
        thr = self.params.threshold
        if isinstance(thr, dict):
            thr = {str(k): v for k, v in thr.items()}
        out = np.array([thr.get(c, np.inf) if isinstance(thr, dict) else thr for c in names], dtype=np.float64)
        targets = self._targets()
        if targets is not None:
            out[[c not in targets for c in names]] = np.inf
        return out

    def _transform(self, S):
        return (S >= self.thresholds().astype(S.dtype)).astype(S.dtype)

    def _process(self, state, chunk):
        return state, self._transform(chunk)

    def cost(self, board=None):
        c = self._n()
        return Cost(flash_bytes=4 * c + 64, ram_bytes=0, ops=c)

    @classmethod
    def examples(cls):
        return [{}, {"threshold": 0.4, "target": "a"}, {"threshold": {"a": 0.3, "b": 0.6}}]


@register
class Refractory(_Post):
    """Pass a detection (value > 0), then suppress detections for the next ``windows``
    windows, or ``seconds`` (rounded up to whole windows at the window rate). Per class, or
    across all classes with ``per_class: false``."""

    name = "refractory"

    class Params(StageParams):
        type: Literal["refractory"] = "refractory"
        windows: int | None = Field(None, ge=0, description="windows suppressed after a detection")
        seconds: float | None = Field(None, ge=0, description="time suppressed after a detection")
        per_class: bool = Field(True, description="suppress only the class that fired")

        @model_validator(mode="after")
        def _one_of(self):
            if (self.windows is None) == (self.seconds is None):
                raise ValueError("give exactly one of 'windows' or 'seconds'")
            return self

    def output_spec(self, input_spec):
        if self.params.seconds is not None and not input_spec.sample_rate:
            raise ConfigError(
                "'seconds' needs the window rate; use it inside a pipeline or give 'windows'", key=("seconds",)
            )
        return input_spec

    def hold_windows(self) -> int:
        if self.params.windows is not None:
            return int(self.params.windows)
        rate = float(self.input_spec_.sample_rate)  # windows per second
        return int(np.ceil(self.params.seconds * rate - 1e-9))

    def init_state(self):
        n = self._n() if self.params.per_class else 1
        return {"remaining": np.zeros(n, dtype=np.int64)}

    def _transform(self, S):
        return self._process(self.init_state(), S)[1]

    def _process(self, state, chunk):
        hold = self.hold_windows()
        remaining = state["remaining"].copy()
        if self.params.per_class and len(remaining) != chunk.shape[1]:
            remaining = np.zeros(chunk.shape[1], dtype=np.int64)
        out = np.zeros_like(chunk)
        for t in range(len(chunk)):
            if self.params.per_class:
                fire = (chunk[t] > 0) & (remaining == 0)
                out[t, fire] = chunk[t, fire]
                remaining = np.where(fire, hold, np.maximum(remaining - 1, 0))
            else:
                if remaining[0] == 0 and np.any(chunk[t] > 0):
                    out[t] = chunk[t]
                    remaining[0] = hold
                else:
                    remaining[0] = max(remaining[0] - 1, 0)
        return {"remaining": remaining}, out

    def cost(self, board=None):
        c = self._n()
        return Cost(flash_bytes=96, ram_bytes=4 * c, ops=3 * c)

    @classmethod
    def examples(cls):
        return [{"windows": 2}, {"windows": 3, "per_class": False}]

    @classmethod
    def example_input(cls, params, rng):
        spec, X, y = super().example_input(params, rng)
        return spec, (X > 0.5).astype(np.float32), y
