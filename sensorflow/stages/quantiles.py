"""Quantiles of each channel over fixed dyadic intervals, of the signal and of its first
difference: ``quantiles``.

After QUANT (Dempster, Schmidt and Webb, "QUANT: a minimalist interval method for time series
classification", 2024): level ``l < depth`` splits a representation of ``m`` samples into
``2**l`` intervals with edges ``floor(i * m / 2**l)``, and each interval gives its
``n_quantiles + 1`` quantiles at probabilities ``k / n_quantiles`` (k = 0 is the minimum,
``n_quantiles`` the maximum). Representations: the signal and, with ``diff``, its first
difference ``x[t + 1] - x[t]`` (``numpy.diff``, ``m - 1`` samples).

Quantile convention: numpy's default (``method="linear"``): position ``k (m - 1) / q`` in the
sorted interval, linear between its neighbours. The position is kept as integers
(``i = k (m - 1) // q``, ``r = k (m - 1) % q``), so the value is ``s[i]`` when ``r == 0`` and
``s[i] + (s[i + 1] - s[i]) * (r / q)`` otherwise, in float32 (the C and MicroPython kernels
compute the same expression; ``numpy.quantile`` agrees within float32 rounding,
tests/dsp/test_quantiles.py).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..cost import Cost
from ..dsp.params import RateFree, check_min_length, sample_rate_of
from ..registry import register
from ..spec import Spec
from .base import Stage, StageParams, Tags


def interval_edges(m: int, level: int) -> np.ndarray:
    """The ``2**level + 1`` edges ``floor(i * m / 2**level)`` of level ``level`` over ``m`` samples."""
    parts = 1 << level
    return (np.arange(parts + 1, dtype=np.int64) * m) // parts


def sorted_quantiles(s: np.ndarray, q: int) -> np.ndarray:
    """Quantiles ``k / q`` (k = 0..q) of the sorted float32 values ``s`` along the last axis."""
    m = s.shape[-1]
    out = np.empty(s.shape[:-1] + (q + 1,), dtype=s.dtype)
    for k in range(q + 1):
        i, r = divmod(k * (m - 1), q)
        lo = s[..., i]
        if r == 0:
            out[..., k] = lo
        else:
            frac = s.dtype.type(np.float32(r) / np.float32(q))
            out[..., k] = lo + (s[..., i + 1] - lo) * frac
    return out


@register
class Quantiles(RateFree, Stage):
    """Per channel: quantiles over dyadic intervals of the signal (and its first difference);
    features ``<channel>_<x|dx>_l<level>i<interval>_q<k>``, channel by channel, then
    representation, level, interval and k."""

    name = "quantiles"
    tags = Tags(role="feature")

    class Params(StageParams):
        type: Literal["quantiles"] = "quantiles"
        n_quantiles: int = Field(4, ge=1, le=64, description="q: each interval gives q + 1 quantiles (k / q)")
        depth: int = Field(3, ge=1, le=6, description="levels of intervals: level l has 2**l intervals")
        diff: bool = Field(True, description="also the quantiles of the first difference x[t+1] - x[t]")
        sample_rate: float | None = Field(None, gt=0, description="only when used alone (Hz)")

    @classmethod
    def examples(cls):
        return [{}, {"n_quantiles": 1, "depth": 1, "diff": False}, {"n_quantiles": 7, "depth": 4}]

    @property
    def representations(self) -> tuple[str, ...]:
        return ("x", "dx") if self.params.diff else ("x",)

    def output_spec(self, input_spec):
        sample_rate_of(self, input_spec)
        p = self.params
        parts = 1 << (p.depth - 1)
        need = parts + 1 if p.diff else parts
        check_min_length(self, "depth", need, input_spec.length, f"depth={p.depth} (every interval one sample)")
        names = [
            f"{ch}_{rep}_l{lv}i{j}_q{k}"
            for ch in input_spec.names
            for rep in self.representations
            for lv in range(p.depth)
            for j in range(1 << lv)
            for k in range(p.n_quantiles + 1)
        ]
        return Spec.vector(names)

    def _transform(self, X):
        p = self.params
        dtype = X.dtype
        X = X if dtype in (np.float32, np.float64) else X.astype(np.float32)  # the device's float32
        cols = []
        for c in range(X.shape[2]):
            x = X[:, :, c]
            for rep in self.representations:
                v = x if rep == "x" else x[:, 1:] - x[:, :-1]
                m = v.shape[1]
                for lv in range(p.depth):
                    e = interval_edges(m, lv)
                    for a, b in zip(e[:-1], e[1:]):
                        cols.append(sorted_quantiles(np.sort(v[:, a:b], axis=1), p.n_quantiles))
        return np.concatenate(cols, axis=1).astype(dtype)

    def cost(self, board=None):
        """Heapsort of every interval (measured on the Cortex-M4F, -O2: about 18.5 instructions
        per m log2(m) on ACSF1's 1460 samples; counted as 20), the copy or difference into the
        scratch, and the quantiles."""
        p, spec = self.params, self.input_spec_
        n, C = spec.length, spec.n_channels
        ops = 0
        for rep in self.representations:
            m = n if rep == "x" else n - 1
            for lv in range(p.depth):
                e = interval_edges(m, lv)
                for a, b in zip(e[:-1], e[1:]):
                    w = int(b - a)
                    ops += 3 * w + 20 * w * max(1, int(np.ceil(np.log2(max(w, 2))))) + 6 * (p.n_quantiles + 1) + 20
        return Cost(flash_bytes=900, ram_bytes=4 * n, ops=C * ops)
