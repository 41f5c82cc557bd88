"""sf_logmel (window -> rfft -> power -> mel -> log -> top_db -> DCT) against the reference
log_mel / mfcc stages and librosa. Tolerance: 1e-3 absolute on dB values and on ortho MFCCs
(the device runs its FFT in float32, librosa in float64), times the largest lifter weight
when liftering; for unnormalised DCTs of natural logs 1e-5 relative to the largest value."""

import numpy as np
import pytest
from cbuild import build_driver
from conftest import need_tools
from logmel_ref import run_stage

from sensorflow import dsp
from sensorflow.registry import get
from sensorflow.spec import Spec

SR = 16000.0


@pytest.fixture(scope="module")
def drivers(tmp_path_factory):
    need_tools("cc")
    d = tmp_path_factory.mktemp("logmel")
    return {"plain": build_driver(d), "san": build_driver(d, sanitize=True, opt="-O1")}


def _signals(length, n_channels=1, seed=0):
    rng = np.random.default_rng(seed)
    sig = [dsp.synth.vowels(length / SR + 0.01, SR, seed=seed + i)[:length] for i in range(3)]
    sig.append(0.05 * rng.standard_normal(length))  # noise
    sig.append(np.where(np.arange(length) < length // 2, 0.0, sig[0]))  # half silence: top_db clips
    X = np.stack(sig).astype(np.float32)[:, :, None]
    if n_channels > 1:
        X = np.concatenate([X, 0.5 * X[::-1]], axis=2)
    return X


def _bound(name, params, length, n_channels=1):
    st = get(name)(**params)
    st.bind(Spec.signal(length, n_channels, SR))
    return st


def _tolerance(st, ref):
    if st.name == "mfcc" and st.params.norm is None:
        return 1e-5 * float(np.abs(ref).max())
    if st.name == "mfcc":  # liftering scales coefficient k (and its error) by lifter_vector()[k]
        return 1e-3 * float(st.lifter_vector().max())
    return 1e-3


# the float kernel's cases; stages given q15_scale compute in fixed point (sf_q15, tested
# bit for bit against their own reference in tests/codegen/test_fixed_mel_c.py)
CASES = [
    (name, params) for name in ("log_mel", "mfcc") for params in get(name).examples() if not params.get("q15_scale")
]


@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_reference_stage(drivers, name, params):
    st = _bound(name, params, 4000)
    X = _signals(4000)
    ref = st.transform(X)
    got = run_stage(drivers["plain"], st, X)
    assert np.abs(got - ref).max() <= _tolerance(st, ref)


def test_multichannel_clip_spans_channels(drivers):
    st = _bound("mfcc", {"n_fft": 512, "hop_length": 160, "n_mels": 40, "n_mfcc": 13}, 4000, n_channels=2)
    X = _signals(4000, n_channels=2)
    X[:, :, 1] *= 1e-3  # 60 dB quieter: the clip level comes from channel 0
    np.testing.assert_allclose(run_stage(drivers["plain"], st, X), st.transform(X), rtol=0, atol=1e-3)


def test_matches_librosa_directly(drivers):
    librosa = pytest.importorskip("librosa")
    X = _signals(8000)
    st = _bound("mfcc", {"n_fft": 512, "hop_length": 160, "n_mels": 40, "n_mfcc": 13}, 8000)
    got = run_stage(drivers["plain"], st, X).reshape(len(X), -1, 13)
    for x, g in zip(X[:, :, 0], got):
        ref = librosa.feature.mfcc(y=x, sr=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13)
        assert np.abs(g.T - ref).max() < 1e-3
    st = _bound("log_mel", {"n_fft": 1024, "hop_length": 256, "n_mels": 64}, 8000)
    got = run_stage(drivers["plain"], st, X).reshape(len(X), -1, 64)
    for x, g in zip(X[:, :, 0], got):
        S = librosa.feature.melspectrogram(y=x, sr=SR, n_fft=1024, hop_length=256, n_mels=64)
        assert np.abs(g.T - librosa.power_to_db(S)).max() < 1e-3


@pytest.mark.parametrize("name", ["mfcc", "log_mel"])
def test_incremental_equals_full(drivers, name):
    """Consecutive windows hopping by 25 frames: only the new frames are computed, and the
    output equals the full computation (the clip level moves as loud frames enter and leave)."""
    params = {"n_fft": 512, "hop_length": 160, "n_mels": 40, "center": False}
    if name == "mfcc":
        params["n_mfcc"] = 13
    L, hop = 16000, 4000
    st = _bound(name, params, L)
    rng = np.random.default_rng(3)
    sig = np.concatenate(
        [
            dsp.synth.vowels(0.7, SR, seed=1),
            1e-4 * rng.standard_normal(int(SR)),
            3 * dsp.synth.vowels(1.0, SR, seed=2)[: int(SR)],
            dsp.synth.vowels(1.0, SR, seed=5),
        ]
    )
    starts = range(0, len(sig) - L + 1, hop)
    X = np.stack([sig[s : s + L] for s in starts]).astype(np.float32)[:, :, None]
    ref = st.transform(X)
    got = run_stage(drivers["plain"], st, X, incremental=True, shift_frames=hop // 160)
    assert np.abs(got - ref).max() < 1e-3
    again = run_stage(drivers["san"], st, X, incremental=True, shift_frames=hop // 160)
    assert np.abs(again - ref).max() < 1e-3


def test_hostile_inputs_under_sanitizers(drivers):
    st = _bound("mfcc", {"n_fft": 256, "hop_length": 128, "n_mels": 20, "n_mfcc": 8}, 1024)
    big = np.finfo(np.float32).max
    X = np.stack(
        [
            np.zeros(1024),
            np.full(1024, 1e-42),
            np.full(1024, big),
            np.where(np.arange(1024) % 2, big, -big),
            np.full(1024, 1e19),
            np.random.default_rng(0).standard_normal(1024),
        ]
    ).astype(np.float32)[:, :, None]
    got = run_stage(drivers["san"], st, X)
    assert np.all(np.isfinite(got)), "log-mel/MFCC must stay finite on zeros, denormals and overflowing input"
    ref = st.transform(X[[0, 1, 5]])
    assert np.abs(got[[0, 1, 5]] - ref).max() < 1e-3
