"""MicroPython emitter of ``catch22``: the kernel ``_catch22`` (a port of ``sensorflow.dsp.catch22``,
same definitions and conventions) is printed once into the generated module and called per channel.

It computes in the port's float: on a double-precision port (the WebAssembly one, CPython) it equals
the float64 reference to rounding (measured here at most 2e-15 relative on GunPoint, ACSF1 and
random windows); on a float32 port (ESP32) the features decided by a comparison (a histogram bin,
a quantile threshold, a crossing lag, an argmin) can move to the neighbouring bin or lag where a
value lies within float32 rounding of the boundary, as in the C kernel (see sf_catch22.h).
The ACF is taken lag by lag up to the lags the features need, the spectrum by a radix-2 FFT.
"""

from __future__ import annotations

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter

KERNEL = '''import math


def _c22_lin(a, b, num):
    """numpy linspace(a, b, num)."""
    step = (b - a) / (num - 1)
    out = [a + i * step for i in range(num)]
    out[-1] = b
    return out


def _c22_mean(v):
    return sum(v) / len(v)


def _c22_std(v):
    m = sum(v) / len(v)
    return math.sqrt(sum((a - m) * (a - m) for a in v) / (len(v) - 1))


def _c22_median(s):
    s = sorted(s)
    m = len(s)
    return s[m // 2] if m % 2 else (s[m // 2 - 1] + s[m // 2]) / 2


def _c22_quantile(s, p):
    """MATLAB quantile of the sorted list s."""
    n = len(s)
    pos = n * p + 0.5
    if pos <= 1:
        return s[0]
    if pos >= n:
        return s[-1]
    lo = int(math.floor(pos))
    return s[lo - 1] + (pos - lo) * (s[lo] - s[lo - 1])


def _c22_bins(v, edges):
    """Bin of each value: [e_i, e_i+1), last closed, interior edges lowered by 1e-6 bin widths."""
    nb = len(edges) - 1
    tol = 1e-6 * (edges[1] - edges[0])
    inner = [e - tol for e in edges[1:-1]]
    out = []
    for a in v:
        i = 0
        while i < nb - 1 and inner[i] <= a:
            i += 1
        out.append(i)
    return out


def _c22_ac(y, k):
    """Biased autocovariance of the centred series y at lag k."""
    s = 0.0
    for t in range(len(y) - k):
        s += y[t] * y[t + k]
    return s


class _C22Acf:
    """The normalised ACF of a series, lag by lag on demand."""

    def __init__(self, y):
        m = sum(y) / len(y)
        self.y = [a - m for a in y]
        self.a0 = _c22_ac(self.y, 0)
        self.v = {}

    def __call__(self, k):
        if k not in self.v:
            self.v[k] = _c22_ac(self.y, k) / self.a0
        return self.v[k]


def _c22_cross(acf, n, th):
    """(discrete lag, interpolated lag) of the first crossing of th."""
    for i in range(1, n):
        if acf(i) - th < 0:
            b, a = acf(i - 1), acf(i)
            return i, (i - 1) + (th - b) / (a - b)
    return n - 1, float(n - 1)


def _c22_first_min(acf, n):
    for i in range(1, n):
        if i == 2 and acf(2) > acf(1):
            return 1
        if i > 2 and acf(i - 2) > acf(i - 1) and acf(i - 1) < acf(i):
            return i - 1
    return n


def _c22_mode(y, nb):
    e = _c22_lin(min(y), max(y), nb + 1)
    cnt = [0] * nb
    for i in _c22_bins(y, e):
        cnt[i] += 1
    top = max(cnt)
    w = e[1] - e[0]
    c = [(e[i] + e[i + 1]) / 2 - (1e-6 * w if i < nb - 1 else 0.0) for i in range(nb)]
    sel = [c[i] for i in range(nb) if cnt[i] == top]
    return sum(sel) / len(sel)


def _c22_outlier(y, sign):
    n = len(y)
    v = [sign * a for a in y]
    tot = sum(1 for a in v if a >= 0)
    k_max = int(math.floor(max(v) / 0.01 + 1e-10))
    cand = list(range(1, n + 1))
    md = []
    for k in range(k_max + 1):
        th = k * 0.01
        cand = [c for c in cand if v[c - 1] >= th]
        if len(cand) < 2 or (len(cand) - 1) / tot * 100 <= 2:
            break
        md.append(_c22_median(cand) / (n / 2) - 1)
    return _c22_median(md) if md else _C22_NAN


def _c22_fft(re, im):
    """In-place radix-2 DFT (length a power of two)."""
    n = len(re)
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            re[i], re[j] = re[j], re[i]
            im[i], im[j] = im[j], im[i]
    size = 2
    while size <= n:
        h = size // 2
        for k in range(h):
            a = -2 * math.pi * k / size
            wr, wi = math.cos(a), math.sin(a)
            for s in range(0, n, size):
                p, q = s + k, s + k + h
                tr = re[q] * wr - im[q] * wi
                ti = re[q] * wi + im[q] * wr
                re[q], im[q] = re[p] - tr, im[p] - ti
                re[p], im[p] = re[p] + tr, im[p] + ti
        size *= 2


def _c22_spectrum(y):
    n = len(y)
    nfft = 1
    while nfft < n:
        nfft *= 2
    re = list(y) + [0.0] * (nfft - n)
    im = [0.0] * nfft
    _c22_fft(re, im)
    m = nfft // 2 + 1
    s = [2 * (re[k] * re[k] + im[k] * im[k]) / n / (2 * math.pi) for k in range(m)]
    w = [2 * math.pi * (0.5 * v) for v in _c22_lin(0.0, 1.0, m)]
    return s, w


def _c22_area(s, w):
    return sum(s[: int(math.ceil(len(s) / 5))]) * (w[1] - w[0])


def _c22_wq50(s, w):
    half = sum(s) * 0.5
    c = 0.0
    for k in range(len(s)):
        c += s[k]
        if c >= half:
            return w[k]
    return w[-1]


def _c22_zs(v):
    m, sd = _c22_mean(v), _c22_std(v)
    return [(a - m) / sd for a in v]


def _c22_whiten(y):
    n = len(y)
    e = [y[t] - y[t + 1] for t in range(n - 1)]
    if _c22_std(e) == 0:
        return _C22_NAN
    ty = _c22_cross(_C22Acf(_c22_zs(y)), n, 0.0)[1]
    te = _c22_cross(_C22Acf(_c22_zs(e)), n - 1, 0.0)[1]
    return _C22_NAN if ty == 0 else te / ty


def _c22_run(bits, value):
    best = run = 0
    for b in bits:
        run = run + 1 if b == value else 0
        if run > best:
            best = run
    return best


def _c22_coarse3(y):
    s = sorted(y)
    th = [_c22_quantile(s, p) for p in _c22_lin(0.0, 1.0, 4)]
    th[0] -= 1
    out = []
    for a in y:
        g = 0
        for i in range(3):
            if th[i] < a <= th[i + 1]:
                g = i + 1
        out.append(g)
    return out


def _c22_pairs(yt):
    c = [0.0] * 9
    for t in range(len(yt) - 1):
        c[(yt[t] - 1) * 3 + yt[t + 1] - 1] += 1
    return c


def _c22_entropy_pairs(y):
    yt = _c22_coarse3(y)
    n = len(yt)
    h, nz = 0.0, 0
    for c in _c22_pairs(yt):
        if c > 0:
            p = c / (n - 1)
            h -= p * math.log(p)
            nz += 1
    if nz - 5 > 0:
        h += (nz - 5) / (2 * (n - 1))
    return h


def _c22_ami2(y, tau=2, nb=5):
    b = _c22_lin(min(y), max(y), nb + 1)
    b[0] -= 0.1
    b[-1] += 0.1
    i1, i2 = _c22_bins(y[:-tau], b), _c22_bins(y[tau:], b)
    m = len(i1)
    pij = [0.0] * (nb * nb)
    for a, c in zip(i1, i2):
        pij[a * nb + c] += 1
    pij = [v / m for v in pij]
    pi = [sum(pij[a * nb + c] for c in range(nb)) for a in range(nb)]
    pj = [sum(pij[a * nb + c] for a in range(nb)) for c in range(nb)]
    ami, mxy = 0.0, 0
    for a in range(nb):
        for c in range(nb):
            p = pij[a * nb + c]
            if p > 0:
                ami += p * math.log(p / pi[a] / pj[c])
                mxy += 1
    mx = sum(1 for v in pi if v > 0)
    my = sum(1 for v in pj if v > 0)
    return ami - (mxy - mx - my + 1) / (2 * m)


def _c22_pearson(a, b):
    ma, mb = _c22_mean(a), _c22_mean(b)
    sab = saa = sbb = 0.0
    for u, v in zip(a, b):
        u -= ma
        v -= mb
        sab += u * v
        saa += u * u
        sbb += v * v
    return sab / math.sqrt(saa * sbb)


def _c22_ami_timescale(y):
    n = len(y)
    mt = min(40, int(math.ceil(n / 2)))
    ami = []
    for tau in range(1, mt + 1):
        r = _c22_pearson(y[:-tau], y[tau:])
        x = 1 - r * r  # as C's logf: +inf at |r| = 1, NaN past it (a clean step series)
        ami.append(-0.5 * math.log(x) if x > 0 else (float("inf") if x == 0 else float("nan")))
    d = [ami[j + 1] - ami[j] for j in range(len(ami) - 1)]
    for j in range(len(d) - 1):
        if d[j] * d[j + 1] < 0 and d[j] < 0:
            return float(j + 2)
    return float(len(ami))


def _c22_i0(x):
    s = t = 1.0
    k = 1
    while t > 1e-17 * s:
        t *= (x / (2 * k)) ** 2
        s += t
        k += 1
    return s


def _c22_resample(y, q):
    half = 10 * q
    m = 2 * half + 1
    alpha = (m - 1) / 2.0
    h = []
    for i in range(m):
        k = i - half
        x = k / q
        sc = 1.0 if k == 0 else math.sin(math.pi * x) / (math.pi * x)
        h.append(sc / q * _c22_i0(5.0 * math.sqrt(1 - ((i - alpha) / alpha) ** 2)) / _c22_i0(5.0))
    hs = sum(h)
    h = [v / hs for v in h]
    n = len(y)
    out = []
    for j in range(int(math.ceil(n / q))):
        i = half + q * j
        s = 0.0
        for mm in range(max(0, i - 2 * half), min(n - 1, i) + 1):
            s += y[mm] * h[i - mm]
        out.append(s)
    return out


def _c22_transition(y, acf):
    n = len(y)
    tau = min(_c22_cross(acf, n, 0.0)[0], n // 50)
    if tau > 1:
        y = _c22_resample(y, tau)
    yt = _c22_coarse3(y)
    t = [c / (len(yt) - 1) for c in _c22_pairs(yt)]
    tot = 0.0
    for c in range(3):
        col = [t[r * 3 + c] for r in range(3)]
        m = sum(col) / 3
        tot += sum((v - m) * (v - m) for v in col) / 2
    return tot


def _c22_solve(A, b):
    """Gaussian elimination with partial pivoting, A (k x k lists), b (k)."""
    k = len(b)
    for c in range(k):
        p = max(range(c, k), key=lambda r: abs(A[r][c]))
        A[c], A[p] = A[p], A[c]
        b[c], b[p] = b[p], b[c]
        for r in range(c + 1, k):
            f = A[r][c] / A[c][c]
            for j in range(c, k):
                A[r][j] -= f * A[c][j]
            b[r] -= f * b[c]
    x = [0.0] * k
    for c in range(k - 1, -1, -1):
        x[c] = (b[c] - sum(A[c][j] * x[j] for j in range(c + 1, k))) / A[c][c]
    return x


def _c22_detrend(y):
    n = len(y)
    rows = []
    for i in range(n):
        u = ((i + 1) - n / 2) / n
        rows.append((1.0, u, u * u, u * u * u, u * u * u if u > 0 else 0.0))
    A = [[sum(r[a] * r[c] for r in rows) for c in range(5)] for a in range(5)]
    b = [sum(rows[i][a] * y[i] for i in range(n)) for a in range(5)]
    co = _c22_solve(A, b)
    return [y[i] - sum(rows[i][a] * co[a] for a in range(5)) for i in range(n)]


def _c22_sign(v):
    return 1 if v > 0 else (-1 if v < 0 else 0)


def _c22_periodicity(y, th=0.01):
    n = len(y)
    z = _c22_detrend(y)
    acf = [_c22_ac(z, i) / (n - i) for i in range(1, int(math.ceil(n / 3)) + 1)]
    sg = [_c22_sign(acf[i + 1] - acf[i]) for i in range(len(acf) - 1)]
    troughs, peaks = [], []
    for i in range(len(sg) - 1):
        d = sg[i + 1] - sg[i]
        if d == 2:
            troughs.append(i + 1)
        elif d == -2:
            peaks.append(i + 1)
    for ip in peaks:
        before = [t for t in troughs if t < ip]
        if not before:
            continue
        it = before[-1]
        if acf[ip] - acf[it] < th or acf[ip] < 0:
            continue
        return float(ip + 1)
    return 0.0


def _c22_embed(y, acf):
    n = len(y)
    tau = _c22_cross(acf, n, 0.0)[0]
    if tau > n / 10:
        tau = int(math.floor(n / 10))
    a, b = y[: n - tau], y[tau:]
    d = [math.sqrt((a[t + 1] - a[t]) ** 2 + (b[t + 1] - b[t]) ** 2) for t in range(len(a) - 1)]
    nd = len(d)
    mu = sum(d) / nd
    lo, hi = min(d), max(d)
    k, p2 = 0, 1
    while p2 < nd:
        p2 *= 2
        k += 1
    nb = k + 1
    s = sorted(d)
    iqr = _c22_quantile(s, 0.75) - _c22_quantile(s, 0.25)
    if iqr > 0:
        nb = max(nb, int(math.ceil((hi - lo) / (2 * iqr / nd ** (1 / 3)))))
    nb = min(nb, nd)
    e = _c22_lin(lo, hi, nb + 1)
    cnt = [0] * nb
    for i in _c22_bins(d, e):
        cnt[i] += 1
    tot = 0.0
    for i in range(nb):
        p = cnt[i] / nd / (e[i + 1] - e[i])
        c = (e[i] + e[i + 1]) / 2
        tot += abs(p - math.exp(-c / mu) / mu)
    return tot / nb


def _c22_round(v):
    return math.floor(abs(v) + 0.5) * (1 if v > 0 else -1 if v < 0 else 0)


def _c22_linfit_sse(x, y):
    mx, my = _c22_mean(x), _c22_mean(y)
    sxy = sxx = 0.0
    for u, v in zip(x, y):
        sxy += (u - mx) * (v - my)
        sxx += (u - mx) * (u - mx)
    sl = sxy / sxx
    ic = my - sl * mx
    return sum((sl * u + ic - v) ** 2 for u, v in zip(x, y))


def _c22_fluct(x, dfa):
    if dfa:
        x = x[::2]
    n = len(x)
    y, acc = [], 0.0
    for v in x:
        acc += v
        y.append(acc)
    g = _c22_lin(math.log(5), math.log(math.floor(n / 2)), 50)
    taus = sorted(set(int(_c22_round(math.exp(v))) for v in g))
    nt = len(taus)
    mp = max(8, int(_c22_round(0.25 * nt)))
    if nt < 8 or nt < 2 * mp:
        return _C22_NAN
    lt, lf = [], []
    for tau in taus:
        nb = n // tau
        c = (tau + 1) / 2
        tc = [t + 1 - c for t in range(tau)]
        stt = sum(v * v for v in tc)
        acc = 0.0
        for blk in range(nb):
            buf = y[blk * tau : (blk + 1) * tau]
            m = sum(buf) / tau
            sl = sum((buf[t] - m) * tc[t] for t in range(tau)) / stt
            res = [buf[t] - m - sl * tc[t] for t in range(tau)]
            if dfa:
                acc += sum(r * r for r in res)
            else:
                acc += (max(res) - min(res)) ** 2
        f = math.sqrt(acc / (nb * tau if dfa else nb))
        if f <= 0:
            return _C22_NAN
        lt.append(math.log(tau))
        lf.append(math.log(f))
    best, arg = None, 0
    for i in range(mp, nt - mp + 1):
        e = (_c22_linfit_sse(lt[:i], lf[:i]) + _c22_linfit_sse(lt[i - 1 :], lf[i - 1 :])) / nt
        if best is None or e < best:
            best, arg = e, i
    return arg / nt


_C22_NAN = float("nan")


def _c22_masked(n, k):
    return {4: n - 1.0, 5: float(n), 6: 1.0, 16: float(int(math.ceil(n / 2))), 17: 1 / 9, 20: 1.0, 21: 1.0}.get(k, 0.0)


def _c22_feature(k, y, acf, spec):
    n = len(y)
    if k == 0:
        return _c22_mode(y, 5)
    if k == 1:
        return _c22_mode(y, 10)
    if k == 2:
        return _c22_outlier(y, 1)
    if k == 3:
        return _c22_outlier(y, -1)
    if k == 4:
        return _c22_cross(acf, n, 1 / math.e)[1]
    if k == 5:
        return float(_c22_first_min(acf, n))
    if k == 6:
        return _c22_area(*spec())
    if k == 7:
        return _c22_wq50(*spec())
    if k == 8:
        return _c22_std([(y[t] + y[t + 1] + y[t + 2]) / 3 - y[t + 3] for t in range(n - 3)])
    if k == 9:
        return _c22_whiten(y)
    if k == 10:
        return sum(1 for t in range(n - 1) if abs(y[t + 1] - y[t]) * 1000 > 40) / (n - 1)
    if k == 11:
        m = _c22_mean(y)
        return float(_c22_run([1 if a - m > 0 else 0 for a in y], 1))
    if k == 12:
        return float(_c22_run([1 if y[t + 1] - y[t] > 0 else 0 for t in range(n - 1)], 0))
    if k == 13:
        return _c22_entropy_pairs(y)
    if k == 14:
        return _c22_ami2(y)
    if k == 15:
        return sum((y[t + 1] - y[t]) ** 3 for t in range(n - 1)) / (n - 1)
    if k == 16:
        return _c22_ami_timescale(y)
    if k == 17:
        return _c22_transition(y, acf)
    if k == 18:
        return _c22_periodicity(y)
    if k == 19:
        return _c22_embed(y, acf)
    return _c22_fluct(y, k == 21)


def _catch22(x, n, C, c, cols, dst, off):
    """catch22 (+ mean, std: columns 22, 23) of channel c, as sensorflow.dsp.catch22, columns cols."""
    v = [x[t * C + c] for t in range(n)]
    const = all(a == v[0] for a in v)
    y = None if const else _c22_zs(v)
    acf = None if const else _C22Acf(y)
    sp = []

    def spec():
        if not sp:
            sp.extend(_c22_spectrum(y))
        return sp

    for k in cols:
        if k == 22:
            r = _c22_mean(v)
        elif k == 23:
            r = _c22_std(v)
        elif const:
            r = _c22_masked(n, k)
        else:
            try:
                r = _c22_feature(k, y, acf, spec)
            except (ZeroDivisionError, ValueError):
                r = _C22_NAN
            if not (r == r) or r in (float("inf"), float("-inf")):
                r = _c22_masked(n, k)
        dst[off] = r
        off += 1
    return off
'''


@mp_emitter("catch22")
def emit_catch22(stage, ctx: MPContext) -> MPFragment:
    """Output ``dst[off + ch * k + j]`` = column ``cols[j]`` (0..21 catch22, 22 mean, 23 std) of channel ch."""
    if not any("def _catch22(" in t for t in ctx.tables):
        ctx.tables.append(KERNEL)
    cols = ctx.int_table("cols", [int(i) for i in stage._columns()])
    return MPFragment(
        [
            f"o = {ctx.off}",
            f"for c in range({ctx.channels}):",
            f"    o = _catch22({ctx.inp}, {ctx.n_valid or ctx.n}, {ctx.channels}, c, {cols}, {ctx.out}, o)",
        ]
    )
