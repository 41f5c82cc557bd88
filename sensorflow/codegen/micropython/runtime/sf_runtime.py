"""sensorflow runtime kernels for MicroPython (ESP32 firmware and other ports).

Hand-written for MicroPython: only ``array``, ``math`` and ``struct``, no numpy. Signals are
``array('f')`` with interleaved channels (``x[t * C + c]``); every kernel writes into
buffers its caller allocated once, so the per-window path does not allocate arrays.
Each kernel follows the numpy reference of the stage named in its docstring
(``sensorflow/stages``). On an ESP32, MicroPython floats are float32; values stored into
``array('f')`` are float32 on every port.
"""

import math
import struct
from array import array

_FLT_MAX = 3.4028234e38  # C's FLT_MAX, rounded as a float32 parser rounds it (no overflow to inf)

# ---------------------------------------------------------------------- signal stages


def scale(x, n, C, gain, offset):
    """In place: x = x * gain[c] + offset[c] (stage ``scale``)."""
    for t in range(n):
        b = t * C
        for c in range(C):
            x[b + c] = x[b + c] * gain[c] + offset[c]


def dc_remove(x, n, C):
    """In place: subtract each channel's mean over the window (stage ``dc_remove``)."""
    for c in range(C):
        s = 0.0
        for t in range(n):
            s += x[t * C + c]
        m = s / n
        for t in range(n):
            x[t * C + c] -= m


def pre_emphasis(x, n, C, coef, repeat):
    """In place: y[t] = x[t] - coef * x[t-1], x[-1] = 0 or x[0] (stage ``pre_emphasis``)."""
    for c in range(C):
        prev = x[c] if repeat else 0.0
        for t in range(n):
            i = t * C + c
            v = x[i]
            x[i] = v - coef * prev
            prev = v


def sosfilt(x, n, C, sos, n_sec, zi_steady, z):
    """In place, per channel: cascade of biquads in transposed direct form II, as
    scipy.signal.sosfilt (stage ``butter``). ``sos`` rows b0 b1 b2 a1 a2; ``zi_steady``
    (2 per section) times x[0] is the start state, or None for zeros; ``z`` scratch (2*n_sec)."""
    for c in range(C):
        x0 = x[c]
        for s in range(2 * n_sec):
            z[s] = zi_steady[s] * x0 if zi_steady is not None else 0.0
        for t in range(n):
            i = t * C + c
            v = x[i]
            for s in range(n_sec):
                k = 5 * s
                y = sos[k] * v + z[2 * s]
                z[2 * s] = sos[k + 1] * v - sos[k + 3] * y + z[2 * s + 1]
                z[2 * s + 1] = sos[k + 2] * v - sos[k + 4] * y
                v = y
            x[i] = v


def magnitude(x, n, C, idx, keep, y):
    """y (n, len(keep)+1) = kept channels then the Euclidean norm of channels ``idx`` (stage ``magnitude``)."""
    Co = len(keep) + 1
    for t in range(n):
        b = t * C
        o = t * Co
        for j in range(len(keep)):
            y[o + j] = x[b + keep[j]]
        s = 0.0
        for c in idx:
            v = x[b + c]
            s += v * v
        y[o + Co - 1] = math.sqrt(s)


# ---------------------------------------------------------------------- statistics
# function codes, in the order of sensorflow.stages.stats.FUNCTIONS
MEAN, STD, VAR, RMS, MIN, MAX, PTP, ABS_MEAN, SKEW, KURTOSIS, ZCR, CREST, ENERGY = range(13)
CONSTANT_RTOL = 1e-5
ZCR_THRESHOLD = 1e-10


def stats(x, n, C, codes, dst, off):
    """Per channel, the statistics ``codes`` into dst[off:], channel by channel (stage
    ``stats``: population moments, biased skew, Fisher kurtosis, librosa zero-crossing
    rate, 0 for skew/kurtosis of a constant channel). Returns the next offset."""
    for c in range(C):
        s = 0.0
        sa = 0.0
        sq = 0.0
        lo = x[c]
        hi = lo
        for t in range(n):
            v = x[t * C + c]
            s += v
            sa += abs(v)
            sq += v * v
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        mean = s / n
        m2 = 0.0
        m3 = 0.0
        m4 = 0.0
        zc = 0
        prev_neg = False
        for t in range(n):
            v = x[t * C + c]
            d = v - mean
            d2 = d * d
            m2 += d2
            m3 += d2 * d
            m4 += d2 * d2
            neg = v < 0.0 and -v > ZCR_THRESHOLD
            if t > 0 and neg != prev_neg:
                zc += 1
            prev_neg = neg
        m2 /= n
        m3 /= n
        m4 /= n
        peak = hi if hi > -lo else -lo
        std = math.sqrt(m2)
        constant = std <= CONSTANT_RTOL * peak
        rms = math.sqrt(sq / n)
        for f in codes:
            if f == MEAN:
                v = mean
            elif f == STD:
                v = std
            elif f == VAR:
                v = m2
            elif f == RMS:
                v = rms
            elif f == MIN:
                v = lo
            elif f == MAX:
                v = hi
            elif f == PTP:
                v = hi - lo
            elif f == ABS_MEAN:
                v = sa / n
            elif f == SKEW:
                v = 0.0 if constant else m3 / (m2 * math.sqrt(m2))
            elif f == KURTOSIS:
                v = 0.0 if constant else m4 / (m2 * m2) - 3.0
            elif f == ZCR:
                v = zc / n
            elif f == CREST:
                v = peak / rms if rms > 0.0 else 0.0
            else:
                v = sq
            dst[off] = v
            off += 1
    return off


# ---------------------------------------------------------------------- spectra


def cfft(re, im, n, cos_t, sin_t, rev, sign, tre, tim, n_out):
    """Complex DFT of re + i*im in place, exponent sign*2*pi*i*j*k/n (sign -1: forward, as
    numpy.fft.fft; +1: inverse without the 1/n). Radix-2 (``rev`` = bit-reversal table,
    twiddles cos/sin(2 pi k / n) for k < n/2) when n is a power of two; otherwise a direct
    O(n * n_out) DFT over tables of n entries into tre/tim, first n_out outputs only."""
    if rev is not None:
        for i in range(n):
            j = rev[i]
            if j > i:
                t = re[i]
                re[i] = re[j]
                re[j] = t
                t = im[i]
                im[i] = im[j]
                im[j] = t
        size = 2
        while size <= n:
            half = size >> 1
            step = n // size
            for start in range(0, n, size):
                k = 0
                for j in range(start, start + half):
                    wr = cos_t[k]
                    wi = sign * sin_t[k]
                    m = j + half
                    tr = re[m] * wr - im[m] * wi
                    ti = re[m] * wi + im[m] * wr
                    re[m] = re[j] - tr
                    im[m] = im[j] - ti
                    re[j] += tr
                    im[j] += ti
                    k += step
            size <<= 1
        return
    for k in range(n_out):
        sr = 0.0
        si = 0.0
        idx = 0
        for j in range(n):
            c = cos_t[idx]
            s = sign * sin_t[idx]
            sr += re[j] * c - im[j] * s
            si += re[j] * s + im[j] * c
            idx += k
            if idx >= n:
                idx -= n
        tre[k] = sr
        tim[k] = si
    for k in range(n_out):
        re[k] = tre[k]
        im[k] = tim[k]


def goertzel_power(re, n, coef, nb, out):
    """|DFT|^2 of the real sequence re[:n] at bins 0..nb-1 into out, by the Goertzel
    recurrence (coef[k] = 2 cos(2 pi k / n)): for lengths that are not a power of two,
    about a third of the work of a direct DFT and no twiddle tables of n entries."""
    for k in range(nb):
        c = coef[k]
        s1 = 0.0
        s2 = 0.0
        for j in range(n):
            s0 = re[j] + c * s1 - s2
            s2 = s1
            s1 = s0
        p = s1 * s1 + s2 * s2 - c * s1 * s2
        out[k] = p if p > 0.0 else 0.0


def spectrum(x, C, ch, n_fft, hop, n_frames, win, power, nb, cos_t, sin_t, rev, re, im, tre, tim, acc):
    """Frame-averaged |rfft(frame * window)| ** power (1 or 2) of channel ch into acc[:nb]
    (stages ``fft``, ``band_energy``, ``spectral``: frames of n_fft every hop, no padding).
    Radix-2 ``cfft`` when ``rev`` is given, else Goertzel with cos_t = 2 cos(2 pi k / n)."""
    for k in range(nb):
        acc[k] = 0.0
    for f in range(n_frames):
        s = f * hop
        for k in range(n_fft):
            re[k] = x[(s + k) * C + ch] * win[k]
            im[k] = 0.0
        if rev is None:
            goertzel_power(re, n_fft, cos_t, nb, tre)
        else:
            cfft(re, im, n_fft, cos_t, sin_t, rev, -1, tre, tim, nb)
            for k in range(nb):
                tre[k] = re[k] * re[k] + im[k] * im[k]
        for k in range(nb):
            p = tre[k]
            acc[k] += p if power == 2 else math.sqrt(p)
    for k in range(nb):
        acc[k] = acc[k] / n_frames


def bands(S, nb, band_of_bin, n_bands, db, dst, off):
    """Sum S bins into bands (band_of_bin[k], -1: none), optionally 10 log10(max(e, 1e-10))
    (stage ``band_energy``). Returns the next offset."""
    for b in range(n_bands):
        dst[off + b] = 0.0
    for k in range(nb):
        b = band_of_bin[k]
        if b >= 0:
            dst[off + b] += S[k]
    if db:
        for b in range(n_bands):
            e = dst[off + b]
            dst[off + b] = 10.0 * math.log10(e if e > 1e-10 else 1e-10)
    return off + n_bands


CENTROID, BANDWIDTH, ROLLOFF, FLATNESS, PEAK_FREQ, PEAK_MAG = range(6)


def spectral_shape(S, nb, freqs, codes, roll_percent, n_peaks, taken, dst, off):
    """Shape features of a magnitude spectrum (stage ``spectral``, librosa conventions):
    centroid, bandwidth, rolloff, flatness, peak frequency/magnitude, then the n_peaks
    largest local maxima (freq, mag), largest first, ties to the lower frequency, 0 when
    missing. ``taken`` is int scratch of n_peaks. Returns the next offset."""
    total = 0.0
    kmax = 0
    for k in range(nb):
        total += S[k]
        if S[k] > S[kmax]:
            kmax = k
    silent = total <= 0.0
    norm = 1.0 if silent else total
    centroid = 0.0
    for k in range(nb):
        centroid += S[k] / norm * freqs[k]
    for f in codes:
        if f == CENTROID:
            v = centroid
        elif f == BANDWIDTH:
            v = 0.0
            for k in range(nb):
                d = freqs[k] - centroid
                v += S[k] / norm * d * d
            v = math.sqrt(v)
        elif f == ROLLOFF:
            target = roll_percent * total
            cum = 0.0
            v = freqs[0]
            for k in range(nb):
                cum += S[k]
                if cum >= target:
                    v = freqs[k]
                    break
        elif f == FLATNESS:
            lg = 0.0
            ar = 0.0
            for k in range(nb):
                p = S[k] * S[k]
                if p < 1e-10:
                    p = 1e-10
                lg += math.log(p)
                ar += p
            v = math.exp(lg / nb) / (ar / nb)
        elif f == PEAK_FREQ:
            v = 0.0 if silent else freqs[kmax]
        else:
            v = S[kmax]
        dst[off] = v
        off += 1
    for i in range(n_peaks):
        best = -1
        for k in range(1, nb - 1):
            if S[k] > S[k - 1] and S[k] >= S[k + 1] and S[k] > 0.0:
                used = False
                for j in range(i):
                    if taken[j] == k:
                        used = True
                if not used and (best < 0 or S[k] > S[best]):
                    best = k
        taken[i] = best
        dst[off] = freqs[best] if best >= 0 else 0.0
        dst[off + 1] = S[best] if best >= 0 else 0.0
        off += 2
    return off


def log_mel(
    x,
    n,
    C,
    ch,
    n_fft,
    hop,
    n_frames,
    center,
    reflect,
    win,
    power,
    cos_t,
    sin_t,
    rev,
    re,
    im,
    tre,
    tim,
    mel_start,
    mel_len,
    mel_off,
    mel_w,
    n_mels,
    amin,
    add_floor,
    db,
    offset,
    dst,
    off,
):
    """Log mel frames of channel ch into dst[off:], frame-major (stages ``log_mel``,
    ``mfcc``; librosa.feature.melspectrogram + power_to_db without the top_db clip):
    frames of n_fft every hop (centred with zero or reflect padding when ``center``),
    window, |rfft|^power, sparse mel weights (band m: bins mel_start[m] .. + mel_len[m],
    weights from mel_w[mel_off[m]]), log with floor, minus ``offset``. Returns the next offset."""
    nb = n_fft // 2 + 1
    pad = n_fft // 2 if center else 0
    for t in range(n_frames):
        s = t * hop - pad
        for k in range(n_fft):
            i = s + k
            if i < 0 or i >= n:
                if not reflect:
                    re[k] = 0.0
                    im[k] = 0.0
                    continue
                i = -i if i < 0 else 2 * (n - 1) - i
            re[k] = x[i * C + ch] * win[k]
            im[k] = 0.0
        if rev is None:
            goertzel_power(re, n_fft, cos_t, nb, tre)
        else:
            cfft(re, im, n_fft, cos_t, sin_t, rev, -1, tre, tim, nb)
            for k in range(nb):
                tre[k] = re[k] * re[k] + im[k] * im[k]
        for k in range(nb):
            p = tre[k]
            if power == 1.0:
                p = math.sqrt(p)
            elif power != 2.0:
                p = math.sqrt(p) ** power
            re[k] = p
        for m in range(n_mels):
            a = 0.0
            b0 = mel_start[m]
            w0 = mel_off[m]
            for j in range(mel_len[m]):
                a += re[b0 + j] * mel_w[w0 + j]
            if not a <= _FLT_MAX:  # overflowed or NaN: FLT_MAX, as the C and the host
                a = _FLT_MAX
            if add_floor:
                a += amin
            elif a < amin:
                a = amin
            v = 10.0 * math.log10(a) if db else math.log(a)
            dst[off] = v - offset
            off += 1
    return off


def clip_below_max(v, off, n, rng):
    """In place: v = max(v, max(v) - rng) over v[off:off+n] (librosa top_db)."""
    top = v[off]
    for i in range(off, off + n):
        if v[i] > top:
            top = v[i]
    floor = top - rng
    for i in range(off, off + n):
        if v[i] < floor:
            v[i] = floor


def dct_frames(src, src_off, n_frames, n_in, D, n_out, dst, off):
    """dst[off + t*n_out + k] = sum_m D[k*n_in + m] * src[src_off + t*n_in + m] (DCT-II rows, stage ``mfcc``)."""
    for t in range(n_frames):
        b = src_off + t * n_in
        for k in range(n_out):
            a = 0.0
            r = k * n_in
            for m in range(n_in):
                a += D[r + m] * src[b + m]
            dst[off + t * n_out + k] = a
    return off + n_frames * n_out


def envelope_spectrum(x, n, C, ch, sos, n_sec, z, cos_t, sin_t, rev, re, im, tre, tim, win, wsum, nb, env):
    """Envelope spectrum of channel ch (stage ``envelope_spectrum``): optional band-pass
    biquads from a zero state, Hilbert envelope |analytic signal| (scipy.signal.hilbert: FFT,
    keep DC and Nyquist, double positive bins, zero negative ones, inverse FFT), mean
    removed, window, 2 |rfft| / sum(w) into env[:nb]."""
    for k in range(n):
        re[k] = x[k * C + ch]
        im[k] = 0.0
    if sos is not None:
        sosfilt(re, n, 1, sos, n_sec, None, z)
    cfft(re, im, n, cos_t, sin_t, rev, -1, tre, tim, n)
    half = n // 2
    for k in range(1, n):
        if n % 2 == 0 and k == half:
            continue
        if k < (n + 1) // 2:
            re[k] *= 2.0
            im[k] *= 2.0
        else:
            re[k] = 0.0
            im[k] = 0.0
    cfft(re, im, n, cos_t, sin_t, rev, 1, tre, tim, n)
    mean = 0.0
    for k in range(n):
        e = math.sqrt(re[k] * re[k] + im[k] * im[k]) / n
        re[k] = e
        mean += e
    mean /= n
    for k in range(n):
        re[k] = (re[k] - mean) * win[k]
        im[k] = 0.0
    cfft(re, im, n, cos_t, sin_t, rev, -1, tre, tim, nb)
    for k in range(nb):
        env[k] = 2.0 * math.sqrt(re[k] * re[k] + im[k] * im[k]) / wsum


def peaks_near(S, idx_start, idx_len, n_f, dst, off):
    """For each frequency i: the largest of S[idx_start[i] .. + idx_len[i]] (stage
    ``envelope_spectrum`` with ``frequencies``). Returns the next offset."""
    for i in range(n_f):
        b = idx_start[i]
        v = S[b]
        for k in range(b, b + idx_len[i]):
            if S[k] > v:
                v = S[k]
        dst[off] = v
        off += 1
    return off


# ---------------------------------------------------------------------- vector stages


def f32at(t, i):
    """Item i of a packed float32 table (a ``bytes`` of little-endian float32, read in place)."""
    return struct.unpack_from("<f", t, 4 * i)[0]


def standardize(x, off, n, mean, scale_):
    """In place: x = (x - mean) / scale (stage ``scaler``, method standard); mean and scale
    packed float32 tables."""
    u = struct.unpack_from
    for i in range(n):
        x[off + i] = (x[off + i] - u("<f", mean, 4 * i)[0]) / u("<f", scale_, 4 * i)[0]


def minmax(x, off, n, scale_, min_, clip, lo, hi):
    """In place: x = x * scale + min, clipped to [lo, hi] if ``clip`` (stage ``scaler``, minmax);
    scale and min packed float32 tables."""
    u = struct.unpack_from
    for i in range(n):
        v = x[off + i] * u("<f", scale_, 4 * i)[0] + u("<f", min_, 4 * i)[0]
        if clip:
            v = lo if v < lo else (hi if v > hi else v)
        x[off + i] = v


# ---------------------------------------------------------------------- models


def argmax(v, n):
    """Index of the largest of v[:n], the lowest index on ties (numpy.argmax)."""
    best = 0
    for i in range(1, n):
        if v[i] > v[best]:
            best = i
    return best


def leaf_row(x, nodes, fmt, size, node, n_int):
    """Walk one tree from ``node``; the leaf row it reaches. ``nodes`` is a bytes object of
    ``size``-byte records ``struct`` ``fmt`` = (threshold float32, feature, left, right):
    ``x[feature] <= threshold`` goes left; child codes >= n_int name a leaf row."""
    unpack = struct.unpack_from
    while node < n_int:
        t, f, lo, hi = unpack(fmt, nodes, node * size)
        node = lo if x[f] <= t else hi
    return node - n_int


def forest(x, nodes, fmt, size, root, rows, n_int, nc, leaf_scale, acc, out):
    """Trees and forests (stages ``decision_tree``, ``random_forest``, ``extra_trees``) in
    the layout of the C export (``sf_tree.h``), nodes packed as ``leaf_row`` reads them
    (threshold = largest float32 not above scikit-learn's). Leaf rows < nc are pure leaves of
    that class; the others are rows of nc uint16 in the bytes ``rows`` (leaf fractions
    scaled by ``leaf_scale``). Votes are summed as integers, so the label does not depend on
    float rounding. Writes probabilities into out, returns the class index."""
    for k in range(nc):
        acc[k] = 0
    row_fmt = "<" + str(nc) + "H"
    for r in root:
        row = leaf_row(x, nodes, fmt, size, r, n_int)
        if row < nc:
            acc[row] += leaf_scale
        else:
            k = 0
            for v in struct.unpack_from(row_fmt, rows, (row - nc) * 2 * nc):
                acc[k] += v
                k += 1
    total = len(root) * leaf_scale
    for k in range(nc):
        out[k] = acc[k] / total
    return argmax(acc, nc)


def forest_value(x, nodes, fmt, size, root, values, n_int):
    """Regression trees and forests (stages ``*_regressor``): the walk of ``forest``, then the
    sum of each tree's leaf value, stored in ``values`` as float32 pairs hi + lo of
    value / n_trees (exact in a double port; a float32 port rounds to hi). Returns the value."""
    s = 0.0
    for r in root:
        hi, lo = struct.unpack_from("<ff", values, 8 * leaf_row(x, nodes, fmt, size, r, n_int))
        s += hi + lo
    return s


EUCLIDEAN, MANHATTAN, CHEBYSHEV, MINKOWSKI = range(4)


def nearest(x, X, n, d, k, metric, p, best_d, best_i):
    """The k training rows of X (n, d) nearest to x into best_d/best_i, nearest first,
    ties to the lower index (distances as sklearn.metrics.pairwise_distances)."""
    for j in range(k):
        best_d[j] = math.inf
        best_i[j] = -1
    for r in range(n):
        b = r * d
        s = 0.0
        for i in range(d):
            a = abs(x[i] - X[b + i])
            if metric == EUCLIDEAN:
                s += a * a
            elif metric == MANHATTAN:
                s += a
            elif metric == CHEBYSHEV:
                if a > s:
                    s = a
            else:
                s += a**p
        if metric == EUCLIDEAN:
            s = math.sqrt(s)
        elif metric == MINKOWSKI:
            s = s ** (1.0 / p)
        if s < best_d[k - 1]:
            j = k - 1
            while j > 0 and best_d[j - 1] > s:
                best_d[j] = best_d[j - 1]
                best_i[j] = best_i[j - 1]
                j -= 1
            best_d[j] = s
            best_i[j] = r


def knn(x, X, y, n, d, k, metric, p, distance_weights, nc, best_d, best_i, out):
    """k nearest neighbours (stage ``knn``): uniform or 1/distance votes of the k nearest,
    normalised (as scikit-learn); a query equal to training rows gets those rows only.
    best_d (floats), best_i (ints) are scratch of length k. Writes probabilities into out,
    returns the class index."""
    nearest(x, X, n, d, k, metric, p, best_d, best_i)
    for c in range(nc):
        out[c] = 0.0
    exact = distance_weights and best_d[0] == 0.0
    total = 0.0
    for j in range(k):
        if exact:
            w = 1.0 if best_d[j] == 0.0 else 0.0
        elif distance_weights:
            w = 1.0 / best_d[j]
        else:
            w = 1.0
        out[y[best_i[j]]] += w
        total += w
    if total == 0.0:
        total = 1.0
    for c in range(nc):
        out[c] = out[c] / total
    return argmax(out, nc)


def knn_value(x, X, y, n, d, k, metric, p, distance_weights, best_d, best_i):
    """k nearest neighbours regression (stage ``knn_regressor``): the mean of the k nearest
    targets y, or their 1/distance weighted mean (a query equal to training rows: those rows
    only). Returns the value."""
    nearest(x, X, n, d, k, metric, p, best_d, best_i)
    exact = distance_weights and best_d[0] == 0.0
    num = 0.0
    den = 0.0
    for j in range(k):
        if exact:
            w = 1.0 if best_d[j] == 0.0 else 0.0
        elif distance_weights:
            w = 1.0 / best_d[j]
        else:
            w = 1.0
        num += w * y[best_i[j]]
        den += w
    return num / den


def anomaly(score, threshold, out):
    """Anomaly scores -> [t / (d + t), d / (d + t)] for classes (normal, anomaly); returns 1
    when the distance d is above the learned threshold t."""
    out[0] = threshold / (score + threshold)
    out[1] = score / (score + threshold)
    return 1 if score > threshold else 0


def dense(x, n_in, W, b, n_out, y, act):
    """y = act(x @ W + b), W row-major (n_in, n_out) as scikit-learn's coefs_. act: 0
    identity, 1 relu, 2 tanh, 3 logistic."""
    for j in range(n_out):
        s = b[j]
        for i in range(n_in):
            s += x[i] * W[i * n_out + j]
        if act == 1:
            s = s if s > 0.0 else 0.0
        elif act == 2:
            s = math.tanh(s)
        elif act == 3:
            s = expit(s)
        y[j] = s


def expit(v):
    """Logistic sigmoid without overflow (scipy.special.expit)."""
    if v >= 0.0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def conv1d_relu(x, steps, c_in, W, b, filters, kernel, stride, y):
    """Keras Conv1D(padding="valid") + ReLU on time-major x (steps x c_in); W row-major
    (kernel * c_in, filters) as sensorflow.nn.conv1d stores it; y is (steps_out x filters)."""
    rows = kernel * c_in
    t_out = (steps - kernel) // stride + 1
    for t in range(t_out):
        base = t * stride * c_in
        for f in range(filters):
            s = b[f]
            k = f
            for i in range(base, base + rows):
                s += x[i] * W[k]
                k += filters
            y[t * filters + f] = s if s > 0.0 else 0.0
    return t_out


def conv1d_centred_bias(x, steps, c_in, negS, b, filters, mean, bias):
    """The first layer's bias for a window whose channels it sees less their means over the
    steps (conv1d center_window): bias = b + mean @ negS, negS (c_in, filters) row-major being
    minus the layer's weights summed over its taps (the C runtime's sf_conv1d_centred_bias_f32)."""
    for c in range(c_in):
        s = 0.0
        for i in range(c, steps * c_in, c_in):
            s += x[i]
        mean[c] = s / steps
    dense(mean, c_in, negS, b, filters, bias, 0)


def global_pool(h, steps, channels, use_max, out):
    """Global max (use_max) or average pooling over time of h (steps x channels)."""
    for c in range(channels):
        out[c] = h[c]
    for t in range(1, steps):
        row = t * channels
        for c in range(channels):
            v = h[row + c]
            if use_max:
                if v > out[c]:
                    out[c] = v
            else:
                out[c] += v
    if not use_max:
        for c in range(channels):
            out[c] = out[c] / steps


def softmax(v, n, out):
    """out = exp(v - max) / sum (scipy.special.softmax); v and out may be the same buffer."""
    m = v[argmax(v, n)]
    s = 0.0
    for i in range(n):
        e = math.exp(v[i] - m)
        out[i] = e
        s += e
    for i in range(n):
        out[i] = out[i] / s


def binary_proba(d, out):
    """Two-class probabilities [1 - p, p] with p = expit(d); class 1 when d > 0."""
    p = expit(d)
    out[0] = 1.0 - p
    out[1] = p
    return 1 if d > 0.0 else 0


def linear(x, n_in, coef, intercept, k, y):
    """y = coef @ x + intercept, coef row-major (k, n_in) (scikit-learn decision_function);
    coef and intercept packed float32 tables read in place."""
    u = struct.unpack_from
    for j in range(k):
        s = u("<f", intercept, 4 * j)[0]
        b = 4 * j * n_in
        for i in range(n_in):
            s += u("<f", coef, b + 4 * i)[0] * x[i]
        y[j] = s


def gaussian_nb(x, d, theta, var, const, nc, jll, out):
    """Gaussian naive Bayes (stage ``gaussian_nb``): jll_k = const_k - 0.5 sum((x - theta)^2
    / var), const_k = log prior - 0.5 sum(log(2 pi var)); probabilities by softmax. Returns
    the class index (argmax of jll)."""
    for k in range(nc):
        s = 0.0
        b = k * d
        for i in range(d):
            a = x[i] - theta[b + i]
            s += a * a / var[b + i]
        jll[k] = const[k] - 0.5 * s
    label = argmax(jll, nc)
    softmax(jll, nc, out)
    return label


def mahalanobis2(x, d, loc, prec, tmp):
    """Squared Mahalanobis distance (x - loc)^T prec (x - loc), prec row-major (d, d)."""
    for i in range(d):
        tmp[i] = x[i] - loc[i]
    s = 0.0
    for i in range(d):
        r = 0.0
        for j in range(d):
            r += prec[i * d + j] * tmp[j]
        s += tmp[i] * r
    return s


# ---------------------------------------------------------------------- post stages


def smooth(s, nc, hist, n_hist, count, out):
    """Moving average over the last n_hist+1 score vectors (stage ``smooth``); ``hist`` holds
    n_hist rows, oldest first, and is shifted in place. Returns the new count."""
    seen = count + 1
    N = n_hist + 1
    if seen > N:
        seen = N
    for c in range(nc):
        acc = 0.0
        for r in range(n_hist):
            acc += hist[r * nc + c]
        out[c] = (acc + s[c]) / seen
    if n_hist:
        for r in range(n_hist - 1):
            for c in range(nc):
                hist[r * nc + c] = hist[(r + 1) * nc + c]
        for c in range(nc):
            hist[(n_hist - 1) * nc + c] = s[c]
    return count + 1


def threshold(s, nc, thr, out):
    """1.0 where s >= thr (per class), else 0.0 (stage ``threshold``)."""
    for c in range(nc):
        out[c] = 1.0 if s[c] >= thr[c] else 0.0


def refractory(s, nc, remaining, hold, per_class, out):
    """Pass a detection (> 0), then suppress for ``hold`` windows, per class or across all
    classes (stage ``refractory``); ``remaining`` is the state."""
    if per_class:
        for c in range(nc):
            if s[c] > 0.0 and remaining[c] == 0:
                out[c] = s[c]
                remaining[c] = hold
            else:
                out[c] = 0.0
                if remaining[c] > 0:
                    remaining[c] -= 1
        return
    fire = False
    if remaining[0] == 0:
        for c in range(nc):
            if s[c] > 0.0:
                fire = True
    for c in range(nc):
        out[c] = s[c] if fire else 0.0
    if fire:
        remaining[0] = hold
    elif remaining[0] > 0:
        remaining[0] -= 1


def to_window(src, n, length, C, mode, dst):
    """One window of length frames from a recording of n >= 1 interleaved frames (window.pad;
    mode 0 resample, 1 edge, 2 zero, 3 valid: zeros after the recording), as sensorflow.windowing.to_window / sf_to_window_f32:
    each operation rounded to float32 through an array('f'), so the bits equal the host's."""
    if n < 1:
        raise ValueError("to_window: the recording has no frames")
    t = array("f", bytearray(8))
    if n >= length or mode != 0 or n == 1:
        k = min(n, length) * C
        for i in range(k):
            dst[i] = src[i]
        for i in range(k, length * C):
            dst[i] = src[(n - 1) * C + i % C] if mode < 2 else 0.0  # resample of one frame: repeat it
        return dst
    den = length - 1
    j = 0
    r = 0
    for i in range(length):
        t[0] = r / den  # float32(r) / float32(den): exact integers, one rounding (also via double)
        w = t[0]
        j1 = min(j + 1, n - 1)
        for c in range(C):
            t[1] = src[j * C + c]
            a = t[1]
            t[1] = src[j1 * C + c]
            t[1] = t[1] - a
            t[1] = w * t[1]
            t[1] = a + t[1]
            dst[i * C + c] = t[1]
        r += n - 1
        if r >= den:
            r -= den
            j += 1
    return dst


def copy(src, dst, n):
    for i in range(n):
        dst[i] = src[i]


class _Zeros:
    """n zeros with a length: array() sizes itself once and needs no temporary buffer (an
    array of a bytearray(n) kept both in the heap of the WebAssembly port: 2n measured)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        for _ in range(self.n):
            yield 0


def zeros(n, code="f"):
    """A buffer of n zeros of array typecode ``code`` (allocated once, at construction)."""
    return array(code, _Zeros(n))


# ---------------------------------------------------------------------- fixed point (q15)
# stats / band_energy with q15_scale: the same integers as sensorflow/dsp/fixed.py and the C
# runtime sf_q15.c (Python ints: >> is an arithmetic shift, sums never overflow).


def q15_counts(x, n, C, c, k, dst, base=0):
    """dst[i] = int16 count of x[(base + i) * C + c], round(v * 2^k) half away from zero,
    saturated, NaN -> 0, from the float32 bits (no float arithmetic: exact on every port)."""
    for i in range(n):
        u = struct.unpack_from("<I", x, 4 * ((base + i) * C + c))[0]
        e = (u >> 23) & 0xFF
        m = u & 0x7FFFFF
        if e == 0xFF:
            if m:
                dst[i] = 0
                continue
            a = 32768
        else:
            if e == 0:
                e = 1
            else:
                m |= 0x800000
            s = 150 - k - e
            if s <= 0:
                a = 32768 if s < -8 else min(m << -s, 32768)
            elif s > 24:
                a = 0
            else:
                a = min((m + (1 << (s - 1))) >> s, 32768)
        dst[i] = -a if u >> 31 else min(a, 32767)


def q15_feature(code, fscale):
    """float32(code) * fscale: the int rounded to 24 bits (to nearest, ties to even) and
    built with ldexp (exact), so float32 and float64 ports agree with the C."""
    neg = code < 0
    v = -code if neg else code
    e = 0
    while v >> (e + 24):
        e += 1
    if e:
        r = v & ((1 << e) - 1)
        v >>= e
        h = 1 << (e - 1)
        if r > h or (r == h and v & 1):
            v += 1
    f = math.ldexp(v, e)
    return (-f if neg else f) * fscale


def _isqrt(v):
    r = 0
    bit = 1 << 62
    while bit > v:
        bit >>= 2
    while bit:
        if v >= r + bit:
            v -= r + bit
            r = (r >> 1) + bit
        else:
            r >>= 1
        bit >>= 2
    return r


def q15_stats(q, n, ids, fscale, fo, dst, off):
    """The statistics ``ids`` (SF_STAT_* order) of int16 counts q[0:n] as scaled integer codes
    (stage ``stats`` with q15_scale). Returns the next offset."""
    s = a = sq = cross = 0
    lo = hi = q[0]
    prev = q[0] < 0
    for i in range(n):
        v = q[i]
        neg = v < 0
        s += v
        a += -v if neg else v
        sq += v * v
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        if neg != prev:
            cross += 1
        prev = neg
    var = n * sq - s * s
    for j in range(len(ids)):
        f = ids[j]
        if f == 0:
            c = s
        elif f == 1:
            c = _isqrt(var)
        elif f == 2:
            c = var
        elif f == 3:
            c = _isqrt(n * sq)
        elif f == 4:
            c = lo
        elif f == 5:
            c = hi
        elif f == 6:
            c = hi - lo
        elif f == 7:
            c = a
        elif f == 10:
            c = cross
        else:
            c = sq
        dst[off] = q15_feature(c, fscale[fo + j])
        off += 1
    return off


def q15_fft(re, im, n, wr, wi):
    """In place scaled radix-2 complex FFT of n bit-reversed points (sf_q15_fft)."""
    half = 1
    while half < n:
        step = n // (2 * half)
        for j in range(half):
            c = wr[j * step]
            s = wi[j * step]
            for i in range(j, n, 2 * half):
                b = i + half
                if j == 0:
                    tr = re[b]
                    ti = im[b]
                else:
                    tr = (re[b] * c - im[b] * s) >> 15
                    ti = (re[b] * s + im[b] * c) >> 15
                ar = re[i]
                ai = im[i]
                re[i] = (ar + tr) >> 1
                im[i] = (ai + ti) >> 1
                re[b] = (ar - tr) >> 1
                im[b] = (ai - ti) >> 1
        half *= 2


def q15_bands(q, n_fft, hop, n_frames, win, wr, wi, rev, blo, blen, n_bands, re, im, acc):
    """acc[b] = power summed over band b's bins blo[b] .. blo[b] + blen[b] and the frames of
    counts q (sf_q15_band_energy: frames two at a time as the complex FFT of fa + j fb, a lone
    last one with zeros; shift to the pair's peak, q15 window and a halving, n_fft-point FFT,
    |Z_k|^2 + |Z_{n-k}|^2 summed per band, << 1 >> 2 s)."""
    for b in range(n_bands):
        acc[b] = 0
    for t in range(0, n_frames, 2):
        oa = t * hop
        ob = oa + hop
        two = t + 1 < n_frames
        peak = 0
        for o in (oa, ob) if two else (oa,):
            for i in range(o, o + n_fft):
                a = q[i] if q[i] >= 0 else -q[i]
                if a > peak:
                    peak = a
        s = _q15_headroom(peak)
        for i in range(n_fft):
            j = rev[i]
            re[i] = ((q[oa + j] << s) * win[j] + 32768) >> 16
            im[i] = ((q[ob + j] << s) * win[j] + 32768) >> 16 if two else 0
        q15_fft(re, im, n_fft, wr, wi)
        for b in range(n_bands):
            p = 0
            for k in range(blo[b], blo[b] + blen[b]):
                m = (n_fft - k) % n_fft
                p += re[k] * re[k] + im[k] * im[k] + re[m] * re[m] + im[m] * im[m]
            acc[b] += (p << 1) >> (2 * s)


def _q15_headroom(peak):
    """The shift s that brings peak to [2^14, 2^15] (0 for silence)."""
    s = 0
    if peak:
        bits = 0
        while peak > 1:
            peak >>= 1
            bits += 1
        s = 14 - bits if bits < 14 else 0
    return s


def _q15_power(q, o, n_fft, s, win, wr, wi, rev, split, re, im, pw):
    """pw[0..n_fft/2]: power of counts q[o:o+n_fft] << s, q15 window and a halving, real FFT."""
    h = n_fft // 2
    ar, ai, br, bi = split
    for i in range(h):
        j = 2 * rev[i]
        re[i] = ((q[o + j] << s) * win[j] + 32768) >> 16
        im[i] = ((q[o + j + 1] << s) * win[j + 1] + 32768) >> 16
    q15_fft(re, im, h, wr, wi)
    for i in range(h + 1):
        k = 0 if i == h else i
        m = 0 if i == 0 else h - i
        xr = (((re[k] * ar[i] - im[k] * ai[i]) >> 1) + ((re[m] * br[i] + im[m] * bi[i]) >> 1)) >> 15
        xi = (((re[k] * ai[i] + im[k] * ar[i]) >> 1) + ((re[m] * bi[i] - im[m] * br[i]) >> 1)) >> 15
        pw[i] = xr * xr + xi * xi


_Q15_LOG2 = array(
    "i",
    [
        0,
        369,
        736,
        1102,
        1466,
        1829,
        2190,
        2551,
        2909,
        3267,
        3623,
        3978,
        4331,
        4683,
        5034,
        5384,
        5732,
        6079,
        6425,
        6769,
        7112,
        7454,
        7795,
        8134,
        8473,
        8810,
        9146,
        9480,
        9814,
        10146,
        10477,
        10807,
        11136,
        11464,
        11791,
        12116,
        12440,
        12764,
        13086,
        13407,
        13727,
        14046,
        14363,
        14680,
        14996,
        15310,
        15624,
        15937,
        16248,
        16559,
        16868,
        17177,
        17484,
        17791,
        18096,
        18401,
        18704,
        19007,
        19308,
        19609,
        19909,
        20207,
        20505,
        20802,
        21098,
        21393,
        21687,
        21980,
        22272,
        22564,
        22854,
        23144,
        23433,
        23720,
        24007,
        24293,
        24579,
        24863,
        25146,
        25429,
        25711,
        25992,
        26272,
        26551,
        26830,
        27108,
        27384,
        27660,
        27936,
        28210,
        28484,
        28757,
        29029,
        29300,
        29571,
        29840,
        30109,
        30378,
        30645,
        30912,
        31178,
        31443,
        31707,
        31971,
        32234,
        32496,
        32758,
        33019,
        33279,
        33538,
        33797,
        34055,
        34312,
        34569,
        34825,
        35080,
        35334,
        35588,
        35841,
        36094,
        36346,
        36597,
        36847,
        37097,
        37346,
        37595,
        37842,
        38090,
        38336,
        38582,
        38827,
        39072,
        39316,
        39559,
        39802,
        40044,
        40286,
        40527,
        40767,
        41006,
        41246,
        41484,
        41722,
        41959,
        42196,
        42432,
        42667,
        42902,
        43137,
        43370,
        43603,
        43836,
        44068,
        44300,
        44530,
        44761,
        44990,
        45220,
        45448,
        45676,
        45904,
        46131,
        46357,
        46583,
        46809,
        47034,
        47258,
        47482,
        47705,
        47928,
        48150,
        48372,
        48593,
        48813,
        49034,
        49253,
        49472,
        49691,
        49909,
        50127,
        50344,
        50560,
        50776,
        50992,
        51207,
        51422,
        51636,
        51850,
        52063,
        52276,
        52488,
        52700,
        52911,
        53122,
        53332,
        53542,
        53751,
        53960,
        54169,
        54377,
        54584,
        54791,
        54998,
        55204,
        55410,
        55615,
        55820,
        56025,
        56229,
        56432,
        56635,
        56838,
        57040,
        57242,
        57443,
        57644,
        57845,
        58045,
        58245,
        58444,
        58643,
        58841,
        59039,
        59237,
        59434,
        59631,
        59827,
        60023,
        60219,
        60414,
        60609,
        60803,
        60997,
        61190,
        61384,
        61576,
        61769,
        61961,
        62152,
        62343,
        62534,
        62725,
        62915,
        63104,
        63294,
        63483,
        63671,
        63859,
        64047,
        64234,
        64421,
        64608,
        64794,
        64980,
        65166,
        65351,
        65536,
    ],
)


def q15_log2(v):
    """Q16 log2(v), 0 for v <= 1 (sf_q15_log2_q16: table + linear interpolation)."""
    if v <= 0:
        return 0
    w = v
    e = 0
    for b in (32, 16, 8, 4, 2, 1):
        if w >> b:
            w >>= b
            e += b
    y = (v << (31 - e)) if e <= 31 else (v >> (e - 31))
    f = y - 0x80000000
    i = f >> 23
    r = (f >> 7) & 0xFFFF
    return (e << 16) + _Q15_LOG2[i] + (((_Q15_LOG2[i + 1] - _Q15_LOG2[i]) * r) >> 16)


def q15_logmel(q, n_fft, win, wr, wi, rev, split, mstart, mlen, mw, n_mels, offset, re, im, pw, db):
    """db[j]: Q16 dB of the mel power of the int16 counts q[0:n_fft] (sf_q15_logmel: shift to
    the frame's peak, q15 window and a halving, real FFT, power, q15 mel weights, Q16 log2)."""
    peak = 0
    for i in range(n_fft):
        a = q[i] if q[i] >= 0 else -q[i]
        if a > peak:
            peak = a
    s = _q15_headroom(peak)
    _q15_power(q, 0, n_fft, s, win, wr, wi, rev, split, re, im, pw)
    pos = 0
    for j in range(n_mels):
        acc = 0
        b0 = mstart[j]
        for t in range(mlen[j]):
            acc += pw[b0 + t] * mw[pos + t]
        pos += mlen[j]
        db[j] = ((q15_log2(acc) + offset - (s << 17)) * 98642) >> 15


def q15_clip(v, off, n, rng, tmp):
    """In place: v = max(v, float32(max(v) - rng)) over v[off:off+n] (top_db, float32 as the C)."""
    top = v[off]
    for i in range(off, off + n):
        if v[i] > top:
            top = v[i]
    tmp[0] = top - rng
    floor = tmp[0]
    for i in range(off, off + n):
        if v[i] < floor:
            v[i] = floor


def q15_dct(src, off, n_in, D, n_out, dst, doff, unit, codes):
    """One frame of MFCC from its clipped log-mel src[off:off+n_in] (Q16 codes as float32):
    codes = rint(v * 65536), dst[doff + i] = float32(((D @ codes) >> 15)) * unit (sf_q15_dct)."""
    for j in range(n_in):
        w = src[off + j] * 65536
        c = int(w)
        d = w - c
        if d > 0.5 or (d == 0.5 and c & 1):
            c += 1
        elif d < -0.5 or (d == -0.5 and c & 1):
            c -= 1
        codes[j] = c
    for i in range(n_out):
        acc = 0
        for j in range(n_in):
            acc += D[i * n_in + j] * codes[j]
        dst[doff + i] = q15_feature(acc >> 15, unit)
