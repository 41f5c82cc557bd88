"""fft, band_energy, spectral and envelope_spectrum on tones of known frequency, against
numpy.fft and librosa.feature's spectral descriptors; envelope_spectrum finds the repetition
frequency of an impulse train (a bearing outer-race fault)."""

from __future__ import annotations

import numpy as np
import pytest

import sensorflow
from sensorflow.dsp import synth

SR = 1000.0
N = 500  # bins are 2 Hz apart


def _tones(freqs, amps, n=N, sr=SR, noise=0.0, seed=0):
    t = np.arange(n) / sr
    x = sum(a * np.sin(2 * np.pi * f * t + 0.3 * i) for i, (f, a) in enumerate(zip(freqs, amps)))
    x = x + noise * np.random.default_rng(seed).standard_normal(n)
    return np.asarray(x, np.float32)


def test_fft_peak_at_the_tone_and_equal_to_numpy():
    x = _tones([120.0], [1.0])
    stage = sensorflow.stage("fft", sample_rate=SR)
    out = stage.transform(x[None, :, None])[0]
    assert len(out) == N // 2 + 1 and stage.output_spec_.names[60] == "ch0_b60"
    assert np.argmax(out) * SR / N == 120.0
    ref = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(N + 1)[:-1]))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-4)
    # a periodic Hann window: a bin-centred tone of amplitude A reads A * N / 4
    assert out[60] == pytest.approx(N / 4, rel=1e-4)


def test_fft_power_fmax_and_frame_average():
    x = _tones([50.0, 300.0], [1.0, 0.5])
    stage = sensorflow.stage("fft", sample_rate=SR, n_fft=100, hop_length=50, scaling="power", fmax=200.0)
    out = stage.transform(x[None, :, None])[0]
    assert len(out) == 21  # bins 0..200 Hz at 10 Hz spacing
    frames = np.lib.stride_tricks.sliding_window_view(x.astype(np.float64), 100)[::50]
    ref = (np.abs(np.fft.rfft(frames * np.hanning(101)[:-1], axis=-1)) ** 2).mean(axis=0)[:21]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-3)
    assert np.argmax(out) == 5


def test_band_energy_puts_each_tone_in_its_band_and_sums_the_spectrum():
    x = _tones([60.0, 260.0], [1.0, 0.3])
    stage = sensorflow.stage("band_energy", sample_rate=SR, edges=[0.0, 100.0, 200.0, 300.0, 500.0])
    out = stage.transform(x[None, :, None])[0]
    assert stage.output_spec_.names == ("ch0_band0", "ch0_band1", "ch0_band2", "ch0_band3")
    assert np.argmax(out) == 0 and out[2] > 10 * out[1] and out[2] > 10 * out[3]
    power = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(N + 1)[:-1])) ** 2
    np.testing.assert_allclose(out.sum(), power.sum(), rtol=1e-5)  # the bands tile 0..Nyquist
    np.testing.assert_allclose(out[0], power[:50].sum(), rtol=1e-5)


def test_band_energy_log_spacing_and_db():
    stage = sensorflow.stage("band_energy", sample_rate=SR, n_bands=4, spacing="log", fmin=10.0, fmax=490.0, db=True)
    x = _tones([100.0], [1.0])
    out = stage.transform(x[None, :, None])[0]
    edges = np.geomspace(10.0, 490.0, 5)  # 10, 26.5, 70, 185, 490 Hz
    np.testing.assert_allclose(stage.band_edges(), edges)
    power = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(N + 1)[:-1])) ** 2
    f = np.arange(len(power)) * SR / N
    ref = [10 * np.log10(max(power[(f >= lo) & (f < hi)].sum(), 1e-10)) for lo, hi in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(out, ref, atol=1e-3)
    assert np.argmax(out) == 2


@pytest.mark.parametrize("signal", ["tones", "noise", "chirp"])
def test_spectral_matches_librosa_descriptors(signal):
    librosa = pytest.importorskip("librosa")
    x = {
        "tones": _tones([125.0, 250.0], [1.0, 0.5], noise=0.1),
        "noise": np.random.default_rng(3).standard_normal(N).astype(np.float32),
        "chirp": synth.chirp(N / SR, SR, f0=20.0, f1=400.0),
    }[signal]
    stage = sensorflow.stage("spectral", sample_rate=SR, roll_percent=0.9)
    out = stage.transform(x[None, :, None])[0]
    v = dict(zip([n.split("_", 1)[1] for n in stage.output_spec_.names], out))
    S = np.abs(librosa.stft(x.astype(np.float64), n_fft=N, hop_length=N, center=False))
    kw = {"S": S, "sr": SR, "n_fft": N}
    assert v["centroid"] == pytest.approx(librosa.feature.spectral_centroid(**kw)[0, 0], rel=1e-5)
    assert v["bandwidth"] == pytest.approx(librosa.feature.spectral_bandwidth(**kw)[0, 0], rel=1e-5)
    assert v["rolloff"] == pytest.approx(librosa.feature.spectral_rolloff(**kw, roll_percent=0.9)[0, 0], rel=1e-6)
    assert v["flatness"] == pytest.approx(librosa.feature.spectral_flatness(S=S)[0, 0], rel=1e-4)
    assert v["peak_mag"] == pytest.approx(S.max(), rel=1e-5)


def test_spectral_peaks_on_known_tones():
    x = _tones([40.0, 130.0, 310.0], [0.3, 1.0, 0.6], noise=0.01)
    stage = sensorflow.stage("spectral", sample_rate=SR, features=["peak_freq"], n_peaks=3)
    out = stage.transform(x[None, :, None])[0]
    names = [n.split("_", 1)[1] for n in stage.output_spec_.names]
    assert names == ["peak_freq", "peak1_freq", "peak1_mag", "peak2_freq", "peak2_mag", "peak3_freq", "peak3_mag"]
    assert out[0] == 130.0
    assert out[[1, 3, 5]].tolist() == [130.0, 310.0, 40.0]
    assert out[2] > out[4] > out[6] > 0


def test_spectral_silence_is_defined():
    out = sensorflow.stage("spectral", sample_rate=SR, n_peaks=2).transform(np.zeros((1, N, 1), np.float32))[0]
    assert np.all(np.isfinite(out))
    assert out.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_envelope_spectrum_finds_the_fault_repetition_frequency():
    sr, fault = 20000.0, 87.0
    x = synth.bearing_fault(1.0, sr, fault, resonance_hz=3500.0, seed=11, snr_noise=0.5)
    stage = sensorflow.stage("envelope_spectrum", sample_rate=sr, band=[2500.0, 4500.0], fmax=400.0)
    out = stage.transform(x[None, :, None])[0]
    freqs = np.arange(len(out)) * sr / len(x)
    assert abs(freqs[np.argmax(out[3:]) + 3] - fault) <= 1.0
    # the raw spectrum shows the resonance, not the fault frequency
    raw = np.abs(np.fft.rfft(x))
    assert abs(np.argmax(raw) * sr / len(x) - 3500.0) < 500.0
    at = sensorflow.stage(
        "envelope_spectrum", sample_rate=sr, band=[2500.0, 4500.0], frequencies=[fault, 2 * fault, 61.0]
    ).transform(x[None, :, None])[0]
    assert at[0] > 3 * at[2] and at[1] > 3 * at[2]


def test_envelope_spectrum_amplitude_scaling_reads_the_modulation_depth():
    sr = 8000.0
    t = np.arange(8000) / sr
    x = ((1 + 0.5 * np.sin(2 * np.pi * 25.0 * t)) * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    out = sensorflow.stage("envelope_spectrum", sample_rate=sr, fmax=100.0).transform(x[None, :, None])[0]
    assert np.argmax(out) == 25 and out[25] == pytest.approx(0.5, rel=0.02)
