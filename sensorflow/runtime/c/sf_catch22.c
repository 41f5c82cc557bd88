/* sf_catch22: the catch22 features of one channel, float32 (see sf_catch22.h). */
#include "sf_catch22.h"

#include <math.h>

#define C22_BLOCK 32u
#define C22_PI 3.14159265358979f
#define C22_EDGE_TOL 1e-6f   /* a value this many bin widths below an inner edge counts above it */
#define C22_MODE_SHIFT 1e-6f /* histogram-mode centres but the last sit this many widths low */
#define C22_MAX_SCALES 50

uint32_t sf_catch22_scratch_floats(uint32_t n)
{
    return SF_CATCH22_SCRATCH_FLOATS(n);
}

/* ------------------------------------------------------------------ sums and moments */

static float sum_f(const float *x, uint32_t n)
{
    float total = 0.0f;
    uint32_t b, i;
    for (b = 0; b < n; b += C22_BLOCK) {
        uint32_t end = (n - b < C22_BLOCK) ? n : b + C22_BLOCK;
        float s = 0.0f;
        for (i = b; i < end; i++) s += x[i];
        total += s;
    }
    return total;
}

static float ssd_f(const float *x, uint32_t n, float m)
{
    float total = 0.0f;
    uint32_t b, i;
    for (b = 0; b < n; b += C22_BLOCK) {
        uint32_t end = (n - b < C22_BLOCK) ? n : b + C22_BLOCK;
        float s = 0.0f;
        for (i = b; i < end; i++) s += (x[i] - m) * (x[i] - m);
        total += s;
    }
    return total;
}

/* sum of x[i] * x[i + k], i < n - k */
static float dot_lag(const float *x, uint32_t n, uint32_t k)
{
    float total = 0.0f;
    uint32_t b, i, m = n - k;
    for (b = 0; b < m; b += C22_BLOCK) {
        uint32_t end = (m - b < C22_BLOCK) ? m : b + C22_BLOCK;
        float s = 0.0f;
        for (i = b; i < end; i++) s += x[i] * x[i + k];
        total += s;
    }
    return total;
}

static void zscore_inplace(float *x, uint32_t n)
{
    float m = sum_f(x, n) / (float)n;
    float sd = sqrtf(ssd_f(x, n, m) / (float)(n - 1));
    float inv = (sd > 0.0f) ? 1.0f / sd : 1.0f;
    uint32_t i;
    for (i = 0; i < n; i++) x[i] = (x[i] - m) * inv;
}

static void minmax_f(const float *x, uint32_t n, float *lo, float *hi)
{
    uint32_t i;
    *lo = *hi = x[0];
    for (i = 1; i < n; i++) {
        if (x[i] < *lo) *lo = x[i];
        if (x[i] > *hi) *hi = x[i];
    }
}

static void heapsort_f(float *a, uint32_t n)
{
    uint32_t start = n / 2, end = n;
    while (end > 1) {
        uint32_t root, child;
        float t;
        if (start > 0) {
            start--;
        } else {
            end--;
            t = a[end];
            a[end] = a[0];
            a[0] = t;
        }
        root = start;
        while ((child = 2u * root + 1u) < end) {
            if (child + 1u < end && a[child] < a[child + 1u]) child++;
            if (a[root] < a[child]) {
                t = a[root];
                a[root] = a[child];
                a[child] = t;
                root = child;
            } else {
                break;
            }
        }
    }
}

/* MATLAB quantile of sorted s: value i (1-based) sits at probability (i - 0.5) / n. */
static float quantile_sorted(const float *s, uint32_t n, float p)
{
    float pos = (float)n * p + 0.5f;
    uint32_t lo;
    if (pos <= 1.0f) return s[0];
    if (pos >= (float)n) return s[n - 1];
    lo = (uint32_t)floorf(pos);
    return s[lo - 1] + (pos - (float)lo) * (s[lo] - s[lo - 1]);
}

static void copy_sorted(const float *x, uint32_t n, float *dst)
{
    uint32_t i;
    for (i = 0; i < n; i++) dst[i] = x[i];
    heapsort_f(dst, n);
}

static int bin_of(float v, float lo, float width, int nb)
{
    int k = (int)floorf((v - lo) / width + C22_EDGE_TOL);
    if (k < 0) k = 0;
    if (k > nb - 1) k = nb - 1;
    return k;
}

/* ------------------------------------------------------------------ autocorrelation */

/* First lag where the ACF of x (lag 0 = 1) crosses threshold th < 1 downwards; *point is the
 * linearly interpolated lag (hctsa CO_FirstCrossing). n - 1 if it never does. */
static uint32_t first_crossing(const float *x, uint32_t n, float denom, float th, float *point)
{
    float prev = 1.0f;
    uint32_t k;
    for (k = 1; k < n; k++) {
        float a = dot_lag(x, n, k) / denom;
        if (a - th < 0.0f) {
            *point = (float)(k - 1) + (th - prev) / (a - prev);
            return k;
        }
        prev = a;
    }
    *point = (float)(n - 1);
    return n - 1;
}

static float first_min_ac(const float *x, uint32_t n, float denom)
{
    float a1, a2, a;
    uint32_t i;
    if (n < 3) return (float)n;
    a1 = dot_lag(x, n, 1) / denom;
    a2 = dot_lag(x, n, 2) / denom;
    if (a2 > a1) return 1.0f;
    for (i = 3; i < n; i++) {
        a = dot_lag(x, n, i) / denom;
        if (a1 > a2 && a2 < a) return (float)(i - 1);
        a1 = a2;
        a2 = a;
    }
    return (float)n;
}

/* ------------------------------------------------------------------ distribution */

static float histogram_mode(const float *y, uint32_t n, int nb, float lo, float hi)
{
    uint32_t counts[10] = {0}, best = 0, i;
    float width = (hi - lo) / (float)nb, sum = 0.0f;
    int k, ties = 0;
    for (i = 0; i < n; i++) counts[bin_of(y[i], lo, width, nb)]++;
    for (k = 0; k < nb; k++) {
        if (counts[k] > best) best = counts[k];
    }
    for (k = 0; k < nb; k++) {
        if (counts[k] == best) {
            float c = lo + ((float)k + 0.5f) * width;
            if (k < nb - 1) c -= C22_MODE_SHIFT * width;
            sum += c;
            ties++;
        }
    }
    return sum / (float)ties;
}

/* hctsa DN_OutlierInclude(y, 'pos'|'neg', 0.01).mdrmd; idx: n floats, md: thresholds */
static float outlier_include(const float *y, uint32_t n, float sign, float *idx, float *md)
{
    uint32_t tot = 0, m = n, i, k, nmd = 0;
    float top = sign * y[0], half = (float)n / 2.0f;
    for (i = 0; i < n; i++) {
        float v = sign * y[i];
        if (v >= 0.0f) tot++;
        if (v > top) top = v;
        idx[i] = (float)(i + 1u);
    }
    for (k = 0;; k++) {
        float th = (float)k * 0.01f, med;
        uint32_t kept = 0;
        if (th > top) break;
        for (i = 0; i < m; i++) {
            if (sign * y[(uint32_t)idx[i] - 1u] >= th) idx[kept++] = idx[i];
        }
        m = kept;
        if (m < 2u || (float)(m - 1u) / (float)tot * 100.0f <= 2.0f) break;
        med = (m & 1u) ? idx[m / 2u] : (idx[m / 2u - 1u] + idx[m / 2u]) / 2.0f;
        md[nmd++] = med / half - 1.0f;
    }
    if (nmd == 0) return 0.0f;
    heapsort_f(md, nmd);
    return (nmd & 1u) ? md[nmd / 2u] : (md[nmd / 2u - 1u] + md[nmd / 2u]) / 2.0f;
}

/* ------------------------------------------------------------------ spectrum */

/* in-place radix-2 forward FFT of nfft interleaved complex values */
static void fft_f32(float *buf, uint32_t nfft)
{
    uint32_t i, j = 0, len;
    for (i = 1; i < nfft; i++) {
        uint32_t bit = nfft >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            float tr = buf[2 * i], ti = buf[2 * i + 1];
            buf[2 * i] = buf[2 * j];
            buf[2 * i + 1] = buf[2 * j + 1];
            buf[2 * j] = tr;
            buf[2 * j + 1] = ti;
        }
    }
    for (len = 2; len <= nfft; len <<= 1) {
        uint32_t half = len >> 1, k;
        float ang = -2.0f * C22_PI / (float)len, cs = cosf(ang), sn = sinf(ang), wr = 1.0f, wi = 0.0f;
        for (k = 0; k < half; k++) {
            if ((k & 15u) == 0u) { /* re-anchor the rotation every 16 steps */
                wr = cosf(ang * (float)k);
                wi = sinf(ang * (float)k);
            }
            for (i = k; i < nfft; i += len) {
                uint32_t a = 2 * i, b = 2 * (i + half);
                float xr = buf[b] * wr - buf[b + 1] * wi, xi = buf[b] * wi + buf[b + 1] * wr;
                buf[b] = buf[a] - xr;
                buf[b + 1] = buf[a + 1] - xi;
                buf[a] += xr;
                buf[a + 1] += xi;
            }
            {
                float t = wr * cs - wi * sn;
                wi = wr * sn + wi * cs;
                wr = t;
            }
        }
    }
}

/* low_freq_power and median_freq (hctsa SP_Summaries 'fft': area_5_1, wq_50) */
static void spectrum_features(const float *y, uint32_t n, float *buf, float *area, float *wq50)
{
    uint32_t nfft = SF_CATCH22_NFFT(n), m, k, nlow;
    float total, cs = 0.0f, low = 0.0f;
    for (k = 0; k < nfft; k++) {
        buf[2 * k] = (k < n) ? y[k] : 0.0f;
        buf[2 * k + 1] = 0.0f;
    }
    fft_f32(buf, nfft);
    m = nfft / 2 + 1;
    for (k = 0; k < m; k++) buf[k] = buf[2 * k] * buf[2 * k] + buf[2 * k + 1] * buf[2 * k + 1];
    nlow = (m + 4u) / 5u; /* ceil(m / 5) */
    total = sum_f(buf, m);
    low = sum_f(buf, nlow);
    *area = low / ((float)n * (float)(m - 1));
    *wq50 = C22_PI;
    for (k = 0; k < m; k++) {
        cs += buf[k];
        if (cs >= total * 0.5f) {
            *wq50 = C22_PI * (float)k / (float)(m - 1);
            break;
        }
    }
}

/* ------------------------------------------------------------------ symbolic */

static float longest_run(const float *y, uint32_t n, int use_diff, float mean, int want)
{
    uint32_t i, run = 0, best = 0, len = use_diff ? n - 1 : n;
    for (i = 0; i < len; i++) {
        int bit = use_diff ? (y[i + 1] - y[i] > 0.0f) : (y[i] - mean > 0.0f);
        run = (bit == want) ? run + 1 : 0;
        if (run > best) best = run;
    }
    return (float)best;
}

static int symbol3(float v, float q1, float q2)
{
    return (v <= q1) ? 0 : (v <= q2) ? 1 : 2;
}

static float entropy_pairs(const float *y, uint32_t n, float *sorted)
{
    uint32_t counts[9] = {0}, i;
    float q1, q2, h = 0.0f;
    int occupied = 0, df, k;
    copy_sorted(y, n, sorted);
    q1 = quantile_sorted(sorted, n, 1.0f / 3.0f);
    q2 = quantile_sorted(sorted, n, 2.0f / 3.0f);
    for (i = 0; i + 1 < n; i++) counts[3 * symbol3(y[i], q1, q2) + symbol3(y[i + 1], q1, q2)]++;
    for (k = 0; k < 9; k++) {
        if (counts[k]) {
            float p = (float)counts[k] / (float)(n - 1);
            h -= p * logf(p);
            occupied++;
        }
    }
    df = occupied - 1 - 2 * 2;
    if (df > 0) h += (float)df / (2.0f * (float)(n - 1));
    return h;
}

static float histogram_ami2(const float *y, uint32_t n, float lo, float hi)
{
    uint32_t joint[25] = {0}, i, ns = n - 2;
    float step = (hi - lo) / 5.0f, w1 = step + 0.1f, pi[5] = {0}, pj[5] = {0}, ami = 0.0f, inner[4];
    int a, b, mxy = 0, mx = 0, my = 0;
    for (a = 0; a < 4; a++) inner[a] = lo + (float)(a + 1) * step - C22_EDGE_TOL * w1;
    for (i = 0; i < ns; i++) {
        int k1 = 0, k2 = 0;
        for (a = 0; a < 4; a++) {
            if (y[i] >= inner[a]) k1 = a + 1;
            if (y[i + 2] >= inner[a]) k2 = a + 1;
        }
        joint[5 * k1 + k2]++;
    }
    for (a = 0; a < 5; a++) {
        for (b = 0; b < 5; b++) {
            float p = (float)joint[5 * a + b] / (float)ns;
            pi[a] += p;
            pj[b] += p;
        }
    }
    for (a = 0; a < 5; a++) {
        mx += pi[a] > 0.0f;
        my += pj[a] > 0.0f;
        for (b = 0; b < 5; b++) {
            if (joint[5 * a + b]) {
                float p = (float)joint[5 * a + b] / (float)ns;
                ami += p * logf(p / pi[a] / pj[b]);
                mxy++;
            }
        }
    }
    return ami - (float)(mxy - mx - my + 1) / (2.0f * (float)ns);
}

/* ------------------------------------------------------------------ correlation structure */

static float pearson_lag(const float *y, uint32_t n, uint32_t tau)
{
    uint32_t m = n - tau;
    float ma = sum_f(y, m) / (float)m, mb = sum_f(y + tau, m) / (float)m;
    float sab = 0.0f, saa = 0.0f, sbb = 0.0f;
    uint32_t b, i;
    for (b = 0; b < m; b += C22_BLOCK) {
        uint32_t end = (m - b < C22_BLOCK) ? m : b + C22_BLOCK;
        float s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        for (i = b; i < end; i++) {
            float u = y[i] - ma, v = y[i + tau] - mb;
            s1 += u * v;
            s2 += u * u;
            s3 += v * v;
        }
        sab += s1;
        saa += s2;
        sbb += s3;
    }
    return sab / sqrtf(saa * sbb);
}

static float ami_timescale(const float *y, uint32_t n)
{
    uint32_t max_tau = (n + 1u) / 2u, tau;
    float a2 = 0.0f, a1 = 0.0f;
    if (max_tau > 40u) max_tau = 40u;
    for (tau = 1; tau <= max_tau; tau++) {
        float r = pearson_lag(y, n, tau), a = -0.5f * logf(1.0f - r * r);
        if (tau >= 3u) {
            float d0 = a1 - a2, d1 = a - a1;
            if (d0 * d1 < 0.0f && d0 < 0.0f) return (float)(tau - 1u);
        }
        a2 = a1;
        a1 = a;
    }
    return (float)max_tau;
}

static float bessel_i0(float x)
{
    float term = 1.0f, sum = 1.0f, q = x * x / 4.0f;
    int k;
    for (k = 1; k < 40; k++) {
        term *= q / (float)(k * k);
        sum += term;
        if (term < 1e-9f * sum) break;
    }
    return sum;
}

/* hctsa SB_TransitionMatrix(y, 'quantile', 3, 'ac').sumdiagcov with the lag capped at n / 50 and
 * MATLAB resample(y, 1, tau); work: 3n floats */
static float transition_variance(const float *y, uint32_t n, uint32_t tau0, float *work)
{
    uint32_t tau = tau0 < n / 50u ? tau0 : n / 50u, m = n, i, k;
    const float *ds = y;
    float *sorted, q1, q2, t[9] = {0}, out = 0.0f;
    if (tau > 1u) {
        uint32_t half = 10u * tau, len = 2u * half + 1u;
        float *h = work, *d = work + len, hsum = 0.0f, i0b = bessel_i0(5.0f);
        for (k = 0; k < len; k++) {
            float tt = (float)k - (float)half, r = tt / (float)half, s = tt / (float)tau;
            float sinc = (tt == 0.0f) ? 1.0f : sinf(C22_PI * s) / (C22_PI * s);
            float win = bessel_i0(5.0f * sqrtf(fmaxf(0.0f, 1.0f - r * r))) / i0b;
            h[k] = sinc / (float)tau * win;
            hsum += h[k];
        }
        for (k = 0; k < len; k++) h[k] /= hsum;
        m = (n + tau - 1u) / tau;
        for (k = 0; k < m; k++) {
            long c = (long)(k * tau), j0 = c - (long)half, j1 = c + (long)half, j;
            float s = 0.0f;
            if (j0 < 0) j0 = 0;
            if (j1 > (long)n - 1) j1 = (long)n - 1;
            for (j = j0; j <= j1; j++) s += y[j] * h[(long)half + c - j];
            d[k] = s;
        }
        ds = d;
        sorted = d + m;
    } else {
        sorted = work;
    }
    copy_sorted(ds, m, sorted);
    q1 = quantile_sorted(sorted, m, 1.0f / 3.0f);
    q2 = quantile_sorted(sorted, m, 2.0f / 3.0f);
    for (i = 0; i + 1 < m; i++) t[3 * symbol3(ds[i], q1, q2) + symbol3(ds[i + 1], q1, q2)] += 1.0f;
    for (k = 0; k < 9; k++) t[k] /= (float)(m - 1);
    for (k = 0; k < 3; k++) { /* variance (ddof 1) of column k */
        float mu = (t[k] + t[3 + k] + t[6 + k]) / 3.0f, v = 0.0f;
        for (i = 0; i < 3; i++) v += (t[3 * i + k] - mu) * (t[3 * i + k] - mu);
        out += v / 2.0f;
    }
    return out;
}

/* Cholesky solve of the 5 x 5 SPD system g c = r (g overwritten) */
static void solve5(float g[5][5], float r[5], float c[5])
{
    int i, j, k;
    for (j = 0; j < 5; j++) {
        float d = g[j][j];
        for (k = 0; k < j; k++) d -= g[j][k] * g[j][k];
        d = sqrtf(d > 0.0f ? d : 1e-30f);
        g[j][j] = d;
        for (i = j + 1; i < 5; i++) {
            float s = g[i][j];
            for (k = 0; k < j; k++) s -= g[i][k] * g[j][k];
            g[i][j] = s / d;
        }
    }
    for (i = 0; i < 5; i++) {
        float s = r[i];
        for (k = 0; k < i; k++) s -= g[i][k] * c[k];
        c[i] = s / g[i][i];
    }
    for (i = 4; i >= 0; i--) {
        float s = c[i];
        for (k = i + 1; k < 5; k++) s -= g[k][i] * c[k];
        c[i] = s / g[i][i];
    }
}

static void spline_basis(uint32_t t, uint32_t n, float f[5])
{
    float v = 2.0f * ((float)(t + 1u) - (float)n / 2.0f) / (float)n, p = v > 0.0f ? v : 0.0f;
    f[0] = 1.0f;
    f[1] = v;
    f[2] = (3.0f * v * v - 1.0f) / 2.0f;
    f[3] = (5.0f * v * v * v - 3.0f * v) / 2.0f;
    f[4] = p * p * p;
}

/* hctsa PD_PeriodicityWang(y).th2 (threshold 0.01). The ACF of the detrended series up to lag
 * ceil(n/3) comes from one FFT of the zero-padded series and one of its power spectrum (padded to
 * SF_CATCH22_NFFT(n + ceil(n/3)) so no lag wraps); work: 2 * that many floats */
static float periodicity_wang(const float *y, uint32_t n, float *work)
{
    float g[5][5] = {{0}}, r[5] = {0}, c[5], f[5], last_trough = 0.0f, scale;
    uint32_t acmax = (n + 2u) / 3u, nfft = SF_CATCH22_NFFT(n + acmax), t, i, b;
    int have_trough = 0, a, q;
    for (b = 0; b < n; b += C22_BLOCK) { /* normal equations, blocked */
        uint32_t end = (n - b < C22_BLOCK) ? n : b + C22_BLOCK;
        float gb[5][5] = {{0}}, rb[5] = {0};
        for (t = b; t < end; t++) {
            spline_basis(t, n, f);
            for (a = 0; a < 5; a++) {
                rb[a] += f[a] * y[t];
                for (q = 0; q <= a; q++) gb[a][q] += f[a] * f[q];
            }
        }
        for (a = 0; a < 5; a++) {
            r[a] += rb[a];
            for (q = 0; q <= a; q++) g[a][q] += gb[a][q];
        }
    }
    for (a = 0; a < 5; a++) {
        for (q = a + 1; q < 5; q++) g[a][q] = g[q][a];
    }
    solve5(g, r, c);
    for (t = 0; t < nfft; t++) {
        work[2 * t] = 0.0f;
        work[2 * t + 1] = 0.0f;
        if (t < n) {
            spline_basis(t, n, f);
            work[2 * t] = y[t] - (c[0] * f[0] + c[1] * f[1] + c[2] * f[2] + c[3] * f[3] + c[4] * f[4]);
        }
    }
    fft_f32(work, nfft);
    for (t = 0; t < nfft; t++) {
        work[2 * t] = work[2 * t] * work[2 * t] + work[2 * t + 1] * work[2 * t + 1];
        work[2 * t + 1] = 0.0f;
    }
    fft_f32(work, nfft); /* real, even spectrum: the forward transform is nfft times the inverse */
    scale = 1.0f / (float)nfft;
#define C22_WANG_ACF(lag) (work[2u * (lag)] * scale / (float)(n - (lag)))
    for (i = 1; i + 1 < acmax; i++) { /* acf index i holds lag i + 1 */
        float prev = C22_WANG_ACF(i), cur = C22_WANG_ACF(i + 1u), next = C22_WANG_ACF(i + 2u);
        float din = cur - prev, dout = next - cur;
        int sin_ = (din > 0.0f) - (din < 0.0f), sout = (dout > 0.0f) - (dout < 0.0f);
        if (sout - sin_ == 2) {
            last_trough = cur;
            have_trough = 1;
        } else if (sout - sin_ == -2 && have_trough) {
            if (cur - last_trough >= 0.01f && cur >= 0.0f) return (float)(i + 1u);
        }
    }
#undef C22_WANG_ACF
    return 0.0f;
}

/* hctsa CO_Embed2_Dist(y, 'tau').d_expfit_meandiff (histogram as pycatch22 bins it); work: 3n */
static float embedding_dist(const float *y, uint32_t n, uint32_t tau0, float *work)
{
    uint32_t tau = tau0 < n / 10u ? tau0 : n / 10u, len = n - tau - 1u, i, nb;
    float *d = work, *sorted = work + len, *counts = work + 2u * len, mu, lo, hi, iqr, step, out = 0.0f;
    int k;
    for (i = 0; i < len; i++) {
        float a = y[i + 1] - y[i], b = y[i + tau + 1] - y[i + tau];
        d[i] = sqrtf(a * a + b * b);
    }
    mu = sum_f(d, len) / (float)len;
    copy_sorted(d, len, sorted);
    lo = sorted[0];
    hi = sorted[len - 1];
    iqr = quantile_sorted(sorted, len, 0.75f) - quantile_sorted(sorted, len, 0.25f);
    nb = (uint32_t)ceilf(log2f((float)len) + 1.0f);
    if (iqr > 0.0f) {
        uint32_t fd = (uint32_t)ceilf((hi - lo) / (2.0f * iqr / cbrtf((float)len)));
        if (fd > nb) nb = fd;
    }
    if (nb > len) nb = len;
    if (!(hi > lo)) return 0.0f;
    step = (hi - lo) / (float)nb;
    for (k = 0; k < (int)nb; k++) counts[k] = 0.0f;
    for (i = 0; i < len; i++) counts[bin_of(d[i], lo, step, (int)nb)] += 1.0f;
    for (k = 0; k < (int)nb; k++) {
        float e0 = lo + (float)k * step, e1 = (k == (int)nb - 1) ? hi : lo + (float)(k + 1) * step;
        float p = counts[k] / ((float)len * (e1 - e0)), centre = (e0 + e1) / 2.0f;
        out += fabsf(p - expf(-centre / mu) / mu);
    }
    return out / (float)nb;
}

/* ------------------------------------------------------------------ fluctuation analysis */

/* hctsa SC_FluctAnal(x, 2, 'rsrangefit'|'dfa', 50, 1, lag, true).prop_r1; work: n floats */
static float fluct_prop_r1(const float *y, uint32_t n, int dfa, float *work)
{
    uint32_t step = dfa ? 2u : 1u, nn = (n + step - 1u) / step, i, nt = 0, half, min_points, s;
    int taus[C22_MAX_SCALES];
    float lt[C22_MAX_SCALES], lf[C22_MAX_SCALES], acc = 0.0f, l5, lh, best = SF_INFINITY;
    uint32_t best_i = 0;
    for (i = 0; i < nn; i++) {
        acc += y[i * step];
        work[i] = acc;
    }
    half = nn / 2u;
    if (half < 1u) return 1.0f;
    l5 = logf(5.0f);
    lh = logf((float)half);
    for (i = 0; i < C22_MAX_SCALES; i++) {
        float e = (i == C22_MAX_SCALES - 1) ? lh : l5 + (float)i * ((lh - l5) / (float)(C22_MAX_SCALES - 1));
        int tau = (int)floorf(expf(e) + 0.5f);
        if (nt == 0 || tau != taus[nt - 1]) taus[nt++] = tau;
    }
    min_points = (uint32_t)floorf(0.25f * (float)nt + 0.5f);
    if (min_points < 8u) min_points = 8u;
    if (nt < 2u * min_points || taus[0] > taus[nt - 1]) return 1.0f;
    for (s = 0; s < nt; s++) {
        uint32_t tau = (uint32_t)taus[s], nseg = nn / tau, j, t;
        float tbar = (float)(tau - 1u) / 2.0f, stt = (float)tau * ((float)tau * (float)tau - 1.0f) / 12.0f;
        float fsum = 0.0f;
        for (j = 0; j < nseg; j++) {
            const float *seg = work + j * tau;
            float ybar = sum_f(seg, tau) / (float)tau, sty = 0.0f, slope, rmin = SF_INFINITY, rmax = -SF_INFINITY,
                  ss = 0.0f;
            for (t = 0; t < tau; t++) sty += ((float)t - tbar) * (seg[t] - ybar);
            slope = sty / stt;
            for (t = 0; t < tau; t++) {
                float res = seg[t] - ybar - slope * ((float)t - tbar);
                if (res < rmin) rmin = res;
                if (res > rmax) rmax = res;
                ss += res * res;
            }
            fsum += dfa ? ss : (rmax - rmin) * (rmax - rmin);
        }
        lt[s] = logf((float)tau);
        lf[s] = 0.5f * logf(fsum / (float)(dfa ? nseg * tau : nseg));
    }
    for (i = min_points; i + min_points <= nt; i++) { /* break point i (1-based) */
        float err = 0.0f;
        int part;
        for (part = 0; part < 2; part++) {
            uint32_t a = part ? i - 1u : 0u, b = part ? nt : i, k, cnt = b - a;
            float mx = 0.0f, my = 0.0f, sxx = 0.0f, sxy = 0.0f, slope;
            for (k = a; k < b; k++) {
                mx += lt[k];
                my += lf[k];
            }
            mx /= (float)cnt;
            my /= (float)cnt;
            for (k = a; k < b; k++) {
                sxx += (lt[k] - mx) * (lt[k] - mx);
                sxy += (lt[k] - mx) * (lf[k] - my);
            }
            slope = sxy / sxx;
            for (k = a; k < b; k++) {
                float e = my + slope * (lt[k] - mx) - lf[k];
                err += e * e;
            }
        }
        err /= (float)nt;
        if (err < best) {
            best = err;
            best_i = i;
        }
    }
    return (float)best_i / (float)nt;
}

/* ------------------------------------------------------------------ all features */

#define C22_WANT(k) ((features >> (uint32_t)(k)) & 1u)

static void masked(uint32_t n, float *out)
{
    int k;
    for (k = 0; k < SF_C22_COUNT; k++) out[k] = 0.0f;
    out[SF_C22_ACF_TIMESCALE] = (float)(n - 1u);
    out[SF_C22_ACF_FIRST_MIN] = (float)n;
    out[SF_C22_LOW_FREQ_POWER] = 1.0f;
    out[SF_C22_AMI_TIMESCALE] = (float)((n + 1u) / 2u);
    out[SF_C22_TRANSITION_VARIANCE] = 1.0f / 9.0f;
    out[SF_C22_RS_RANGE] = 1.0f;
    out[SF_C22_DFA] = 1.0f;
}

int sf_catch22_f32(const float *src, uint32_t stride, uint32_t n, uint32_t features, int catch24, float *scratch,
                   float *out)
{
    float *y, *work, lo, hi, denom, point, m, sd, tmp, ty = 0.0f;
    uint32_t i, tau0 = 0;
    int constant = 1, k;
    if (!src || !scratch || !out) return SF_ERR_NULL;
    if (n < 5u || n > 8192u || stride < 1u) return SF_ERR_ARG;
    y = scratch;
    work = scratch + n;
    for (i = 0; i < n; i++) {
        y[i] = src[i * stride];
        if (y[i] != y[0]) constant = 0;
    }
    m = sum_f(y, n) / (float)n;
    sd = sqrtf(ssd_f(y, n, m) / (float)(n - 1u));
    if (catch24) {
        out[SF_C22_COUNT] = m;
        out[SF_C22_COUNT + 1] = sd;
    }
    if (constant) {
        masked(n, out);
        for (k = 0; k < SF_C22_COUNT; k++) {
            if (!C22_WANT(k)) out[k] = 0.0f;
        }
        return SF_OK;
    }
    for (k = 0; k < SF_C22_COUNT; k++) out[k] = 0.0f;
    zscore_inplace(y, n);
    minmax_f(y, n, &lo, &hi);
    denom = dot_lag(y, n, 0);

    if (C22_WANT(SF_C22_MODE_5)) out[SF_C22_MODE_5] = histogram_mode(y, n, 5, lo, hi);
    if (C22_WANT(SF_C22_MODE_10)) out[SF_C22_MODE_10] = histogram_mode(y, n, 10, lo, hi);
    if (C22_WANT(SF_C22_OUTLIER_TIMING_POS)) out[SF_C22_OUTLIER_TIMING_POS] = outlier_include(y, n, 1.0f, work, work + n);
    if (C22_WANT(SF_C22_OUTLIER_TIMING_NEG)) out[SF_C22_OUTLIER_TIMING_NEG] = outlier_include(y, n, -1.0f, work, work + n);
    if (C22_WANT(SF_C22_ACF_TIMESCALE)) {
        first_crossing(y, n, denom, 0.36787944117144233f, &point);
        out[SF_C22_ACF_TIMESCALE] = point;
    }
    if (C22_WANT(SF_C22_ACF_FIRST_MIN)) out[SF_C22_ACF_FIRST_MIN] = first_min_ac(y, n, denom);
    if (C22_WANT(SF_C22_LOW_FREQ_POWER) || C22_WANT(SF_C22_MEDIAN_FREQ)) {
        float area, wq;
        spectrum_features(y, n, work, &area, &wq);
        if (C22_WANT(SF_C22_LOW_FREQ_POWER)) out[SF_C22_LOW_FREQ_POWER] = area;
        if (C22_WANT(SF_C22_MEDIAN_FREQ)) out[SF_C22_MEDIAN_FREQ] = wq;
    }
    if (C22_WANT(SF_C22_FORECAST_ERROR)) { /* std (ddof 1) of mean-of-3 forecast residuals */
        float em, ev;
        for (i = 0; i + 3u < n; i++) work[i] = (y[i] + y[i + 1] + y[i + 2]) / 3.0f - y[i + 3];
        em = sum_f(work, n - 3u) / (float)(n - 3u);
        ev = ssd_f(work, n - 3u, em);
        out[SF_C22_FORECAST_ERROR] = sqrtf(ev / (float)(n - 4u));
    }
    if (C22_WANT(SF_C22_WHITEN_TIMESCALE) || C22_WANT(SF_C22_TRANSITION_VARIANCE) || C22_WANT(SF_C22_EMBEDDING_DIST)) {
        tau0 = first_crossing(y, n, denom, 0.0f, &ty);
    }
    if (C22_WANT(SF_C22_WHITEN_TIMESCALE)) { /* first zero of the ACF of lag-1 residuals over y's */
        float te, esd;
        for (i = 0; i + 1u < n; i++) work[i] = y[i] - y[i + 1];
        tmp = sum_f(work, n - 1u) / (float)(n - 1u);
        esd = ssd_f(work, n - 1u, tmp);
        if (esd > 0.0f && ty != 0.0f) {
            zscore_inplace(work, n - 1u);
            first_crossing(work, n - 1u, dot_lag(work, n - 1u, 0), 0.0f, &te);
            out[SF_C22_WHITEN_TIMESCALE] = te / ty;
        }
    }
    if (C22_WANT(SF_C22_HIGH_FLUCTUATION)) {
        uint32_t cnt = 0;
        for (i = 0; i + 1u < n; i++) cnt += fabsf(y[i + 1] - y[i]) * 1000.0f > 40.0f;
        out[SF_C22_HIGH_FLUCTUATION] = (float)cnt / (float)(n - 1u);
    }
    if (C22_WANT(SF_C22_STRETCH_HIGH)) out[SF_C22_STRETCH_HIGH] = longest_run(y, n, 0, sum_f(y, n) / (float)n, 1);
    if (C22_WANT(SF_C22_STRETCH_DECREASING)) out[SF_C22_STRETCH_DECREASING] = longest_run(y, n, 1, 0.0f, 0);
    if (C22_WANT(SF_C22_ENTROPY_PAIRS)) out[SF_C22_ENTROPY_PAIRS] = entropy_pairs(y, n, work);
    if (C22_WANT(SF_C22_AMI2)) out[SF_C22_AMI2] = histogram_ami2(y, n, lo, hi);
    if (C22_WANT(SF_C22_TREV)) {
        for (i = 0; i + 1u < n; i++) {
            float d = y[i + 1] - y[i];
            work[i] = d * d * d;
        }
        out[SF_C22_TREV] = sum_f(work, n - 1u) / (float)(n - 1u);
    }
    if (C22_WANT(SF_C22_AMI_TIMESCALE)) out[SF_C22_AMI_TIMESCALE] = ami_timescale(y, n);
    if (C22_WANT(SF_C22_TRANSITION_VARIANCE)) out[SF_C22_TRANSITION_VARIANCE] = transition_variance(y, n, tau0, work);
    if (C22_WANT(SF_C22_PERIODICITY)) out[SF_C22_PERIODICITY] = periodicity_wang(y, n, work);
    if (C22_WANT(SF_C22_EMBEDDING_DIST)) out[SF_C22_EMBEDDING_DIST] = embedding_dist(y, n, tau0, work);
    if (C22_WANT(SF_C22_RS_RANGE)) out[SF_C22_RS_RANGE] = fluct_prop_r1(y, n, 0, work);
    if (C22_WANT(SF_C22_DFA)) out[SF_C22_DFA] = fluct_prop_r1(y, n, 1, work);
    return SF_OK;
}
