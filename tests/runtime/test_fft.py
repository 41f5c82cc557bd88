"""sf_fft against numpy.fft and CMSIS-DSP's Python package (arm_rfft_fast_f32)."""

import numpy as np
import pytest
from cbuild import build_driver, pack_rfft, run
from conftest import need_tools


@pytest.fixture(scope="module")
def drivers(tmp_path_factory):
    need_tools("cc")
    d = tmp_path_factory.mktemp("fft")
    return {"plain": build_driver(d), "san": build_driver(d, sanitize=True, opt="-O1")}


@pytest.mark.parametrize("n", [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
def test_rfft_matches_numpy(drivers, n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((4, n)).astype(np.float32)
    got = run(drivers["plain"], ["rfft", n], x).reshape(4, n)
    ref = pack_rfft(np.fft.rfft(x.astype(np.float64)))
    rel = np.abs(got - ref).max() / np.abs(ref).max()
    assert rel < 2e-6, f"rfft {n}: relative error {rel:.2e}"


@pytest.mark.parametrize("n", [2, 4, 8, 64, 256, 1024])
def test_cfft_matches_numpy(drivers, n):
    rng = np.random.default_rng(n + 1)
    z = rng.standard_normal((3, n, 2)).astype(np.float32)
    got = run(drivers["plain"], ["cfft", n], z).reshape(3, n, 2)
    ref = np.fft.fft(z[..., 0].astype(np.float64) + 1j * z[..., 1])
    rel = np.abs(got[..., 0] + 1j * got[..., 1] - ref).max() / np.abs(ref).max()
    assert rel < 2e-6, f"cfft {n}: relative error {rel:.2e}"


def test_tones_land_in_their_bins(drivers):
    n = 512
    t = np.arange(n)
    x = (np.cos(2 * np.pi * 37 * t / n) + 0.5 * np.sin(2 * np.pi * 100 * t / n)).astype(np.float32)
    got = run(drivers["plain"], ["rfft", n], x)
    mag = np.hypot(got[2::2], got[3::2])
    assert abs(mag[36] - n / 2) < 1e-3 and abs(mag[99] - n / 4) < 1e-3  # bins 37 and 100 (index k-1)
    mag[[36, 99]] = 0
    assert mag.max() < 1e-3


def test_runtime_twiddles_match_float64(drivers):
    n = 1024
    got = run(drivers["plain"], ["twiddle", n], np.zeros(0, np.float32))
    k = np.arange(n // 2)
    ref = np.stack([np.cos(2 * np.pi * k / n), np.sin(2 * np.pi * k / n)], -1).ravel()
    assert np.abs(got - ref).max() < 3e-7


@pytest.mark.parametrize("n", [256, 512])
def test_rfft_matches_cmsis_dsp(drivers, n):
    """Same packed ordering and values as CMSIS-DSP's arm_rfft_fast_f32."""
    dsp = pytest.importorskip("cmsisdsp")
    rng = np.random.default_rng(7)
    x = rng.standard_normal(n).astype(np.float32)
    inst = dsp.arm_rfft_fast_instance_f32()
    assert dsp.arm_rfft_fast_init_f32(inst, n) == 0
    ref = np.asarray(dsp.arm_rfft_fast_f32(inst, x.copy(), 0), dtype=np.float64)
    got = run(drivers["plain"], ["rfft", n], x)
    assert np.abs(got - ref).max() / np.abs(ref).max() < 2e-6


def test_hostile_inputs_under_sanitizers(drivers):
    n = 512
    big = np.finfo(np.float32).max
    tiny = np.float32(1e-42)  # denormal
    frames = np.stack(
        [
            np.zeros(n),
            np.full(n, 1.0),
            np.full(n, tiny),
            np.where(np.arange(n) % 2, 1e18, -1e18),
            np.full(n, big / n / 4),  # full scale of what does not overflow
        ]
    ).astype(np.float32)
    got = run(drivers["san"], ["rfft", n], frames).reshape(len(frames), n)
    assert np.all(got[0] == 0)
    assert got[1][0] == n and np.all(got[1][1:] == 0)
    assert np.all(np.isfinite(got))
    ref = pack_rfft(np.fft.rfft(frames[3].astype(np.float64)))
    assert np.abs(got[3] - ref).max() / np.abs(ref).max() < 2e-6
    # a full-scale window overflows float32 in the sum: defined (inf), not UB
    out = run(drivers["san"], ["rfft", n], np.full((1, n), big, np.float32))
    assert np.isinf(out[0])
