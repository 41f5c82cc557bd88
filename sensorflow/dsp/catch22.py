"""The catch22 time-series features (Lubba et al. 2019) of one series, float64, numpy.

Definitions follow hctsa v3 (the MATLAB operations named in ``HCTSA_CALLS``), which is what
pycatch22 >= 1.0 (catch22 v1.1) computes: every feature but the catch24 extras ``mean`` and
``std`` is taken on the z-scored series (``(x - mean) / std``, ``ddof=1``). Outside conventions
kept on purpose, since they decide discrete outcomes:

- MATLAB ``quantile`` (sorted values sit at probabilities ``(i - 0.5) / n``, linear between, the
  extremes outside), ``linspace``, ``histcounts`` (bins ``[e_i, e_i+1)``, the last closed),
  ``round`` half away from zero, ``resample(y, 1, tau)`` (a Kaiser windowed sinc, beta 5,
  half-length 10 tau, centred), ``spap2`` least-squares cubic spline with two pieces (one
  interior knot at the middle sample).
- Miller-Madow bias corrections where hctsa v3 applies them (``ami2``, ``entropy_pairs``).

Where pycatch22 1.0 departs from the hctsa source we follow pycatch22 (found by comparing
outputs, never from its code): the histogram-mode bin centres but the last sit 1e-6 bin widths
low (``MODE_CENTRE_SHIFT``); ``low_freq_power`` sums the first ``ceil(m/5)`` of the m spectrum
bins; the transition matrix lag is capped at ``n // 50``; ``periodicity`` is 0 when no peak
qualifies; ``embedding_dist`` bins the distances with numpy's ``'auto'`` count (larger of
Freedman-Diaconis and Sturges, at most n) from min to max, as a density.

A feature that cannot be estimated (a constant series, or ``rs_range``/``dfa`` on a series too
short for 16 fluctuation scales) takes pycatch22's masked value (``MASKED``), as pycatch22 does
by default.
"""

from __future__ import annotations

import math

import numpy as np

NAMES = (
    "DN_HistogramMode_5",
    "DN_HistogramMode_10",
    "DN_OutlierInclude_p_001_mdrmd",
    "DN_OutlierInclude_n_001_mdrmd",
    "CO_FirstCrossing_acf_1e_pointOfCrossing",
    "CO_FirstMin_ac",
    "SP_Summaries_fft_area_5_1",
    "SP_Summaries_fft_wq_50",
    "FC_LocalSimple_mean3_stde",
    "FC_LocalSimple_mean1_taurat",
    "MD_pNN_pnn40",
    "SB_BinaryStats_mean_longstretch1",
    "SB_BinaryStats_diff_longstretch0",
    "SB_MotifThree_quantile_hh",
    "CO_HistogramAMI_even_5bin_ami2",
    "CO_trev_1_num",
    "IN_AutoMutualInfoStats_40_gaussian_fmmi",
    "SB_TransitionMatrix_quantile_3_ac_sumdiagcov",
    "PD_PeriodicityWang_th0_01",
    "CO_Embed2_Dist_tau_d_expfit_meandiff",
    "SC_FluctAnal_2_rsrangefit_50_1_logi_prop_r1",
    "SC_FluctAnal_2_dfa_50_1_2_logi_prop_r1",
)
SHORT_NAMES = (
    "mode_5",
    "mode_10",
    "outlier_timing_pos",
    "outlier_timing_neg",
    "acf_timescale",
    "acf_first_min",
    "low_freq_power",
    "median_freq",
    "forecast_error",
    "whiten_timescale",
    "high_fluctuation",
    "stretch_high",
    "stretch_decreasing",
    "entropy_pairs",
    "ami2",
    "trev",
    "ami_timescale",
    "transition_variance",
    "periodicity",
    "embedding_dist",
    "rs_range",
    "dfa",
)
EXTRA_NAMES = ("mean", "std")  # catch24
EDGE_TOL = 1e-6  # pycatch22 bins a value within 1e-6 bin widths below an interior edge above it
MODE_CENTRE_SHIFT = 1e-6  # pycatch22's histogram-mode centres (all but the last bin), in bin widths


def nextpow2(n: int) -> int:
    """MATLAB ``nextpow2``: the smallest p with 2**p >= n."""
    return max(0, int(n - 1).bit_length())


def zscore(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / x.std(ddof=1)


def matlab_round(v):
    """MATLAB ``round``: halves away from zero."""
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def matlab_quantile(y: np.ndarray, p: float) -> float:
    """MATLAB ``quantile(y, p)``: sorted value i (1-based) at probability (i - 0.5)/n."""
    s = np.sort(y)
    n = len(s)
    pos = n * p + 0.5  # 1-based fractional index
    if pos <= 1:
        return float(s[0])
    if pos >= n:
        return float(s[-1])
    lo = int(math.floor(pos))
    return float(s[lo - 1] + (pos - lo) * (s[lo] - s[lo - 1]))


def acf_fourier(y: np.ndarray) -> np.ndarray:
    """hctsa ``CO_AutoCorr(y, [], 'Fourier')``: lags 0..n-1, biased, normalised to lag 0."""
    n = len(y)
    nfft = 2 ** (nextpow2(n) + 1)
    f = np.fft.fft(y - y.mean(), nfft)
    acf = np.fft.ifft(f * np.conj(f))
    return (acf / acf[0]).real[:n]


def first_crossing(acf: np.ndarray, threshold: float) -> tuple[int, float]:
    """hctsa ``CO_FirstCrossing`` on a given ACF: (discrete lag, interpolated lag)."""
    n = len(acf)
    idx = np.flatnonzero(acf - threshold < 0) if acf[0] > threshold else np.flatnonzero(acf - threshold > 0)
    if idx.size == 0:
        return n - 1, float(n - 1)
    i = int(idx[0])
    before, after = acf[i - 1], acf[i]
    return i, (i - 1) + (threshold - before) / (after - before)


def simple_bin_counts(y: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """hctsa ``BF_SimpleBinner``: n_bins equal bins from min to max, ``[e_i, e_i+1)``, last closed."""
    edges = np.linspace(y.min(), y.max(), n_bins + 1)
    return histcounts(y, edges), edges


def histogram_mode(y: np.ndarray, n_bins: int) -> float:
    counts, edges = simple_bin_counts(y, n_bins)
    centers = (edges[:-1] + edges[1:]) / 2
    centers[:-1] -= MODE_CENTRE_SHIFT * (edges[1] - edges[0])
    return float(np.mean(centers[counts == counts.max()]))


def outlier_include(y: np.ndarray, sign: int) -> float:
    """hctsa ``DN_OutlierInclude(y, 'pos'|'neg', 0.01).mdrmd``."""
    n = len(y)
    v = sign * y
    tot = np.count_nonzero(v >= 0)
    top = v.max()
    k_max = int(math.floor(top / 0.01 + 1e-10))
    cand = np.arange(1, n + 1)
    md = []
    for k in range(k_max + 1):
        th = k * 0.01
        cand = cand[v[cand - 1] >= th]
        if len(cand) < 2 or (len(cand) - 1) / tot * 100 <= 2:
            break
        md.append(np.median(cand) / (n / 2) - 1)
    return float(np.median(md)) if md else math.nan


def first_min_ac(acf: np.ndarray) -> int:
    """hctsa ``CO_FirstMin(y, 'ac')``: lag of the first local minimum of the ACF, n if none."""
    n = len(acf)
    for i in range(1, n):
        if i == 2 and acf[2] > acf[1]:
            return 1
        if i > 2 and acf[i - 2] > acf[i - 1] and acf[i - 1] < acf[i]:
            return i - 1
    return n


def fft_spectrum(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """hctsa ``SP_Summaries(y, 'fft')``: one-sided PSD in angular frequency and its w grid."""
    n = len(y)
    nfft = 2 ** nextpow2(n)
    m = nfft // 2 + 1
    s = 2 * np.abs(np.fft.fft(y, nfft)[:m]) ** 2 / n / (2 * np.pi)
    w = 2 * np.pi * (0.5 * np.linspace(0, 1, m))
    return s, w


def spectral_area_5_1(y: np.ndarray) -> float:
    s, w = fft_spectrum(y)
    return float(np.sum(s[: math.ceil(len(s) / 5)]) * (w[1] - w[0]))


def spectral_wq_50(y: np.ndarray) -> float:
    s, w = fft_spectrum(y)
    cs = np.cumsum(s)
    return float(w[np.flatnonzero(cs >= cs[-1] * 0.5)[0]])


def local_mean_residuals(y: np.ndarray, train: int) -> np.ndarray:
    """hctsa ``FC_LocalSimple(y, 'mean', train)`` residuals: mean of the last ``train`` - value."""
    acc = y[: len(y) - train].copy()
    for j in range(1, train):
        acc = acc + y[j : len(y) - train + j]
    return acc / train - y[train:]


def forecast_stde(y: np.ndarray) -> float:
    return float(np.std(local_mean_residuals(y, 3), ddof=1))


def whiten_timescale(y: np.ndarray) -> float:
    e = local_mean_residuals(y, 1)
    if np.std(e, ddof=1) == 0:
        return math.nan
    tau_y = first_crossing(acf_fourier(zscore(y)), 0.0)[1]
    tau_e = first_crossing(acf_fourier(zscore(e)), 0.0)[1]
    return math.nan if tau_y == 0 else tau_e / tau_y


def pnn40(y: np.ndarray) -> float:
    return float(np.count_nonzero(np.abs(np.diff(y)) * 1000 > 40) / (len(y) - 1))


def longest_run(bits: np.ndarray, value: int) -> int:
    best = run = 0
    for b in bits:
        run = run + 1 if b == value else 0
        best = max(best, run)
    return best


def coarse_grain_quantile(y: np.ndarray, n_groups: int) -> np.ndarray:
    """hctsa ``SB_CoarseGrain(y, 'quantile', n)``: symbols 1..n by MATLAB quantiles."""
    th = [matlab_quantile(y, p) for p in np.linspace(0, 1, n_groups + 1)]
    th[0] -= 1
    out = np.zeros(len(y), dtype=np.int64)
    for i in range(n_groups):
        out[(y > th[i]) & (y <= th[i + 1])] = i + 1
    return out


def entropy_pairs(y: np.ndarray) -> float:
    """hctsa ``SB_MotifThree(y, 'quantile').hh`` with its Miller-Madow correction."""
    yt = coarse_grain_quantile(y, 3)
    n = len(yt)
    counts = np.zeros((3, 3))
    np.add.at(counts, (yt[:-1] - 1, yt[1:] - 1), 1)
    p = counts / (n - 1)
    r = p > 0
    h = -np.sum(p[r] * np.log(p[r]))
    df = np.count_nonzero(r) - 1 - 2 * 2
    if df > 0:
        h += df / (2 * (n - 1))
    return float(h)


def histogram_ami(y: np.ndarray, tau: int = 2, n_bins: int = 5) -> float:
    """hctsa ``CO_HistogramAMI(y, tau, 'even', n_bins)`` with its Miller-Madow correction."""
    b = np.linspace(y.min(), y.max(), n_bins + 1)
    b[0] -= 0.1
    b[-1] += 0.1
    y1, y2 = y[:-tau], y[tau:]
    i1 = bin_index(y1, b)
    i2 = bin_index(y2, b)
    pij = np.zeros((n_bins, n_bins))
    np.add.at(pij, (i1, i2), 1)
    pij /= pij.sum()
    pi = pij.sum(axis=1)
    pj = pij.sum(axis=0)
    r = pij > 0
    pii = np.broadcast_to(pi[:, None], pij.shape)
    pjj = np.broadcast_to(pj[None, :], pij.shape)
    ami = np.sum(pij[r] * np.log(pij[r] / pii[r] / pjj[r]))
    m_xy, m_x, m_y = np.count_nonzero(r), np.count_nonzero(pi > 0), np.count_nonzero(pj > 0)
    return float(ami - (m_xy - m_x - m_y + 1) / (2 * len(y1)))


def trev_num(y: np.ndarray) -> float:
    return float(np.mean(np.diff(y) ** 3))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    return float(np.sum(a * b) / math.sqrt(np.sum(a * a) * np.sum(b * b)))


def _gaussian_ami(one_minus_r2: float) -> float:
    """``-log(1 - r^2) / 2`` as C's ``logf`` gives it: +inf at |r| = 1 and NaN where rounding puts
    r^2 above 1 (a clean step series); both stop the minimum search, as in pycatch22."""
    if one_minus_r2 > 0:
        return -0.5 * math.log(one_minus_r2)
    return math.inf if one_minus_r2 == 0 else math.nan


def ami_timescale(y: np.ndarray, max_tau: int = 40) -> float:
    """hctsa ``IN_AutoMutualInfoStats(y, 40, 'gaussian').fmmi``: first minimum of the Gaussian AMI."""
    n = len(y)
    max_tau = min(max_tau, math.ceil(n / 2))
    ami = []
    for tau in range(1, max_tau + 1):
        r = pearson(y[:-tau], y[tau:])
        ami.append(_gaussian_ami(1 - r * r))
    ami = np.array(ami)
    d = np.diff(ami)
    for j in range(len(d) - 1):  # d[j] < 0 < d[j+1]: minimum at lag j + 2
        if d[j] * d[j + 1] < 0 and d[j] < 0:
            return float(j + 2)
    return float(len(ami))


def matlab_resample_down(y: np.ndarray, q: int) -> np.ndarray:
    """MATLAB ``resample(y, 1, q)``: Kaiser (beta 5) windowed sinc of half-length 10 q, centred."""
    half = 10 * q
    k = np.arange(-half, half + 1)
    h = np.sinc(k / q) / q * np.kaiser(2 * half + 1, 5.0)
    h = h / h.sum()
    full = np.convolve(y, h)
    return full[half + q * np.arange(math.ceil(len(y) / q))]


def transition_variance(y: np.ndarray, acf: np.ndarray) -> float:
    """hctsa ``SB_TransitionMatrix(y, 'quantile', 3, 'ac').sumdiagcov``."""
    tau = min(first_crossing(acf, 0.0)[0], len(y) // 50)
    if tau > 1:
        y = matlab_resample_down(y, tau)
    yt = coarse_grain_quantile(y, 3)
    t = np.zeros((3, 3))
    np.add.at(t, (yt[:-1] - 1, yt[1:] - 1), 1)
    t /= len(yt) - 1
    return float(np.sum(np.var(t, axis=0, ddof=1)))


def spline_detrend(y: np.ndarray) -> np.ndarray:
    """Residual of the least-squares cubic spline with two pieces (knot at n/2 of 1..n), as
    MATLAB ``spap2(2, 4, 1:n, y)``."""
    n = len(y)
    x = np.arange(1, n + 1, dtype=np.float64)
    knot = n / 2
    u = (x - knot) / n
    basis = np.stack([np.ones(n), u, u**2, u**3, np.maximum(u, 0) ** 3], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return y - basis @ coef


def periodicity_wang(y: np.ndarray, th: float = 0.01) -> float:
    """hctsa ``PD_PeriodicityWang(y).th2`` (threshold 0.01): first ACF peak of the detrended series
    rising by at least ``th`` above the trough before it, and positive; 0 if none."""
    n = len(y)
    z = spline_detrend(y)
    acmax = math.ceil(n / 3)
    acf = np.array([np.mean(z[: n - i] * z[i:]) for i in range(1, acmax + 1)])
    bath = np.diff(np.sign(np.diff(acf)))
    troughs = np.flatnonzero(bath == 2) + 1  # 0-based index into acf (lag - 1)
    peaks = np.flatnonzero(bath == -2) + 1
    for ip in peaks:
        before = troughs[troughs < ip]
        if before.size == 0:
            continue
        it = before[-1]
        if acf[ip] - acf[it] < th or acf[ip] < 0:
            continue
        return float(ip + 1)
    return 0.0


def auto_edges(d: np.ndarray) -> np.ndarray:
    """Equal bins from min to max, as many as the larger of the Freedman-Diaconis (IQR by MATLAB
    quantiles) and Sturges counts (numpy's ``'auto'`` rule) but at most one per value, as pycatch22
    bins the distances."""
    lo, hi = float(d.min()), float(d.max())
    n = len(d)
    nb = math.ceil(math.log2(n) + 1)
    iqr = matlab_quantile(d, 0.75) - matlab_quantile(d, 0.25)
    if iqr > 0:
        nb = max(nb, math.ceil((hi - lo) / (2 * iqr / n ** (1 / 3))))
    nb = min(nb, n)
    return np.linspace(lo, hi, nb + 1)


def bin_index(v: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value: ``[e_i, e_i+1)``, the last bin closed, each interior edge lowered by
    ``EDGE_TOL`` of the first bin's width (pycatch22's tolerance). Values outside go to the end bins."""
    nb = len(edges) - 1
    inner = edges[1:-1] - EDGE_TOL * (edges[1] - edges[0])
    return np.searchsorted(inner, v, side="right").clip(0, nb - 1)


def histcounts(d: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.bincount(bin_index(d, edges), minlength=len(edges) - 1)


def embedding_dist(y: np.ndarray, acf: np.ndarray) -> float:
    """hctsa ``CO_Embed2_Dist(y, 'tau').d_expfit_meandiff``."""
    n = len(y)
    tau = first_crossing(acf, 0.0)[0]
    if tau > n / 10:
        tau = math.floor(n / 10)
    a, b = y[: n - tau], y[tau:]
    d = np.sqrt(np.diff(a) ** 2 + np.diff(b) ** 2)
    mu = np.mean(d)
    edges = auto_edges(d)
    p = histcounts(d, edges) / len(d) / np.diff(edges)  # a density
    centres = (edges[:-1] + edges[1:]) / 2
    expf = np.exp(-centres / mu) / mu
    return float(np.mean(np.abs(p - expf)))


def fluct_scales(n: int) -> np.ndarray:
    return np.unique(matlab_round(np.exp(np.linspace(math.log(5), math.log(math.floor(n / 2)), 50)))).astype(int)


def fluct_prop_r1(x: np.ndarray, method: str) -> float:
    """hctsa ``SC_FluctAnal(x, 2, method, 50, 1, lag, true).prop_r1`` (lag 2 for dfa: every other
    sample, the series' length then being that of the subsampled series)."""
    if method == "dfa":
        x = x[::2]
    n = len(x)
    y = np.cumsum(x)
    taus = fluct_scales(n)
    nt = len(taus)
    min_points = max(8, int(matlab_round(0.25 * nt)))
    if nt < 8 or nt < 2 * min_points:
        return math.nan
    f = np.empty(nt)
    for i, tau in enumerate(taus):
        nb = n // tau
        buf = y[: nb * tau].reshape(nb, tau)
        tt = np.arange(1, tau + 1, dtype=np.float64)
        tc = tt - tt.mean()
        slope = (buf - buf.mean(axis=1, keepdims=True)) @ tc / (tc @ tc)
        res = buf - buf.mean(axis=1, keepdims=True) - slope[:, None] * tc[None, :]
        if method == "dfa":
            f[i] = math.sqrt(np.mean(res**2))
        else:
            f[i] = math.sqrt(np.mean((res.max(axis=1) - res.min(axis=1)) ** 2))
    lt, lf = np.log(taus), np.log(f)
    sserr = np.full(nt, np.inf)
    for i in range(min_points, nt - min_points + 1):  # 1-based break point i
        e = 0.0
        for sl in (slice(0, i), slice(i - 1, nt)):
            p = np.polyfit(lt[sl], lf[sl], 1)
            e += np.sum((np.polyval(p, lt[sl]) - lf[sl]) ** 2)
        sserr[i - 1] = e / nt
    return float((np.argmin(sserr) + 1) / nt)


def masked_values(n: int) -> np.ndarray:
    """pycatch22's masked value of each feature for a series of n samples, but for
    ``embedding_dist`` of a constant series: pycatch22 gives a sentinel near 706 + n/sqrt(2) whose
    exact form we could not derive; ours is 0 (no distances at all)."""
    out = np.zeros(len(NAMES))
    out[NAMES.index("CO_FirstCrossing_acf_1e_pointOfCrossing")] = n - 1
    out[NAMES.index("CO_FirstMin_ac")] = n
    out[NAMES.index("SP_Summaries_fft_area_5_1")] = 1.0
    out[NAMES.index("IN_AutoMutualInfoStats_40_gaussian_fmmi")] = math.ceil(n / 2)
    out[NAMES.index("SB_TransitionMatrix_quantile_3_ac_sumdiagcov")] = 1 / 9
    out[NAMES.index("SC_FluctAnal_2_rsrangefit_50_1_logi_prop_r1")] = 1.0
    out[NAMES.index("SC_FluctAnal_2_dfa_50_1_2_logi_prop_r1")] = 1.0
    return out


def catch22(x: np.ndarray, catch24: bool = False) -> np.ndarray:
    """The 22 features of series ``x`` (1-D) in ``NAMES`` order, + mean and std if ``catch24``."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    extra = [float(np.mean(x)), float(np.std(x, ddof=1))] if catch24 else []
    if np.all(x == x[0]):
        return np.concatenate([masked_values(n), extra])
    y = zscore(x)
    acf = acf_fourier(y)
    v = [
        histogram_mode(y, 5),
        histogram_mode(y, 10),
        outlier_include(y, 1),
        outlier_include(y, -1),
        first_crossing(acf, 1 / math.e)[1],
        float(first_min_ac(acf)),
        spectral_area_5_1(y),
        spectral_wq_50(y),
        forecast_stde(y),
        whiten_timescale(y),
        pnn40(y),
        float(longest_run(y - y.mean() > 0, 1)),
        float(longest_run(np.diff(y) > 0, 0)),
        entropy_pairs(y),
        histogram_ami(y),
        trev_num(y),
        ami_timescale(y),
        transition_variance(y, acf),
        periodicity_wang(y),
        embedding_dist(y, acf),
        fluct_prop_r1(y, "rsrangefit"),
        fluct_prop_r1(y, "dfa"),
    ]
    out = np.array(v, dtype=np.float64)
    bad = ~np.isfinite(out)
    out[bad] = masked_values(n)[bad]
    return np.concatenate([out, extra])
