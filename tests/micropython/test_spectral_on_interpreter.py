"""Spectral and audio stages (fft, band_energy, spectral, envelope_spectrum, log_mel, mfcc)
emitted as MicroPython == numpy reference on the real interpreter, power-of-two FFT lengths
(radix-2 kernel) and others (direct DFT kernel)."""

from __future__ import annotations

import numpy as np
import pytest
from mphelp import assert_agrees, export_and_run, make_pipeline, need_micropython, synthetic

pytestmark = pytest.mark.emulator

CASES = {
    "fft_pow2_frames": [{"type": "fft", "n_fft": 32, "hop_length": 16, "scaling": "power", "fmax": 30.0}],
    "fft_dft_len60": [{"type": "dc_remove"}, {"type": "fft", "n_fft": 60, "window": "hamming"}],
    "band_energy": [
        {"type": "band_energy", "n_bands": 5, "spacing": "log", "fmin": 2.0, "db": True},
        {"type": "band_energy", "edges": [0.0, 10.0, 25.0, 50.0], "n_fft": 32},
    ],
    "spectral_peaks": [
        {"type": "spectral", "n_peaks": 3},
        {"type": "spectral", "features": ["flatness", "rolloff"], "n_fft": 48, "hop_length": 8},
    ],
    "envelope": [
        {"type": "envelope_spectrum", "band": [10.0, 40.0], "order": 2, "fmax": 20.0},
        {"type": "envelope_spectrum", "frequencies": [3.0, 7.0], "tolerance_hz": 2.0},
    ],
}


@pytest.mark.parametrize("name", list(CASES))
def test_spectral_stages(name, tmp_path):
    need_micropython()
    pipe = make_pipeline(CASES[name] + [{"type": "scaler"}, {"type": "logistic"}])
    X, y = synthetic(30, 64, 3, 3, seed=len(name))
    pipe.fit(X, y)
    run, _ = export_and_run(pipe, X[:12], tmp_path)
    print(name, assert_agrees(pipe, X[:12], run))


AUDIO = {
    "log_mel_librosa_defaults": {"type": "log_mel", "n_fft": 256, "hop_length": 128, "n_mels": 24},
    "mfcc_dft_reflect_lifter": {
        "type": "mfcc",
        "n_fft": 120,
        "hop_length": 160,
        "n_mels": 12,
        "n_mfcc": 8,
        "pad_mode": "reflect",
        "lifter": 22.0,
        "fmin": 20.0,
    },
    "mfcc_embedded": {
        "type": "mfcc",
        "n_fft": 256,
        "hop_length": 128,
        "n_mels": 16,
        "n_mfcc": 8,
        "center": False,
        "htk": True,
        "mel_norm": None,
        "log": "ln",
        "floor_mode": "add",
        "amin": 1e-6,
        "top_db": None,
        "norm": None,
        "power": 1.0,
    },
}


@pytest.mark.parametrize("name", list(AUDIO))
def test_audio_stages(name, tmp_path):
    """0.1 s windows at 8 kHz: vowel-like tones + noise per class."""
    need_micropython()
    pipe = make_pipeline(
        [AUDIO[name], {"type": "scaler"}, {"type": "gaussian_nb"}], channels=1, length=800, sample_rate=8000.0
    )
    rng = np.random.default_rng(1)
    t = np.arange(800) / 8000.0
    y = np.arange(24) % 3
    X = np.stack(
        [
            0.5 * np.sin(2 * np.pi * (300 + 400 * c) * t + rng.uniform(0, 6)) * (1 + 0.5 * np.sin(20 * t))
            + 0.05 * rng.standard_normal(800)
            for c in y
        ]
    )[:, :, None].astype(np.float32)
    pipe.fit(X, np.array([f"v{c}" for c in y]))
    run, _ = export_and_run(pipe, X[:6], tmp_path)
    print(name, assert_agrees(pipe, X[:6], run))


def test_log_mel_conv1d(tmp_path):
    """The keyword-spotting shape: log-mel frames -> scaler -> temporal CNN, on the interpreter."""
    need_micropython()
    pipe = make_pipeline(
        [
            {"type": "log_mel", "n_fft": 256, "hop_length": 128, "n_mels": 12, "center": False},
            {"type": "scaler"},
            {"type": "conv1d", "filters": [6, 6], "epochs": 15},
        ],
        channels=1,
        length=800,
        sample_rate=8000.0,
    )
    rng = np.random.default_rng(2)
    t = np.arange(800) / 8000.0
    y = np.arange(24) % 3
    X = np.stack(
        [0.5 * np.sin(2 * np.pi * (300 + 400 * c) * t + rng.uniform(0, 6)) + 0.05 * rng.standard_normal(800) for c in y]
    )[:, :, None].astype(np.float32)
    pipe.fit(X, np.array([f"v{c}" for c in y]))
    run, _ = export_and_run(pipe, X[:6], tmp_path)
    print(assert_agrees(pipe, X[:6], run))
