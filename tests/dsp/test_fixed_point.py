"""The fixed-point front end (sensorflow.dsp.fixed, stages with q15_scale): its numpy reference
against the float reference (SNR) and against CMSIS-DSP's q15 functions from the cmsisdsp
Python package on the same int16 inputs (arm_rfft_q15, arm_mean_q15, arm_rms_q15,
arm_std_q15): ours at least as close to the float result as CMSIS-DSP's."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.dsp import fixed
from sensorflow.errors import ConfigError
from sensorflow.stages.audio import LogMel
from sensorflow.stages.spectral import BandEnergy
from sensorflow.stages.stats import Stats


def snr_db(ref, got) -> float:
    ref, got = np.asarray(ref, complex), np.asarray(got, complex)
    return float(10 * np.log10(np.sum(np.abs(ref) ** 2) / np.sum(np.abs(ref - got) ** 2)))


def test_quantize_rounds_half_away_and_saturates():
    x = np.array([0.5, -0.5, 1.5, -1.5, 2.4999, 40000, -40000, -32768.4, np.nan, np.inf, -np.inf, 1e-40], np.float32)
    np.testing.assert_array_equal(
        fixed.quantize(x / 8, 3), [1, -1, 2, -2, 2, 32767, -32768, -32768, 0, 32767, -32768, 0]
    )


def test_scale_must_be_a_power_of_two():
    assert fixed.scale_exponent(2**-9) == 9 and fixed.scale_exponent(4.0) == -2
    with pytest.raises(ValueError, match="power of two"):
        fixed.scale_exponent(0.001)


@pytest.mark.parametrize("n", [64, 256, 1024])
@pytest.mark.parametrize("amplitude", [0.5, 0.05])
def test_rfft_at_least_cmsis_snr(n, amplitude):
    dsp = pytest.importorskip("cmsisdsp")
    rng = np.random.default_rng(n)
    x = np.clip(np.rint(rng.standard_normal((20, n)) * amplitude * 32768 / 3), -32768, 32767).astype(np.int16)
    ref = np.fft.rfft(x.astype(np.float64)) / n  # both scale by 1/n, one halving per stage
    re, im = fixed.rfft_q15(x)
    ours = re + 1j * im
    inst = dsp.arm_rfft_instance_q15()
    assert dsp.arm_rfft_init_q15(inst, n, 0, 1) == 0
    cm = np.array([(o := dsp.arm_rfft_q15(inst, row))[0 : n + 2 : 2] + 1j * o[1 : n + 2 : 2] for row in x])
    ours_db, cmsis_db = snr_db(ref, ours), snr_db(ref, cm)
    assert ours_db >= cmsis_db, f"ours {ours_db:.1f} dB < CMSIS-DSP {cmsis_db:.1f} dB"
    p_ours, p_cmsis = snr_db(np.abs(ref) ** 2, np.abs(ours) ** 2), snr_db(np.abs(ref) ** 2, np.abs(cm) ** 2)
    assert p_ours >= p_cmsis
    assert ours_db > {64: 30, 256: 23, 1024: 17}[n]  # 6 dB per amplitude decade, 3 dB per doubling


def test_statistics_at_least_cmsis_snr():
    dsp = pytest.importorskip("cmsisdsp")
    rng = np.random.default_rng(3)
    x = np.clip(np.rint(rng.standard_normal((40, 100)) * 3000 + rng.uniform(-2000, 2000, (40, 1))), -32768, 32767)
    x = x.astype(np.int16)
    f = x.astype(np.float64)
    codes = fixed.stat_codes(x[:, :, None], ["mean", "rms", "std"])[:, 0]
    ours = fixed.to_features(codes, fixed.stat_fscales(["mean", "rms", "std"], 100, 0))
    cmsis = np.array([[dsp.arm_mean_q15(r), dsp.arm_rms_q15(r), dsp.arm_std_q15(r)] for r in x], np.float64)
    pairs = [
        ("mean", f.mean(axis=1), ours[:, 0], f.mean(axis=1), cmsis[:, 0]),
        ("rms", np.sqrt((f * f).mean(axis=1)), ours[:, 1], np.sqrt((f * f).mean(axis=1)), cmsis[:, 1]),
        ("std", f.std(axis=1), ours[:, 2], f.std(axis=1, ddof=1), cmsis[:, 2]),  # CMSIS: sample std
    ]
    for name, ref, got, ref_c, got_c in pairs:
        assert snr_db(ref, got) >= snr_db(ref_c, got_c), name
        assert snr_db(ref, got) > 100, name  # exact integer sums: only the float32 output rounds


def _imu_windows(rng, n=30):
    t = np.arange(100) / 10
    X = rng.standard_normal((n, 100, 2)) * [2.0, 0.3]
    X += np.sin(2 * np.pi * rng.uniform(0.5, 4, (n, 1, 2)) * t[None, :, None]) * [8.0, 1.0]
    return X.astype(np.float32)


def test_stages_close_to_float():
    X = _imu_windows(np.random.default_rng(4))
    fns = ["mean", "std", "var", "rms", "min", "max", "ptp", "abs_mean", "energy"]
    a = Stats(functions=fns, sample_rate=10).fit(X).transform(X)
    b = Stats(functions=fns, sample_rate=10, q15_scale=[2**-9, 2**-11]).fit(X).transform(X)
    for i, fn in enumerate(fns):
        assert snr_db(a.reshape(30, 2, -1)[..., i], b.reshape(30, 2, -1)[..., i]) > 60, fn
    kw = dict(n_bands=4, n_fft=64, hop_length=36, sample_rate=10)
    a = BandEnergy(**kw).fit(X).transform(X)
    b = BandEnergy(**kw, q15_scale=2**-9).fit(X).transform(X)
    assert b.dtype == np.float32 and snr_db(a, b) > 40


@pytest.mark.parametrize(
    "stage, key, match",
    [
        (Stats(functions=["mean", "skew"], q15_scale=0.25, sample_rate=10), "functions", "'skew' has no fixed-point"),
        (Stats(functions=["mean"], q15_scale=0.3, sample_rate=10), "q15_scale", "power of two"),
        (Stats(functions=["mean"], q15_scale=[0.25, 0.5, 1.0], sample_rate=10), "q15_scale", "3 values for 2"),
        (BandEnergy(n_bands=2, n_fft=64, db=True, q15_scale=0.25, sample_rate=10), "q15_scale", "db"),
        (BandEnergy(n_bands=2, n_fft=96, q15_scale=0.25, sample_rate=10), "q15_scale", "power of two"),
        (LogMel(n_fft=64, n_mels=4, q15_scale=0.25, sample_rate=8000), "q15_scale", "center: false"),
        (LogMel(n_fft=60, n_mels=4, center=False, q15_scale=0.25, sample_rate=8000), "q15_scale", "n_fft a power"),
        (LogMel(n_fft=64, n_mels=4, center=False, q15_scale=[0.25, 0.5], sample_rate=8000), "q15_scale", "one scale"),
    ],
)
def test_bad_fixed_point_params(stage, key, match):
    with pytest.raises(ConfigError, match=match) as e:
        stage.fit(np.zeros((2, 100, 2), np.float32))
    assert e.value.key == (key,)


@pytest.mark.parametrize("amplitude", [0.3, 0.03, 0.003])
def test_mfcc_at_least_cmsis_snr(amplitude):
    """Log-mel and MFCC (sensorflow.dsp.fixed_mel) against the float computation of the same
    definition (power, Slaney mel, 10 log10, orthonormal DCT) on the same int16 frames, and
    CMSIS-DSP's arm_mfcc_q15 against its own arm_mfcc_f32 (magnitude, its mel, ln)."""
    dsp = pytest.importorskip("cmsisdsp")
    cm = pytest.importorskip("cmsisdsp.mfcc")
    from cmsisdsp.datatype import F32, Q15

    from sensorflow.dsp import dct_matrix, mel_filterbank, window_vector
    from sensorflow.dsp import fixed_mel as fm

    n, m, d, fs = 512, 40, 13, 16000
    rng = np.random.default_rng(int(amplitude * 1000))
    t = np.arange(n) / fs
    x = amplitude * (0.5 * rng.standard_normal((50, n)) + np.sin(2 * np.pi * rng.uniform(100, 4000, (50, 1)) * t))
    q = np.clip(np.rint(x * 32768), -32768, 32767).astype(np.int16)
    win = window_vector("hann", n).astype(np.float64)
    mel, dct = mel_filterbank(fs, n, m), dct_matrix(d, m).astype(np.float64)
    spec = np.abs(np.fft.rfft(q / 32768 * win)) ** 2
    ref_db = 10 * np.log10(np.maximum(spec @ mel.T, 1e-10))
    wq, wmax = fm.weights_q15(mel)
    db = fm.logmel_db_q16(q, fixed.q15(win), wq, fm.db_offset_q16(n, 15, wmax))
    ours = fm.dct_q16(db, fixed.q15(dct)) / 65536

    f_inst, q_inst = dsp.arm_mfcc_instance_f32(), dsp.arm_mfcc_instance_q15()
    assert dsp.arm_mfcc_init_f32(f_inst, n, m, d, cm.dctMatrix(F32, d, m), *_cmsis_mel(cm, F32, m, fs, n), win) == 0
    args = (cm.dctMatrix(Q15, d, m), *_cmsis_mel(cm, Q15, m, fs, n), fixed.q15(win))
    assert dsp.arm_mfcc_init_q15(q_inst, n, m, d, *args) == 0
    c_f = np.array([dsp.arm_mfcc_f32(f_inst, (r / 32768).astype(np.float32), np.zeros(n + 2, np.float32)) for r in q])
    c_q = np.array([dsp.arm_mfcc_q15(q_inst, r, np.zeros(n + 2, np.int32))[1] / 128.0 for r in q])  # Q8.7
    ours_db, cmsis_db = snr_db(ref_db @ dct.T, ours), snr_db(c_f, c_q)
    assert ours_db >= cmsis_db, f"ours {ours_db:.1f} dB < CMSIS-DSP {cmsis_db:.1f} dB"
    # 50.1 dB at amplitude 0.3: the window's extra halving (int16 FFT lanes) costs ~6 dB
    assert snr_db(ref_db, db / 65536) > 49


def _cmsis_mel(cm, dtype, m, fs, n):
    lengths, positions, packed = cm.melFilterMatrix(dtype, 20, fs / 2, m, fs, n)
    return positions, lengths, packed


def test_log2_q16_is_close_and_exact_at_powers_of_two():
    from sensorflow.dsp import fixed_mel as fm

    v = np.array([0, 1, 2, 3, 1000, 2**31, 2**32 + 12345, 2**50 + 7, 2**64 - 1], dtype=np.uint64)
    got = fm.log2_q16(v)
    assert got[0] == 0 and got[1] == 0 and got[2] == 65536 and got[5] == 31 * 65536
    want = np.log2(np.maximum(v.astype(np.float64), 1.0)) * 65536
    assert np.abs(got - want).max() <= 1.0
