"""stats against numpy, scipy.stats (biased skew, Fisher excess kurtosis) and librosa's
zero-crossing rate; constant channels give defined numbers, never NaN."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import sensorflow
from sensorflow.stages.stats import FUNCTIONS

SR = 100.0


def _windows(seed=0, n=5, length=300, c=3):
    rng = np.random.default_rng(seed)
    X = rng.gamma(2.0, 1.0, size=(n, length, c)) - 1.5  # skewed, heavy-ish tails, sign changes
    X[:, :, 1] = rng.standard_normal((n, length)) * 3 + 9.81
    X[:, :, 2] = np.sin(np.linspace(0, 20, length))[None] * rng.uniform(0.5, 2, (n, 1))
    return X.astype(np.float32)


def _reference(x: np.ndarray) -> dict:
    x = x.astype(np.float64)
    rms = np.sqrt(np.mean(x**2))
    librosa = pytest.importorskip("librosa")
    zcr = librosa.feature.zero_crossing_rate(x, frame_length=len(x), hop_length=len(x), center=False)[0, 0]
    return {
        "mean": np.mean(x),
        "std": np.std(x),
        "var": np.var(x),
        "rms": rms,
        "min": np.min(x),
        "max": np.max(x),
        "ptp": np.ptp(x),
        "abs_mean": np.mean(np.abs(x)),
        "skew": scipy.stats.skew(x, bias=True),
        "kurtosis": scipy.stats.kurtosis(x, fisher=True, bias=True),
        "zero_crossing_rate": zcr,
        "crest_factor": np.max(np.abs(x)) / rms,
        "energy": np.sum(x**2),
    }


def test_stats_match_numpy_scipy_librosa():
    X = _windows()
    stage = sensorflow.stage("stats", sample_rate=SR)
    out = stage.transform(X)
    names = stage.output_spec_.names
    assert len(names) == 3 * len(FUNCTIONS) and names[0] == "ch0_mean" and names[len(FUNCTIONS)] == "ch1_mean"
    got = out.reshape(len(X), 3, len(FUNCTIONS))
    for i in range(len(X)):
        for c in range(3):
            ref = _reference(X[i, :, c])
            for j, f in enumerate(FUNCTIONS):
                np.testing.assert_allclose(got[i, c, j], ref[f], rtol=2e-6, atol=1e-6, err_msg=f"{f} ch{c} window {i}")


def test_function_subset_and_order():
    X = _windows(seed=1)
    stage = sensorflow.stage("stats", sample_rate=SR, functions=["kurtosis", "rms"])
    out = stage.transform(X)
    assert stage.output_spec_.names == ("ch0_kurtosis", "ch0_rms", "ch1_kurtosis", "ch1_rms", "ch2_kurtosis", "ch2_rms")
    np.testing.assert_allclose(out[:, 0], scipy.stats.kurtosis(X[:, :, 0].astype(np.float64), axis=1), rtol=2e-6)
    np.testing.assert_allclose(out[:, 3], np.sqrt(np.mean(X[:, :, 1].astype(np.float64) ** 2, axis=1)), rtol=2e-6)


@pytest.mark.parametrize("value", [0.0, 9.81, -3.0, 1e-8])
def test_constant_channels_are_defined(value):
    X = np.full((2, 200, 1), value, np.float32)
    out = sensorflow.stage("stats", sample_rate=SR).transform(X)
    assert np.all(np.isfinite(out))
    v = dict(zip(FUNCTIONS, out[0]))
    assert v["skew"] == 0 and v["kurtosis"] == 0 and v["std"] == 0 and v["zero_crossing_rate"] == 0
    assert v["crest_factor"] == (0.0 if value == 0 else pytest.approx(1.0))
    np.testing.assert_allclose(v["mean"], value, rtol=1e-6)


def test_zero_crossing_rate_counts_zero_as_positive():
    x = np.array([1.0, -1.0, 0.0, 2.0, -0.0, -1.0, 1e-12, -1.0], np.float32)
    out = sensorflow.stage("stats", sample_rate=SR, functions=["zero_crossing_rate"]).transform(x[None, :, None])
    # sign changes: 1|-1, -1|0, -0|-1 ("-0" counts as 0, positive), -1|1e-12 (zero), 1e-12|-1 -> 5 of 8 samples
    assert out[0, 0] == pytest.approx(5 / 8)
    librosa = pytest.importorskip("librosa")
    ref = librosa.feature.zero_crossing_rate(x, frame_length=8, hop_length=8, center=False)[0, 0]
    assert out[0, 0] == pytest.approx(ref)


def test_float64_in_float64_out():
    X = _windows(seed=2).astype(np.float64)
    out = sensorflow.stage("stats", sample_rate=SR, functions=["skew"]).transform(X)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[:, 0], scipy.stats.skew(X[:, :, 0], axis=1), rtol=1e-12)


def test_rate_free_stages_need_no_sample_rate_alone():
    X = _windows(seed=4)
    np.testing.assert_allclose(
        sensorflow.stage("stats", functions=["mean"]).transform(X)[:, 0],
        X[:, :, 0].astype(np.float64).mean(axis=1),
        rtol=1e-6,
    )
    for name in ("dc_remove", "pre_emphasis", "magnitude"):
        assert sensorflow.stage(name).transform(X).shape[:2] == X.shape[:2]
