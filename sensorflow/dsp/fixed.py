"""Fixed-point (q15 / q31) front end: the numpy reference of ``sensorflow/runtime/c/sf_q15.c``.

Every function here computes exactly what the C computes, integer operation for integer
operation (arithmetic right shifts, truncation where the C truncates), so host and device
features are bit-identical. Conventions:

- **Counts.** A window of float samples becomes int16 counts ``q = round(x * 2**k)`` (half away
  from zero, saturated to -32768..32767, NaN -> 0): the sensor's scale is ``2**-k`` physical
  units per count, a power of two so the device converts with integer operations only.
- **Window.** q15 taps ``round(w * 32768)`` clipped to 32767; with block floating point (the
  shift ``s`` of ``headroom``) and one more halving, ``xw = ((q << s) * w + 2^15) >> 16``.
- **FFT.** A real FFT as CMSIS-DSP's arm_rfft_q15 builds it: the N/2-point complex FFT of
  ``x[2i] + j x[2i+1]`` (radix-2 decimation in time, bit-reversed input, every stage scaled by
  1/2: ``(a +- b*W) >> 1``; q15 twiddles ``round(cos), round(-sin)`` x 32768 clipped, products
  ``>> 15``, the twiddle 1 exact), then the split with q15 coefficients A, B (each complex
  product ``>> 1``, their sum ``>> 15``: one more halving, all in int32): the output is ``FFT(x) / N`` in counts.
- **Power.** ``re*re + im*im`` (fits uint32: |X| <= 32767 plus the truncation of 6-16 stages);
  bands sum power over their bins and frames in uint64 (q31-and-wider accumulators). The band
  energy takes its frames two at a time as one complex FFT (see ``band_codes``), shifted to
  their peak first (block floating point, as the log-mel of ``sensorflow.dsp.fixed_mel``).
- **Output.** A feature is ``float32(code) * float32(fscale)`` (one correctly rounded int ->
  float conversion and one float32 multiply, identical on the device, soft-float or not).
"""

from __future__ import annotations

import numpy as np

FIXED_STATS = ("mean", "std", "var", "rms", "min", "max", "ptp", "abs_mean", "zero_crossing_rate", "energy")
Q15_ONE = 32768


def scale_exponent(scale: float) -> int:
    """``k`` with ``scale == 2**-k`` (raises ValueError otherwise)."""
    m, e = np.frexp(float(scale))
    if scale <= 0 or m != 0.5:
        raise ValueError(f"must be a power of two (2**-k physical units per count), got {scale!r}")
    return int(1 - e)


def quantize(x: np.ndarray, k: int) -> np.ndarray:
    """int16 counts ``round(x * 2**k)``, half away from zero, saturated; NaN -> 0."""
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    a = np.floor(np.abs(x) * 2.0**k + 0.5)
    a = np.where(np.isnan(a), 0.0, np.minimum(a, 32768.0))
    q = np.where(np.signbit(x), -a, np.minimum(a, 32767.0))
    return q.astype(np.int16)


def q15(values) -> np.ndarray:
    """q15 constants: ``round(v * 32768)`` clipped to -32768..32767."""
    return np.clip(np.rint(np.asarray(values, dtype=np.float64) * Q15_ONE), -32768, 32767).astype(np.int16)


def twiddles(n: int) -> tuple[np.ndarray, np.ndarray]:
    """q15 ``cos(2 pi j / n)`` and ``-sin(2 pi j / n)``, ``j < n / 2``."""
    a = 2 * np.pi * np.arange(n // 2) / n
    return q15(np.cos(a)), q15(-np.sin(a))


def bitrev(n: int) -> np.ndarray:
    bits = int(n).bit_length() - 1
    return np.array([int(format(i, f"0{bits}b")[::-1], 2) for i in range(n)], dtype=np.int64)


def cfft_q15(re: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scaled complex FFT of ``re + j im (..., n)`` in natural order: ``FFT / n`` with the
    per-stage truncations of sf_q15_fft (int64 arrays whose values fit int32)."""
    n = re.shape[-1]
    lead = re.shape[:-1]
    wr_all, wi_all = (t.astype(np.int64) for t in twiddles(n))
    rev = bitrev(n)
    re, im = re.astype(np.int64)[..., rev], im.astype(np.int64)[..., rev]
    half = 1
    while half < n:
        step = n // (2 * half)
        re = re.reshape(*lead, n // (2 * half), 2, half)
        im = im.reshape(re.shape)
        ar, br = re[..., 0, :], re[..., 1, :]
        ai, bi = im[..., 0, :], im[..., 1, :]
        wr = wr_all[np.arange(half) * step]
        wi = wi_all[np.arange(half) * step]
        tr = (br * wr - bi * wi) >> 15
        ti = (br * wi + bi * wr) >> 15
        tr[..., 0], ti[..., 0] = br[..., 0], bi[..., 0]  # twiddle 1: exact
        re = np.stack([(ar + tr) >> 1, (ar - tr) >> 1], axis=-2).reshape(*lead, n)
        im = np.stack([(ai + ti) >> 1, (ai - ti) >> 1], axis=-2).reshape(*lead, n)
        half *= 2
    return re, im


def split_tables(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """q15 ``A = (1 - j W^k) / 2`` and ``B = (1 + j W^k) / 2``, ``W = exp(-2 pi j / n)``,
    ``k = 0 .. n/2`` (CMSIS-DSP's arm_rfft_q15 split coefficients): Ar, Ai, Br, Bi."""
    a = 2 * np.pi * np.arange(n // 2 + 1) / n
    return q15((1 - np.sin(a)) / 2), q15(-np.cos(a) / 2), q15((1 + np.sin(a)) / 2), q15(np.cos(a) / 2)


def rfft_q15(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scaled real FFT of real q15 ``frames (..., n)``, as arm_rfft_q15 computes it: the n/2-point
    complex FFT of ``x[2i] + j x[2i+1]`` then the split ``X[k] = A[k] Z[k] + B[k] conj(Z[n/2-k])``,
    each of the two products halved (``>> 1``, so every sum fits int32) and their sum ``>> 15``. Returns ``(re, im)`` of bins ``0..n/2``, each ``FFT / n``."""
    n = frames.shape[-1]
    h = n // 2
    zr, zi = cfft_q15(frames[..., 0::2], frames[..., 1::2])
    k = np.arange(h + 1)
    m = (h - k) % h
    kk = k % h
    ar, ai, br, bi = (t.astype(np.int64) for t in split_tables(n))
    a_r, a_i, b_r, b_i = zr[..., kk], zi[..., kk], zr[..., m], zi[..., m]
    xr = (((a_r * ar - a_i * ai) >> 1) + ((b_r * br + b_i * bi) >> 1)) >> 15
    xi = (((a_r * ai + a_i * ar) >> 1) + ((b_r * bi - b_i * br) >> 1)) >> 15
    return xr, xi


def headroom(frames: np.ndarray) -> np.ndarray:
    """The left shift ``s`` per frame that brings max |q| to [2^14, 2^15] (0 for silence): block
    floating point, as CMSIS-DSP's arm_mfcc_q15 normalises a frame by its peak."""
    peak = np.abs(frames.astype(np.int64)).max(axis=-1)
    bits = np.zeros(peak.shape, dtype=np.int64)
    p = peak.copy()
    while np.any(p > 1):
        bits += p > 1
        p >>= 1
    return np.where(peak > 0, np.maximum(14 - bits, 0), 0)


def band_ranges(band_of_bin: np.ndarray, n_bands: int) -> tuple[np.ndarray, np.ndarray]:
    """First bin and number of bins of each band (a band is a run of neighbouring bins)."""
    lo, n = np.zeros(n_bands, np.int64), np.zeros(n_bands, np.int64)
    for b in range(n_bands):
        k = np.flatnonzero(band_of_bin == b)
        if len(k) and k[-1] - k[0] + 1 != len(k):
            raise ValueError(f"band {b} is not a run of neighbouring bins")
        lo[b], n[b] = (k[0], len(k)) if len(k) else (0, 0)
    return lo, n


def band_codes(counts: np.ndarray, n_fft: int, hop: int, window_q15: np.ndarray, band_of_bin: np.ndarray, n_bands: int):
    """Band energy codes ``(n, C, n_bands)`` uint64 of int16 ``counts (n, length, C)``.

    Frames go in pairs (a lone last frame with a frame of zeros) as one complex FFT: two real
    signals a, b and ``Z = FFT(a + j b) / n`` give ``|A_k|^2 + |B_k|^2 = (|Z_k|^2 + |Z_{n-k}|^2) / 2``,
    the two frames' summed power with no split. Per pair: block floating point to the pair's
    peak (``s = headroom``, ``((q << s) * w + 2^15) >> 16``: |x| <= 2^14, every FFT value fits
    int16), the n_fft-point scaled complex FFT (``cfft_q15``), ``P_k = |Z_k|^2 + |Z_{n-k}|^2``
    (int32), each band's ``P_k`` summed (uint32: at most ~2^30, Parseval) and brought back to the
    units of ``|FFT(q w) / n|^2`` (``<< 1 >> 2 s``, truncating), summed over the pairs in uint64."""
    n, length, C = counts.shape
    starts = list(range(0, length - n_fft + 1, hop))
    x = np.ascontiguousarray(counts.transpose(0, 2, 1))
    frames = [x[..., s : s + n_fft] for s in starts]
    if len(frames) % 2:
        frames.append(np.zeros_like(frames[0]))
    frames = np.stack(frames, axis=-2).astype(np.int64)  # (n, C, T, n_fft), T even
    a, b = frames[..., 0::2, :], frames[..., 1::2, :]
    s = headroom(np.concatenate([a, b], axis=-1))  # (n, C, T / 2)
    w = window_q15.astype(np.int64)
    zr, zi = cfft_q15(((a << s[..., None]) * w + 32768) >> 16, ((b << s[..., None]) * w + 32768) >> 16)
    pz = zr * zr + zi * zi
    k = np.arange(n_fft // 2 + 1)
    pk = pz[..., k] + pz[..., (n_fft - k) % n_fft]
    out = np.zeros((n, C, n_bands), dtype=np.uint64)
    for band in range(n_bands):
        part = (pk[..., band_of_bin == band].sum(axis=-1) << 1) >> (2 * s)  # (n, C, T / 2)
        out[..., band] = part.astype(np.uint64).sum(axis=-1, dtype=np.uint64)
    return out


def band_fscale(n_fft: int, k: int, n_frames: int) -> float:
    """Physical energy per band code: ``(n_fft * 2**-k)**2 / n_frames``."""
    return (n_fft * 2.0**-k) ** 2 / n_frames


def isqrt(v: np.ndarray) -> np.ndarray:
    """Exact ``floor(sqrt(v))`` of non-negative int64 values."""
    v = np.asarray(v, dtype=np.int64)
    r = np.floor(np.sqrt(v.astype(np.float64))).astype(np.int64)
    for _ in range(2):
        r = np.where(r * r > v, r - 1, r)
        r = np.where((r + 1) * (r + 1) <= v, r + 1, r)
    return r


def stat_codes(counts: np.ndarray, functions) -> np.ndarray:
    """Integer codes ``(n, C, len(functions))`` int64 of int16 ``counts (n, length, C)``."""
    x = counts.astype(np.int64)
    n = x.shape[1]
    s = x.sum(axis=1)
    q = (x * x).sum(axis=1)
    lo, hi = x.min(axis=1), x.max(axis=1)
    neg = x < 0
    codes = {
        "mean": s,
        "var": n * q - s * s,
        "std": isqrt(n * q - s * s),
        "rms": isqrt(n * q),
        "min": lo,
        "max": hi,
        "ptp": hi - lo,
        "abs_mean": np.abs(x).sum(axis=1),
        "zero_crossing_rate": np.count_nonzero(neg[:, 1:] != neg[:, :-1], axis=1).astype(np.int64),
        "energy": q,
    }
    return np.stack([codes[f] for f in functions], axis=-1)


def stat_fscales(functions, n: int, k: int) -> np.ndarray:
    """Physical value per code of each statistic (float64; the C holds the float32)."""
    s = 2.0**-k
    per = {
        "mean": s / n,
        "var": s * s / (n * n),
        "std": s / n,
        "rms": s / n,
        "min": s,
        "max": s,
        "ptp": s,
        "abs_mean": s / n,
        "zero_crossing_rate": 1.0 / n,
        "energy": s * s,
    }
    return np.array([per[f] for f in functions], dtype=np.float64)


def max_code_bits(functions, n: int) -> int:
    """Bits of the largest code a window of ``n`` samples can give (codes must stay below 2**53
    for the float64 -> float32 reference conversion and 2**63 for the C int64)."""
    big = {"var": n * n * 2**30, "energy": n * 2**30, "rms": n * 2**15}
    return max(int(big.get(f, n * 2**15)).bit_length() for f in functions)


def to_features(codes: np.ndarray, fscales) -> np.ndarray:
    """``float32(code) * float32(fscale)``, as the C writes each feature."""
    c = np.asarray(codes).astype(np.float64).astype(np.float32)
    return c * np.asarray(fscales, dtype=np.float64).astype(np.float32)
