"""MiniRocket (Dempster, Schmidt & Webb, KDD 2021) in numpy float32, after the authors' code as
aeon 1.x ships it (``aeon.transformations.collection.convolution_based.MiniRocket``).

The 84 kernels have length 9, weight -1 on six taps and +2 on three (``KERNELS``: the three
indices, ``itertools.combinations(range(9), 3)`` order). Tap ``i`` of a kernel at dilation ``d``
reads ``x[t + (i - 4) d]`` (zero outside the window, output length = input length). As in the
paper the convolution is additions: ``alpha = -x`` summed over the nine taps, then ``3 x`` at the
three chosen taps. The float32 sums run in the reference order, which the C kernel
(``sf_minirocket.c``) repeats: ``alpha`` = tap 4, 0, 1, 2, 3, 5, 6, 7, 8 (taps outside the window
skipped), then ``((alpha + g_a) + g_b) + g_c`` with ``g = 3 x`` (0 outside), per channel, and the
channels of a combination summed in their listed order. ``3 x`` is one rounding, as ``x + x + x``.

A feature is PPV, the proportion of positive values ``count(C > bias) / m``: ``m`` is the window
length when the feature uses zero padding (``padding`` 1), else the valid part
``C[4d : n - 4d]`` (``padding`` 0; alternates with kernel and dilation index as in the paper).
Where that part is empty (8 d >= n: a series shorter than the window the dilations were fitted
for, ``window.pad: valid``; aeon's mean of nothing is NaN there) the feature counts over all
n outputs, as the authors' variable-length MiniRocket does for every feature.
It is ``float32(count / m)`` with the division in float64 (as aeon's ``mean()``; equal to a float32
division). A bias equal to a convolution value counts as not above it (strict ``>``).

Fitting follows the paper: dilations ``floor(2^linspace(0, log2((n-1)/8)))`` (unique, features
shared out as aeon's ``_fit_dilations``), biases = quantiles ``(i * golden) % 1`` of the
convolution output of one random training window per (dilation, kernel), channel combinations of
``floor(2^U(0, log2(min(C, 9) + 1)))`` distinct channels per (dilation, kernel). Randomness comes
from ``numpy.random.default_rng(seed)``, so a fit is reproducible but not aeon's draw; to match
aeon's features exactly load its fitted parameters with :func:`from_aeon_parameters`.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

KERNELS = np.array(list(combinations(range(9), 3)), dtype=np.int64)  # (84, 3)
N_KERNELS = 84
ALPHA_ORDER = (0, 1, 2, 3, 5, 6, 7, 8)  # added to tap 4 in this order


def fit_dilations(length: int, n_features: int, max_dilations_per_kernel: int = 32):
    """Dilations and features per dilation (aeon ``_fit_dilations``), for ``n_features`` >= 84."""
    per_kernel = n_features // N_KERNELS
    true_max = min(per_kernel, max_dilations_per_kernel)
    multiplier = per_kernel / true_max
    max_exponent = np.log2((length - 1) / (9 - 1))
    dilations, counts = np.unique(np.logspace(0, max_exponent, true_max, base=2).astype(np.int32), return_counts=True)
    counts = (counts * multiplier).astype(np.int32)
    remainder = per_kernel - int(np.sum(counts))
    i = 0
    while remainder > 0:
        counts[i] += 1
        remainder -= 1
        i = (i + 1) % len(counts)
    return dilations.astype(np.int64), counts.astype(np.int64)


def quantiles(n: int) -> np.ndarray:
    """The paper's low-discrepancy quantiles ``(i * golden) % 1``, i = 1..n, float32."""
    phi = (np.sqrt(5) + 1) / 2
    return np.array([(i * phi) % 1 for i in range(1, n + 1)], dtype=np.float32)


def expand(n_channels_per_combination, channel_indices, dilations, n_features_per_dilation, biases) -> dict:
    """Per-feature arrays from the paper's parameter tuple (aeon's ``parameters``), in its
    feature order (dilation, then kernel, then bias)."""
    npc = np.asarray(n_channels_per_combination, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(npc)]).astype(np.int64)
    kernel, dilation, padding, combination = [], [], [], []
    comb = 0
    for j, (d, nf) in enumerate(zip(dilations, n_features_per_dilation)):
        for k in range(N_KERNELS):
            kernel += [k] * int(nf)
            dilation += [int(d)] * int(nf)
            padding += [1 - (j + k) % 2] * int(nf)  # aeon: _padding1 == 0 -> zero-padded full length
            combination += [comb] * int(nf)
            comb += 1
    return {
        "kernel_": np.asarray(kernel, dtype=np.int64),
        "dilation_": np.asarray(dilation, dtype=np.int64),
        "padding_": np.asarray(padding, dtype=np.int64),
        "bias_": np.asarray(biases, dtype=np.float32).copy(),
        "combination_": np.asarray(combination, dtype=np.int64),
        "combination_offsets_": offsets[: comb + 1],
        "combination_channels_": np.asarray(channel_indices, dtype=np.int64)[: offsets[comb]].copy(),
    }


def from_aeon_parameters(parameters) -> dict:
    """Learned arrays of the ``minirocket`` stage from a fitted aeon MiniRocket's ``parameters``."""
    return expand(*parameters)


def _shift(x: np.ndarray, s: int) -> np.ndarray:
    """``out[:, t] = x[:, t + s]``, zero outside (x: (n, L, ...))."""
    out = np.zeros_like(x)
    L = x.shape[1]
    if abs(s) >= L:
        return out
    if s >= 0:
        out[:, : L - s] = x[:, s:]
    else:
        out[:, -s:] = x[:, : L + s]
    return out


def _tap_valid(L: int, s: int) -> slice:
    return slice(0, L - s) if s >= 0 else slice(-s, L)


class DilationTaps:
    """``alpha`` (sum of -x over the 9 taps) and ``g_i = 3 x`` shifted to tap i, all channels,
    for one dilation: (n, L, C) float32 each, in the reference summation order."""

    def __init__(self, X: np.ndarray, d: int):
        X = np.asarray(X, dtype=np.float32)
        L = X.shape[1]
        A = -X
        G = X + X + X
        alpha = A.copy()
        for i in ALPHA_ORDER:
            s = (i - 4) * d
            if abs(s) >= L:
                continue
            v = _tap_valid(L, s)
            alpha[:, v] = alpha[:, v] + A[:, slice(v.start + s, v.stop + s)]
        self.alpha = alpha
        self.g = [G if i == 4 else _shift(G, (i - 4) * d) for i in range(9)]

    def kernel(self, k: int, channels, rows=slice(None)) -> np.ndarray:
        """Convolution output (n, L) float32 of kernel k summed over ``channels`` in order."""
        a, b, c = KERNELS[k]
        out = None
        for ch in channels:
            al, ga, gb, gc = (v[rows, :, ch] for v in (self.alpha, self.g[a], self.g[b], self.g[c]))
            v = ((al + ga) + gb) + gc
            out = v if out is None else out + v
        return out


def ppv(C: np.ndarray, biases: np.ndarray, dilation: int, padding: np.ndarray) -> np.ndarray:
    """PPV of each bias over C (n, L): (n, len(biases)) float32."""
    L = C.shape[1]
    p = 4 * int(dilation)
    out = np.empty((C.shape[0], len(biases)), dtype=np.float32)
    for j, (b, pad) in enumerate(zip(np.asarray(biases, dtype=np.float32), padding)):
        part = C if pad or 2 * p >= L else C[:, p : L - p]  # an empty valid part: all outputs
        out[:, j] = (np.count_nonzero(part > b, axis=1) / part.shape[1]).astype(np.float32)
    return out


def transform(X: np.ndarray, learned: dict, batch: int = 256) -> np.ndarray:
    """PPV features (n, n_features) float32 of windows X (n, L, C) for the learned arrays."""
    X = np.asarray(X, dtype=np.float32)
    kernel, dilation, padding = learned["kernel_"], learned["dilation_"], learned["padding_"]
    bias, comb = learned["bias_"], learned["combination_"]
    offs, chans = learned["combination_offsets_"], learned["combination_channels_"]
    out = np.empty((len(X), len(bias)), dtype=np.float32)
    groups: dict[tuple, list[int]] = {}
    for f in range(len(bias)):
        groups.setdefault((int(dilation[f]), int(kernel[f]), int(comb[f])), []).append(f)
    by_dilation: dict[int, list] = {}
    for key, fs in groups.items():
        by_dilation.setdefault(key[0], []).append((key, np.asarray(fs)))
    for start in range(0, len(X), batch):
        xb = X[start : start + batch]
        for d, items in by_dilation.items():
            taps = DilationTaps(xb, d)
            for (_, k, g), fs in items:
                C = taps.kernel(k, chans[offs[g] : offs[g + 1]])
                out[start : start + len(xb), fs] = ppv(C, bias[fs], d, padding[fs])
    return out


def transform_lengths(X: np.ndarray, learned: dict, lengths) -> np.ndarray:
    """:func:`transform` of each window cut to its first ``lengths[i]`` samples (``window.pad: valid``)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out = np.empty((len(X), len(learned["bias_"])), dtype=np.float32)
    for n in np.unique(lengths):
        rows = np.flatnonzero(lengths == n)
        out[rows] = transform(np.asarray(X)[rows, : int(n)], learned)
    return out


def fit(X: np.ndarray, n_features: int, max_dilations_per_kernel: int, seed: int, lengths=None) -> dict:
    """Dilations, channel combinations and biases from training windows X (n, L, C). ``lengths``
    (``window.pad: valid``): each window's valid samples; a bias is then a quantile of the
    convolution of the picked window cut to its length (as the authors' variable-length
    MiniRocket fits), the dilations still those of the window length (their ``reference_length``
    ``max``)."""
    X = np.asarray(X, dtype=np.float32)
    n, L, n_channels = X.shape
    rng = np.random.default_rng(seed)
    dilations, per_dilation = fit_dilations(L, n_features, max_dilations_per_kernel)
    n_comb = N_KERNELS * len(dilations)
    max_exponent = np.log2(min(n_channels, 9) + 1)
    npc = (2 ** rng.uniform(0, max_exponent, n_comb)).astype(np.int64)
    channels = np.concatenate([rng.choice(n_channels, int(m), replace=False) for m in npc]).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(npc)])
    q = quantiles(N_KERNELS * int(np.sum(per_dilation)))
    biases = np.zeros(len(q), dtype=np.float32)
    f0, comb = 0, 0
    for d, nf in zip(dilations, per_dilation):
        picks = rng.integers(n, size=N_KERNELS)
        taps = DilationTaps(X[picks], int(d)) if lengths is None else None
        for k in range(N_KERNELS):
            chans = channels[offsets[comb] : offsets[comb + 1]]
            if taps is None:
                C = DilationTaps(X[picks[k], : int(lengths[picks[k]])][None], int(d)).kernel(k, chans, rows=0)
            else:
                C = taps.kernel(k, chans, rows=k)
            biases[f0 : f0 + nf] = np.quantile(C, q[f0 : f0 + nf])
            f0 += int(nf)
            comb += 1
    return expand(npc, channels, dilations, per_dilation, biases)


def subset(learned: dict, keep) -> dict:
    """The learned arrays restricted to features ``keep`` (in that order); unused channel
    combinations are dropped and the rest renumbered."""
    keep = np.asarray(keep, dtype=np.int64)
    used, new_comb = np.unique(learned["combination_"][keep], return_inverse=True)
    offs, chans = learned["combination_offsets_"], learned["combination_channels_"]
    parts = [chans[offs[g] : offs[g + 1]] for g in used]
    out = {k: np.asarray(learned[k])[keep].copy() for k in ("kernel_", "dilation_", "padding_", "bias_")}
    out["combination_"] = new_comb.astype(np.int64)
    out["combination_offsets_"] = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    out["combination_channels_"] = (np.concatenate(parts) if parts else np.zeros(0)).astype(np.int64)
    return out
