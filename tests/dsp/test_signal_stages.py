"""Signal stages against scipy.signal / numpy / librosa, and streaming == batch over random
chunk sizes (property-based) for every streaming signal stage."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import sensorflow
from sensorflow.spec import Spec

SR = 1000.0


def _signal(n=2000, c=3, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = rng.standard_normal((n, c)) * 0.5 + np.sin(2 * np.pi * 37 * t)[:, None] + offset
    return x.astype(np.float32)


def _stream(stage, x, sizes):
    state = stage.init_state()
    outs, i, k = [], 0, 0
    while i < len(x):
        n = sizes[k % len(sizes)]
        state, o = stage.process(state, x[i : i + n])
        outs.append(o)
        i, k = i + n, k + 1
    return np.concatenate(outs)


# float32 biquads (as on the device) vs scipy's float64 sosfilt: within 2e-5 of the input's full scale
BUTTER_TOL = 2e-5

BUTTER_CASES = [
    {"order": 4, "btype": "lowpass", "cutoff": 50.0},
    {"order": 2, "btype": "highpass", "cutoff": 5.0},
    {"order": 6, "btype": "bandpass", "cutoff": [20.0, 80.0]},
    {"order": 3, "btype": "bandstop", "cutoff": [30.0, 45.0]},
    {"order": 8, "btype": "lowpass", "cutoff": 10.0},
]


@pytest.mark.parametrize("params", BUTTER_CASES, ids=lambda p: f"{p['btype']}{p['order']}")
def test_butter_matches_scipy_sosfilt_whole_signal(params):
    x = _signal()
    stage = sensorflow.stage("butter", sample_rate=SR, **params)
    sos = scipy.signal.butter(params["order"], params["cutoff"], params["btype"], fs=SR, output="sos")
    np.testing.assert_allclose(stage.sos(), sos, rtol=0, atol=0)
    ref = scipy.signal.sosfilt(sos, x.astype(np.float64), axis=0)
    got = stage.transform(x[None])[0]
    assert got.dtype == np.float32
    assert np.abs(got - ref).max() < BUTTER_TOL * np.abs(x).max()


@pytest.mark.parametrize("params", BUTTER_CASES, ids=lambda p: f"{p['btype']}{p['order']}")
def test_butter_in_random_chunks_matches_sosfilt(params):
    x = _signal(seed=1)
    stage = sensorflow.stage("butter", sample_rate=SR, **params)
    stage.bind(Spec.signal(len(x), x.shape[1], SR))
    sos = scipy.signal.butter(params["order"], params["cutoff"], params["btype"], fs=SR, output="sos")
    ref = scipy.signal.sosfilt(sos, x.astype(np.float64), axis=0)
    rng = np.random.default_rng(2)
    for _ in range(3):
        sizes = list(rng.integers(1, 300, size=50))
        got = _stream(stage, x, sizes)
        assert np.abs(got - ref).max() < BUTTER_TOL * np.abs(x).max()
        np.testing.assert_allclose(got, stage.transform(x[None])[0], rtol=1e-6, atol=1e-6)


def test_butter_steady_start_has_no_transient_on_an_offset():
    x = np.full((500, 1), 9.81, np.float32)
    zeros = sensorflow.stage("butter", sample_rate=SR, cutoff=20.0, order=4).transform(x[None])[0]
    steady = sensorflow.stage("butter", sample_rate=SR, cutoff=20.0, order=4, zi="steady").transform(x[None])[0]
    assert np.abs(zeros[:50] - 9.81).max() > 1.0  # sosfilt from rest rings up
    np.testing.assert_allclose(steady, 9.81, rtol=1e-5)
    hp = sensorflow.stage("butter", sample_rate=SR, cutoff=1.0, btype="highpass", zi="steady").transform(x[None])[0]
    assert np.abs(hp).max() < 1e-4
    ref = scipy.signal.sosfilt(
        (sos := scipy.signal.butter(4, 20.0, fs=SR, output="sos")), x[:, 0], zi=scipy.signal.sosfilt_zi(sos) * 9.81
    )[0]
    np.testing.assert_allclose(steady[:, 0], ref, rtol=1e-5)


def test_pre_emphasis_matches_lfilter_and_librosa():
    x = _signal(seed=3)
    got = sensorflow.stage("pre_emphasis", sample_rate=SR, coef=0.97).transform(x[None])[0]
    ref = scipy.signal.lfilter([1.0, -0.97], [1.0], x.astype(np.float64), axis=0)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    librosa = pytest.importorskip("librosa")
    np.testing.assert_allclose(got[:, 0], librosa.effects.preemphasis(x[:, 0], coef=0.97, zi=0.0), rtol=1e-5, atol=1e-6)
    rep = sensorflow.stage("pre_emphasis", sample_rate=SR, coef=0.97, initial="repeat").transform(x[None])[0]
    np.testing.assert_allclose(rep[0], x[0] * (1 - 0.97), rtol=1e-5)
    np.testing.assert_allclose(rep[1:], got[1:], rtol=1e-6)


def test_dc_remove_subtracts_each_windows_mean():
    X = np.stack([_signal(seed=s, offset=s * 3.0) for s in range(4)])
    got = sensorflow.stage("dc_remove", sample_rate=SR).transform(X)
    X64 = X.astype(np.float64)
    np.testing.assert_allclose(got, X64 - X64.mean(axis=1, keepdims=True), atol=1e-6 * np.abs(X).max())
    assert np.abs(got.mean(axis=1)).max() < 1e-5


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_magnitude_is_the_euclidean_norm(mode):
    x = _signal(c=4, seed=5)
    stage = sensorflow.stage("magnitude", sample_rate=SR, channels=["ch0", "ch2", 3], mode=mode, output_channel="acc")
    got = stage.transform(x[None])[0]
    norm = np.linalg.norm(x[:, [0, 2, 3]].astype(np.float64), axis=1)
    np.testing.assert_allclose(got[:, -1], norm, rtol=1e-6)
    if mode == "append":
        assert stage.output_spec_.names == ("ch0", "ch1", "ch2", "ch3", "acc")
        np.testing.assert_array_equal(got[:, :4], x)
    else:
        assert stage.output_spec_.names == ("ch1", "acc")
        np.testing.assert_array_equal(got[:, 0], x[:, 1])


# ---------------------------------------------------------------- streaming == batch (hypothesis)
STREAMING = [
    ("butter", {"cutoff": 40.0, "order": 5}),
    ("butter", {"cutoff": [10.0, 120.0], "btype": "bandpass", "order": 3, "zi": "steady"}),
    ("butter", {"cutoff": 2.0, "btype": "highpass", "zi": "steady"}),
    ("pre_emphasis", {"coef": 0.95}),
    ("pre_emphasis", {"coef": 0.9, "initial": "repeat"}),
    ("magnitude", {"mode": "replace"}),
    ("scale", {"gain": [2.0, -1.0], "offset": 0.5}),
]


@pytest.mark.parametrize("name,params", STREAMING, ids=[f"{n}-{i}" for i, (n, _) in enumerate(STREAMING)])
@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=30),
    seed=st.integers(0, 2**16),
    offset=st.floats(-20, 20),
)
def test_streaming_equals_batch(name, params, sizes, seed, offset):
    x = _signal(n=1200, c=2, seed=seed, offset=offset)
    stage = sensorflow.stage(name, sample_rate=SR, **params)
    batch = stage.transform(x[None])[0]
    got = _stream(stage, x, sizes)
    np.testing.assert_allclose(got, batch, rtol=1e-5, atol=1e-5 * (1 + abs(offset)))


def test_all_streaming_signal_stages_are_covered_here():
    """A new streaming signal stage must be added to STREAMING above."""
    streaming = {n for n, c in sensorflow.registry.all_stages().items() if c.tags.streaming and c.tags.role == "signal"}
    mine = {"butter", "pre_emphasis", "magnitude", "scale"}
    assert mine <= streaming
    assert {n for n, _ in STREAMING} == mine
