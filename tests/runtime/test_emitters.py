"""Stage-level compile-and-compare for every DSP stage: the generated C (framework harness,
host cc, also under ASan/UBSan) gives the numpy reference's features.

Tolerances: float32 device arithmetic against float32/float64 references — rtol 1e-4 and an
atol of 1e-4 times the largest magnitude of that stage's output (1e-3 absolute for dB and
MFCC values, as in test_logmel)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from stage_compare import one_stage_pipeline

from sensorflow.registry import get
from sensorflow.testing import ccompare

SIGNAL_AND_FEATURE = [
    "scale",
    "dc_remove",
    "pre_emphasis",
    "butter",
    "magnitude",
    "stats",
    "fft",
    "band_energy",
    "spectral",
    "envelope_spectrum",
    "log_mel",
    "mfcc",
]

# the first parameter set of each stage runs by default, the others with the slow tests
CASES = [
    pytest.param(name, i, params, marks=[pytest.mark.slow] if i else [], id=f"{name}-{i}")
    for name in SIGNAL_AND_FEATURE
    for i, params in enumerate(get(name).examples())
]


def _pipeline_for(name, params, rng):
    cls = get(name)
    spec, X, _ = cls.example_input(dict(params), rng)
    stage = {"type": name, **{k: v for k, v in params.items() if k != "sample_rate"}}
    before = []
    if cls.tags.role == "signal":  # a signal stage needs a feature stage after it to produce features
        pipe = one_stage_pipeline(
            {"type": "stats", "functions": ["mean", "std", "min", "max"]},
            spec.sample_rate,
            spec.names,
            spec.length,
            before=[stage],
        )
    else:
        pipe = one_stage_pipeline(stage, spec.sample_rate, spec.names, spec.length, before=before)
    return pipe, X


def _tol(name, ref):
    if name in ("log_mel", "mfcc") or (name == "band_energy"):
        return 1e-3 + 1e-5 * float(np.abs(ref).max())
    return 1e-4 * float(np.abs(ref).max()) + 1e-6


@pytest.mark.parametrize("name,i,params", CASES)
def test_emitted_c_matches_reference(tmp_path, name, i, params):
    need_tools("cc")
    rng = np.random.default_rng(i)
    pipe, X = _pipeline_for(name, params, rng)
    X = X[:4]
    ref = pipe.transform(X)
    h = ccompare.build(pipe, tmp_path)
    got = h.features(X)
    err = np.abs(got - ref)
    assert np.all(err <= _tol(name, ref) + 1e-4 * np.abs(ref)), (
        f"{name} {params}: max error {err.max():.3g} at {np.unravel_index(err.argmax(), err.shape)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mfcc", "butter", "stats", "spectral", "envelope_spectrum", "band_energy"])
def test_emitted_c_under_sanitizers(tmp_path, name):
    need_tools("cc")
    params = get(name).examples()[-1]
    pipe, X = _pipeline_for(name, params, np.random.default_rng(0))
    X = X[:3].copy()
    X[1] = 0.0  # silence
    X[2] = np.where(np.arange(X.shape[1])[:, None] % 2, 1e6, -1e6)
    h = ccompare.build(pipe, tmp_path, sanitize=True, opt="-O1")
    got = h.features(X)
    assert np.all(np.isfinite(got))
    ref = pipe.transform(X)
    assert np.abs(got[:2] - ref[:2]).max() <= _tol(name, ref) + 1e-4 * np.abs(ref[:2]).max() + 1e-3


def test_scaler_after_stats(tmp_path):
    need_tools("cc")
    rng = np.random.default_rng(5)
    X = rng.standard_normal((30, 64, 2)).astype(np.float32) * rng.uniform(0.1, 10, (30, 1, 2)).astype(np.float32)
    for params in get("scaler").examples():
        pipe = one_stage_pipeline(
            {"type": "scaler", **params},
            100.0,
            ["a", "b"],
            64,
            before=[{"type": "stats", "functions": ["mean", "std", "kurtosis"]}],
        )
        pipe.fit(X, np.arange(30) % 2)
        ref = pipe.transform(X)
        got = ccompare.build(pipe, tmp_path / params.get("method", "standard") / str(params.get("clip", 0))).features(X)
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "stage",
    [
        {"type": "fft", "n_fft": 100, "hop_length": 50},  # direct DFT path
        {"type": "band_energy", "n_fft": 96, "n_bands": 4},  # direct DFT path
        {"type": "spectral", "n_fft": 120, "n_peaks": 2},  # direct DFT path
        {"type": "mfcc", "n_fft": 256, "hop_length": 128, "n_mels": 20, "n_mfcc": 8},  # two channels: one clip
        {"type": "log_mel", "n_fft": 256, "hop_length": 100, "n_mels": 24, "center": False},
    ],
    ids=["fft-dft", "band-dft", "spectral-dft", "mfcc-2ch", "logmel-2ch"],
)
def test_more_shapes(tmp_path, stage):
    need_tools("cc")
    rng = np.random.default_rng(9)
    audio = stage["type"] in ("mfcc", "log_mel")
    sr, L = (8000.0, 1024) if audio else (1000.0, 256)
    t = np.arange(L) / sr
    X = 0.3 * rng.standard_normal((4, L, 2)) + np.sin(2 * np.pi * rng.uniform(20, 300, (4, 1, 2)) * t[None, :, None])
    X[:, :, 1] *= 0.01  # second channel 40 dB quieter
    X = X.astype(np.float32)
    pipe = one_stage_pipeline(stage, sr, ["a", "b"], L)
    ref = pipe.transform(X)
    got = ccompare.build(pipe, tmp_path).features(X)
    err = np.abs(got - ref)
    assert np.all(err <= _tol(stage["type"], ref) + 1e-4 * np.abs(ref)), f"max error {err.max():.3g}"
