"""Fixed-point log-mel and MFCC of one frame (q15 samples, q31 power, 64-bit mel sums, Q16 log2):
the numpy reference of ``sf_q15_logmel`` / ``sf_q15_dct`` in ``sensorflow/runtime/c/sf_q15.c``.

Per frame of int16 counts (``sensorflow.dsp.fixed`` conventions):

1. block floating point: ``s = max(0, 14 - floor(log2(max |q|)))`` (0 for silence), ``q << s`` (as
   CMSIS-DSP's arm_mfcc_q15 normalises the frame by its peak), then the q15 window with one
   more halving, ``((q << s) * w + 2^15) >> 16`` (|x| <= 2^14, so every value of the FFT and
   its products fit int16 / int32: the device keeps each complex value as two int16 lanes of
   one word, Cortex-M4 SIMD), and the real FFT of ``sensorflow.dsp.fixed.rfft_q15``: ``FFT / 2n``;
2. power ``re^2 + im^2`` (uint32); mel sums ``sum_k W[j, k] p[k]`` (uint64) with q15 weights
   ``W = q15(w / max(w))``;
3. ``log2`` in Q16 from a 257-entry table of ``log2(1 + i / 256)`` with linear interpolation
   (error below 4e-6, under a quarter of the Q16 step); 0 for a zero sum;
4. dB in Q16: ``((log2 + G - 2 s 65536) * K) >> 15`` with ``K = round(10 log10(2) 32768)`` and
   ``G`` the Q16 log2 of the physical power per unit of the mel sum (FFT scaling, sample scale,
   weight scale); MFCC: ``(D @ dB) >> 15`` with the q15 DCT matrix ``D``.
"""

from __future__ import annotations

import math

import numpy as np

from . import fixed

LOG2_TABLE = np.rint(np.log2(1 + np.arange(257) / 256) * 65536).astype(np.int64)
DB_PER_LOG2_Q15 = int(round(10 * math.log10(2) * 32768))


def log2_q16(v: np.ndarray) -> np.ndarray:
    """Q16 ``log2(v)`` of uint64 values (0 for v = 0 and 1)."""
    v = np.asarray(v, dtype=np.uint64)
    e = np.zeros(v.shape, dtype=np.int64)
    w = v.copy()
    for b in (32, 16, 8, 4, 2, 1):  # e = floor(log2 v), 0 for v = 0
        big = w >= np.uint64(1) << np.uint64(b)
        e += np.where(big, b, 0)
        w = np.where(big, w >> np.uint64(b), w)
    eu = e.astype(np.uint64)
    up = np.minimum(np.int64(31) - e, 31).clip(0).astype(np.uint64)
    down = (e - 31).clip(0).astype(np.uint64)
    y = np.where(eu <= 31, v << up, v >> down).astype(np.int64)  # mantissa in [2^31, 2^32), truncated
    f = np.where(v > 0, y - (1 << 31), 0)
    i, r = f >> 23, (f >> 7) & 0xFFFF
    frac = LOG2_TABLE[i] + (((LOG2_TABLE[np.minimum(i + 1, 256)] - LOG2_TABLE[i]) * r) >> 16)
    return np.where(v > 0, (e << 16) + frac, 0)


def weights_q15(mel: np.ndarray) -> tuple[np.ndarray, float]:
    """q15 mel weights relative to the largest weight, and that weight."""
    wmax = float(np.max(mel))
    return fixed.q15(np.asarray(mel, dtype=np.float64) / wmax), wmax


def db_offset_q16(n_fft: int, k: int, wmax: float) -> int:
    """Q16 log2 of the physical power per unit of the mel sum: (2 n_fft 2^-k)^2 wmax / 32768
    (the FFT's output is ``FFT / 2n``)."""
    return int(round(math.log2((2 * n_fft * 2.0**-k) ** 2 * wmax / 32768) * 65536))


def windowed_half(x: np.ndarray, window_q15) -> np.ndarray:
    """``(x * w + 2^15) >> 16``: the q15 window and a halving, rounded once."""
    return (x.astype(np.int64) * np.asarray(window_q15, dtype=np.int64) + 32768) >> 16


def logmel_db_q16(frames: np.ndarray, window_q15, w_q15, offset_q16: int) -> np.ndarray:
    """dB (Q16, int64) of the mel power of int16 ``frames (..., n_fft)``: ``(..., n_mels)``."""
    s = fixed.headroom(frames)
    x = frames.astype(np.int64) << s[..., None]
    re, im = fixed.rfft_q15(windowed_half(x, window_q15))
    p = (re * re + im * im).astype(np.uint64)
    w = np.asarray(w_q15, dtype=np.uint64)
    m = (p[..., None, :] * w).sum(axis=-1, dtype=np.uint64)
    lg = log2_q16(m) + offset_q16 - (s[..., None] << 17)
    return (lg * DB_PER_LOG2_Q15) >> 15


def dct_q16(db_q16: np.ndarray, dct_q15: np.ndarray) -> np.ndarray:
    """``(D @ dB) >> 15``: MFCC in Q16 (int64)."""
    return (db_q16 @ np.asarray(dct_q15, dtype=np.int64).T) >> 15
