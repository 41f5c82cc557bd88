"""sf_catch22 on the emulated Cortex-M4F (qemu-mps2-an386, QEMU -icount through
sensorflow.device.measure.measure_c): the features of real windows computed on the device
agree with the float64 reference as on the host (tests/features/test_catch22_c.py), and the
instructions per window, in total and feature by feature, are printed (``-s``) for the report.

Run as a script for the table: ``python tests/features/test_catch22_m4f.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sensorflow.dsp import catch22 as c22

RUNTIME = Path(__file__).resolve().parents[2] / "sensorflow" / "runtime" / "c"
BOARD = "qemu-mps2-an386"
BUDGET = 10_000_000  # instructions per inference on the M4F (issue 25)

# one feature alone, on the z-scored window (C22_FEATURE = its SF_C22_* index); -1 = the whole
# kernel (copy, z-score, all 22 + mean/std); 99 = copy and z-score only
ONE_FEATURE = r"""
static int one_feature(const float *x, uint32_t n)
{
    float *y = scratch, *work = scratch + n, lo, hi, denom, point, a, b;
    uint32_t i, tau0;
    for (i = 0; i < n; i++) y[i] = x[i];
    zscore_inplace(y, n);
    minmax_f(y, n, &lo, &hi);
    denom = dot_lag(y, n, 0);
    feats[1] = lo; /* kept, so every variant pays the same prefix and the baseline subtracts it */
    feats[2] = hi;
    feats[3] = denom;
    switch (C22_FEATURE) {
    case SF_C22_MODE_5: feats[0] = histogram_mode(y, n, 5, lo, hi); break;
    case SF_C22_MODE_10: feats[0] = histogram_mode(y, n, 10, lo, hi); break;
    case SF_C22_OUTLIER_TIMING_POS: feats[0] = outlier_include(y, n, 1.0f, work, work + n); break;
    case SF_C22_OUTLIER_TIMING_NEG: feats[0] = outlier_include(y, n, -1.0f, work, work + n); break;
    case SF_C22_ACF_TIMESCALE: first_crossing(y, n, denom, 0.36787944117144233f, &point); feats[0] = point; break;
    case SF_C22_ACF_FIRST_MIN: feats[0] = first_min_ac(y, n, denom); break;
    case SF_C22_LOW_FREQ_POWER: case SF_C22_MEDIAN_FREQ: spectrum_features(y, n, work, &a, &b); feats[0] = a + b; break;
    case SF_C22_FORECAST_ERROR:
        for (i = 0; i + 3u < n; i++) work[i] = (y[i] + y[i + 1] + y[i + 2]) / 3.0f - y[i + 3];
        a = sum_f(work, n - 3u) / (float)(n - 3u);
        feats[0] = sqrtf(ssd_f(work, n - 3u, a) / (float)(n - 4u));
        break;
    case SF_C22_WHITEN_TIMESCALE:
        first_crossing(y, n, denom, 0.0f, &a);
        for (i = 0; i + 1u < n; i++) work[i] = y[i] - y[i + 1];
        zscore_inplace(work, n - 1u);
        first_crossing(work, n - 1u, dot_lag(work, n - 1u, 0), 0.0f, &b);
        feats[0] = b / a;
        break;
    case SF_C22_HIGH_FLUCTUATION:
        for (i = 0, tau0 = 0; i + 1u < n; i++) tau0 += fabsf(y[i + 1] - y[i]) * 1000.0f > 40.0f;
        feats[0] = (float)tau0 / (float)(n - 1u);
        break;
    case SF_C22_STRETCH_HIGH: feats[0] = longest_run(y, n, 0, sum_f(y, n) / (float)n, 1); break;
    case SF_C22_STRETCH_DECREASING: feats[0] = longest_run(y, n, 1, 0.0f, 0); break;
    case SF_C22_ENTROPY_PAIRS: feats[0] = entropy_pairs(y, n, work); break;
    case SF_C22_AMI2: feats[0] = histogram_ami2(y, n, lo, hi); break;
    case SF_C22_TREV:
        for (i = 0, a = 0.0f; i + 1u < n; i++) { b = y[i + 1] - y[i]; a += b * b * b; }
        feats[0] = a / (float)(n - 1u);
        break;
    case SF_C22_AMI_TIMESCALE: feats[0] = ami_timescale(y, n); break;
    case SF_C22_TRANSITION_VARIANCE:
        tau0 = first_crossing(y, n, denom, 0.0f, &a);
        feats[0] = transition_variance(y, n, tau0, work);
        break;
    case SF_C22_PERIODICITY: feats[0] = periodicity_wang(y, n, work); break;
    case SF_C22_EMBEDDING_DIST:
        tau0 = first_crossing(y, n, denom, 0.0f, &a);
        feats[0] = embedding_dist(y, n, tau0, work);
        break;
    case SF_C22_RS_RANGE: feats[0] = fluct_prop_r1(y, n, 0, work); break;
    case SF_C22_DFA: feats[0] = fluct_prop_r1(y, n, 1, work); break;
    default: feats[0] = lo + hi; break;
    }
    return 0;
}
"""


def bench_source(x: np.ndarray, feature: int) -> str:
    n = len(x)
    data = ",\n".join(", ".join(f"{v!r}f" for v in x[i : i + 6].astype(np.float32).tolist()) for i in range(0, n, 6))
    return f"""#include "sf_catch22.c"  /* one translation unit: the static feature functions are callable */
#include "bench.h"
#define N {n}u
#define C22_FEATURE ({feature})
static const float SIGNAL[N] = {{
{data}
}};
static float scratch[SF_CATCH22_SCRATCH_FLOATS(N)];
static float feats[24];
{ONE_FEATURE if feature >= 0 else ""}
int c22_entry(int i)
{{
    (void)i;
#if C22_FEATURE < 0
    return sf_catch22_f32(SIGNAL, 1u, N, SF_C22_ALL, 1, scratch, feats);
#else
    return one_feature(SIGNAL, N);
#endif
}}
void bench_report(int i)
{{
    int k;
    (void)i;
    for (k = 0; k < 24; k++) bench_out_f32(feats[k]);
}}
"""


def measure(x: np.ndarray, feature: int, work: Path):
    from sensorflow.device import measure as qh

    work.mkdir(parents=True, exist_ok=True)
    src = work / "c22_bench.c"
    src.write_text(bench_source(x, feature))
    return qh.measure_c([src], "c22_entry", BOARD, n_inputs=1, repeat=1, include_dirs=[RUNTIME], workdir=work)


def real_windows() -> dict[str, np.ndarray]:
    aeon_datasets = pytest.importorskip("aeon.datasets")
    out = {}
    for name in ("BasicMotions", "GunPoint", "ACSF1"):
        X, _ = aeon_datasets.load_classification(name, split="test")
        out[name] = np.asarray(X[0][0], dtype=np.float32)
    return out


@pytest.mark.emulator
def test_device_features_and_instruction_counts(tmp_path):
    from conftest import need_tools

    need_tools("arm-none-eabi-gcc", "qemu-system-arm")
    for name, x in real_windows().items():
        m = measure(x, -1, tmp_path / name)
        got = m.floats()[:24].astype(np.float64)
        ref = c22.catch22(x.astype(np.float64), catch24=True)
        err = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-3)
        err[-2] = abs(got[-2] - ref[-2]) / max(abs(ref[-2]), ref[-1])
        bad = [(c22.SHORT_NAMES + c22.EXTRA_NAMES)[j] for j in np.flatnonzero(err > 1e-4)]
        assert not bad, f"{name}: device differs from the reference in {bad}"
        print(f"{name} (n={len(x)}): {m.instructions_per_call:,.0f} instructions for catch24")
        if len(x) <= 150:
            assert m.instructions_per_call < BUDGET


def table(names=("GunPoint", "ACSF1")) -> None:
    """Instructions per window, feature by feature (z-scoring counted once, apart)."""
    import tempfile

    wins = real_windows()
    with tempfile.TemporaryDirectory() as d:
        for name in names:
            x = wins[name]
            total = measure(x, -1, Path(d) / f"{name}-all").instructions_per_call
            base = measure(x, 99, Path(d) / f"{name}-z").instructions_per_call
            print(f"\n{name} (n={len(x)}): whole kernel {total:,.0f}; copy + z-score {base:,.0f}")
            for k, feat in enumerate(c22.SHORT_NAMES):
                if feat == "median_freq":
                    continue  # computed with low_freq_power (one spectrum)
                ins = measure(x, k, Path(d) / f"{name}-{k}").instructions_per_call - base
                label = "low_freq_power+median_freq" if feat == "low_freq_power" else feat
                print(f"  {label:28s} {ins:12,.0f}")


if __name__ == "__main__":
    table()
