"""The float32 C kernel sf_catch22 (sensorflow/runtime/c) against the float64 reference
(sensorflow.dsp.catch22) on real windows: every channel of GunPoint, BasicMotions, ACSF1 and
JapaneseVowels (each case at its own length, 7-29 samples), compiled with the host cc under the
strict flags and called through ctypes.

Tolerance per feature, relative to max(|reference|, 1e-3) (the mean: to max(|mean|, std)):
- continuous features: 1e-4 (measured at most 6e-5, trev on JapaneseVowels: float32 rounding);
- features decided by a comparison (a histogram bin, a quantile threshold, a crossing lag, an
  argmin) equal the reference unless a value sits within float32 rounding of the boundary; then
  the C result moves to the neighbouring bin or lag. At most 1% of the windows of a dataset may
  differ by more than 1e-3 (measured: 2 of 200 ACSF1 windows for transition_variance, where the
  resampled series ties at a quantile; 1 of 7,680 JapaneseVowels series for mode_10).
The device stays equal to the host by running the same kernel on the host (this test) rather than
by making float32 reproduce float64 bit for bit.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.dsp import catch22 as c22

RUNTIME = Path(__file__).resolve().parents[2] / "sensorflow" / "runtime" / "c"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion", "-Wshadow"]
NAMES = c22.SHORT_NAMES + c22.EXTRA_NAMES
CONTINUOUS = {
    "acf_timescale",
    "low_freq_power",
    "forecast_error",
    "whiten_timescale",
    "trev",
    "ami2",
    "embedding_dist",
    "mean",
    "std",
}
CONTINUOUS_RTOL = 1e-4
DISCRETE_FLIP = 1e-3
MAX_FLIP_FRACTION = 0.01
GUARD = 256
ALL = (1 << 22) - 1


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    need_tools("cc")
    out = tmp_path_factory.mktemp("c22") / "libsf_catch22.so"
    cmd = ["cc", *STRICT, "-O2", "-shared", "-fPIC", str(RUNTIME / "sf_catch22.c"), "-o", str(out), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    lib = ctypes.CDLL(str(out))
    lib.sf_catch22_scratch_floats.restype = ctypes.c_uint32
    lib.sf_catch22_scratch_floats.argtypes = [ctypes.c_uint32]
    lib.sf_catch22_f32.restype = ctypes.c_int
    lib.sf_catch22_f32.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_uint32,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    return lib


def run_c(lib, x: np.ndarray, stride: int = 1, n: int | None = None, features: int = ALL) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    n = len(x) if n is None else n
    size = lib.sf_catch22_scratch_floats(n)
    scratch = np.full(size + GUARD, np.nan, dtype=np.float32)
    scratch[size:] = 1234.5  # a guard: the kernel must stay inside the scratch it asked for
    out = np.zeros(24, dtype=np.float32)
    rc = lib.sf_catch22_f32(x.ctypes.data, stride, n, features, 1, scratch.ctypes.data, out.ctypes.data)
    assert rc == 0
    assert np.all(scratch[size:] == 1234.5), f"scratch overrun (n={n})"
    return out.astype(np.float64)


def _series(name):
    aeon_datasets = pytest.importorskip("aeon.datasets")
    out = []
    for split in ("train", "test"):
        X, _ = aeon_datasets.load_classification(name, split=split)
        for case in X:
            for ch in np.asarray(case, dtype=np.float64):
                out.append(ch[np.isfinite(ch)].astype(np.float32))
    return out


@pytest.mark.parametrize(
    "name",
    ["GunPoint", pytest.param("BasicMotions", marks=pytest.mark.slow), pytest.param("ACSF1", marks=pytest.mark.slow)]
    + [pytest.param("JapaneseVowels", marks=pytest.mark.slow)],
)
def test_c_kernel_equals_reference_on_real_windows(kernel, name):
    series = _series(name)
    if name == "JapaneseVowels":
        series = series[::4]  # 1,920 series keep the float64 reference under a minute
    ref = np.array([c22.catch22(s.astype(np.float64), catch24=True) for s in series])
    got = np.array([run_c(kernel, s) for s in series])
    scale = np.maximum(np.abs(ref), 1e-3)
    scale[:, NAMES.index("mean")] = np.maximum(np.abs(ref[:, -2]), ref[:, -1])  # a mean near 0: relative to the std
    err = np.abs(got - ref) / scale
    for j, feat in enumerate(NAMES):
        if feat in CONTINUOUS:
            assert err[:, j].max() <= CONTINUOUS_RTOL, f"{name} {feat}: max relative error {err[:, j].max():.2e}"
        else:
            flips = np.count_nonzero(err[:, j] > DISCRETE_FLIP)
            assert flips <= MAX_FLIP_FRACTION * len(series), f"{name} {feat}: {flips}/{len(series)} windows differ"


def test_c_kernel_reads_one_channel_of_interleaved_windows(kernel):
    rng = np.random.default_rng(3)
    win = rng.standard_normal((120, 3)).astype(np.float32)
    for c in range(3):
        np.testing.assert_array_equal(run_c(kernel, win.ravel()[c:], stride=3, n=120), run_c(kernel, win[:, c]))


def test_c_kernel_masks_a_constant_channel_and_refuses_bad_arguments(kernel):
    out = run_c(kernel, np.full(40, 2.5, dtype=np.float32))
    np.testing.assert_array_equal(out[:22], c22.catch22(np.full(40, 2.5))[:22].astype(np.float32))
    assert out[22] == 2.5 and out[23] == 0.0
    x = np.zeros(4, dtype=np.float32)
    scratch = np.zeros(64, dtype=np.float32)
    res = np.zeros(24, dtype=np.float32)
    assert kernel.sf_catch22_f32(x.ctypes.data, 1, 4, ALL, 0, scratch.ctypes.data, res.ctypes.data) == -2  # SF_ERR_ARG
    assert kernel.sf_catch22_f32(None, 1, 40, ALL, 0, scratch.ctypes.data, res.ctypes.data) == -1  # SF_ERR_NULL


def test_feature_mask_computes_only_the_chosen_features(kernel):
    rng = np.random.default_rng(4)
    x = np.cumsum(rng.standard_normal(300)).astype(np.float32)
    full = run_c(kernel, x)
    for chosen in ([0], [18, 20], [5, 9, 17, 19], list(range(22))):
        mask = sum(1 << k for k in chosen)
        got = run_c(kernel, x, features=mask)
        want = np.where(np.isin(np.arange(24), chosen + [22, 23]), full, 0.0)
        np.testing.assert_array_equal(got, want)


def test_scratch_size_macro_matches_function_and_bounds_the_outlier_sweep(kernel):
    # the outlier sweep keeps at most floor(100 * max z) + 1 thresholds, max z <= (n-1)/sqrt(n)
    for n in (5, 10, 29, 100, 150, 1000, 1460, 4096, 8192):
        nfft = 1 << max(3, (n + (n + 2) // 3 - 1).bit_length())  # the periodicity ACF pads to n + ceil(n/3)
        want = n + max(2 * nfft, 3 * n + 64, n + 100 * (n // 64 + 17) + 2)
        assert kernel.sf_catch22_scratch_floats(n) == want
        assert n + 100 * (n // 64 + 17) + 2 >= n + int(100 * (n - 1) / np.sqrt(n)) + 2
    # a single spike puts max z at (n-1)/sqrt(n), the bound: the kernel must stay inside its scratch
    for n in (50, 400, 1460):
        x = np.zeros(n, dtype=np.float32)
        x[n // 3] = 1.0
        got = run_c(kernel, x)
        assert np.all(np.isfinite(got))


@pytest.mark.emulator
def test_c_kernel_builds_for_cortex_m4f_without_double_helpers(tmp_path):
    need_tools("arm-none-eabi-gcc", "arm-none-eabi-nm")
    obj = tmp_path / "sf_catch22.o"
    cmd = [
        "arm-none-eabi-gcc",
        *STRICT,
        "-O2",
        "-mcpu=cortex-m4",
        "-mthumb",
        "-mfpu=fpv4-sp-d16",
        "-mfloat-abi=hard",
        "-c",
        str(RUNTIME / "sf_catch22.c"),
        "-o",
        str(obj),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    syms = subprocess.run(["arm-none-eabi-nm", str(obj)], check=True, capture_output=True, text=True).stdout
    undefined = {line.split()[-1] for line in syms.splitlines() if " U " in line}
    doubles = {s for s in undefined if s.startswith("__aeabi_d") or s in {"exp", "log", "sqrt", "sin", "cos", "pow"}}
    assert not doubles, f"double-precision helpers referenced: {sorted(doubles)}"
    assert shutil.which("arm-none-eabi-gcc")
