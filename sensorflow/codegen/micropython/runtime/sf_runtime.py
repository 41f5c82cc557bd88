"""sensorflow runtime kernels for MicroPython (ESP32 firmware and other ports).

Hand-written for MicroPython: only ``array`` and ``math``, no numpy. Signals are
``array('f')`` with interleaved channels (``x[t * C + c]``); every kernel writes into
buffers its caller allocated once, so the per-window path does not allocate arrays.
Each kernel follows the numpy reference of the stage named in its docstring
(``sensorflow/stages``). On an ESP32, MicroPython floats are float32; values stored into
``array('f')`` are float32 on every port.
"""

import math
from array import array

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


# ---------------------------------------------------------------------- vector stages


def standardize(x, off, n, mean, scale_):
    """In place: x = (x - mean) / scale (stage ``scaler``, method standard)."""
    for i in range(n):
        x[off + i] = (x[off + i] - mean[i]) / scale_[i]


def minmax(x, off, n, scale_, min_, clip, lo, hi):
    """In place: x = x * scale + min, clipped to [lo, hi] if ``clip`` (stage ``scaler``, minmax)."""
    for i in range(n):
        v = x[off + i] * scale_[i] + min_[i]
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


def forest(x, feature, threshold, child, root, leaf, n_int, nc, leaf_scale, acc, out):
    """Trees and forests (stages ``decision_tree``, ``random_forest``, ``extra_trees``) in
    the layout of the C export (``sf_tree.h``): internal nodes with ``x[feature] <=
    threshold`` (threshold = largest float32 not above scikit-learn's), child codes >= n_int
    name a leaf row (< nc: a pure leaf of that class). Votes are summed as integers (leaf
    fractions scaled by ``leaf_scale``), so the label does not depend on float rounding.
    Writes probabilities into out, returns the class index."""
    for k in range(nc):
        acc[k] = 0
    for r in root:
        node = r
        while node < n_int:
            if x[feature[node]] <= threshold[node]:
                node = child[2 * node]
            else:
                node = child[2 * node + 1]
        row = node - n_int
        if row < nc:
            acc[row] += leaf_scale
        else:
            b = (row - nc) * nc
            for k in range(nc):
                acc[k] += leaf[b + k]
    total = len(root) * leaf_scale
    for k in range(nc):
        out[k] = acc[k] / total
    return argmax(acc, nc)


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
    """y = coef @ x + intercept, coef row-major (k, n_in) (scikit-learn decision_function)."""
    for j in range(k):
        s = intercept[j]
        b = j * n_in
        for i in range(n_in):
            s += coef[b + i] * x[i]
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


def copy(src, dst, n):
    for i in range(n):
        dst[i] = src[i]


def zeros(n):
    """A float32 buffer of n zeros (allocated once, at construction)."""
    return array("f", bytearray(4 * n))
