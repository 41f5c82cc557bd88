"""The constants and per-frame pieces the C / MicroPython emitters use are exactly the
reference's: windows, mel matrix, DCT matrix, frame starts, frame-by-frame computation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft

librosa = pytest.importorskip("librosa")

import sensorflow  # noqa: E402
from sensorflow import dsp  # noqa: E402
from sensorflow.dsp import synth  # noqa: E402

SR = 16000


@pytest.mark.parametrize(
    "kw",
    [
        {"sr": 16000, "n_fft": 512, "n_mels": 40},
        {"sr": 22050, "n_fft": 2048, "n_mels": 128},
        {"sr": 16000, "n_fft": 400, "n_mels": 26, "fmin": 20.0, "fmax": 7600.0},
        {"sr": 8000, "n_fft": 256, "n_mels": 20, "htk": True},
        {"sr": 16000, "n_fft": 512, "n_mels": 40, "norm": None},
        {"sr": 44100, "n_fft": 1024, "n_mels": 64, "htk": True, "norm": None, "fmin": 50.0},
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mel_filterbank_equals_librosa(kw, dtype):
    ours = dsp.mel_filterbank(**kw, dtype=dtype)
    ref = librosa.filters.mel(**kw, dtype=dtype)
    assert ours.dtype == dtype and ours.shape == ref.shape
    np.testing.assert_array_max_ulp(ours, ref, maxulp=2)


@pytest.mark.parametrize("n_in,n_out", [(40, 13), (128, 20), (26, 26), (7, 3)])
@pytest.mark.parametrize("norm", ["ortho", None])
def test_dct_matrix_equals_scipy_dct(n_in, n_out, norm):
    x = np.random.default_rng(0).standard_normal((n_in, 5))
    ref = scipy.fft.dct(x, type=2, norm=norm, axis=0)[:n_out]
    np.testing.assert_allclose(dsp.dct_matrix(n_out, n_in, norm, dtype=np.float64) @ x, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman"])
@pytest.mark.parametrize("win_length,n_fft", [(512, 512), (400, 512), (321, 512)])
def test_window_equals_librosa_padded_window(name, win_length, n_fft):
    ref = librosa.util.pad_center(librosa.filters.get_window(name, win_length, fftbins=True), size=n_fft)
    np.testing.assert_array_equal(dsp.window_vector(name, win_length, n_fft, np.float64), ref)


@pytest.mark.parametrize("length", [1600, 1601, 4000, 512, 700])
@pytest.mark.parametrize("n_fft,hop", [(512, 160), (400, 160), (511, 128), (256, 256)])
@pytest.mark.parametrize("center", [True, False])
def test_frame_count_equals_librosa_stft(length, n_fft, hop, center):
    if length < n_fft:
        pytest.skip("shorter than n_fft (refused by the stages)")
    S = librosa.stft(np.ones(length, np.float32), n_fft=n_fft, hop_length=hop, center=center)
    starts = dsp.frame_starts(length, n_fft, hop, center)
    assert len(starts) == S.shape[1] == dsp.n_frames(length, n_fft, hop, center)
    assert starts[0] == (-(n_fft // 2) if center else 0)


@pytest.mark.parametrize("name,extra", [("log_mel", {}), ("mfcc", {"n_mfcc": 13}), ("mfcc", {"top_db": None})])
@pytest.mark.parametrize("center", [True, False])
def test_frame_by_frame_equals_batch(name, extra, center):
    """What the device does: for each frame start, gather samples (zeros outside the
    window), frame_features(frame); then window_post over the collected frames."""
    y = synth.vowels(0.5, SR, seed=7)
    stage = sensorflow.stage(name, sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, center=center, **extra)
    batch = stage.transform(y[None, :, None])[0]
    rows = []
    for s in stage.frame_starts():
        frame = np.zeros(512, np.float32)
        lo, hi = max(0, s), min(len(y), s + 512)
        frame[lo - s : hi - s] = y[lo:hi]
        rows.append(stage.frame_features(frame))
    incremental = stage.window_post(np.array(rows))
    np.testing.assert_allclose(incremental.ravel(), batch, atol=2e-5, rtol=1e-6)


def test_emitter_constants_shapes_and_dtypes():
    stage = sensorflow.stage("mfcc", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13, lifter=22.0)
    stage.bind(sensorflow.spec.Spec.signal(16000, 1, SR))
    assert stage.window_vector().shape == (512,) and stage.window_vector().dtype == np.float32
    mel = stage.mel_matrix()
    assert mel.shape == (40, 257) and mel.dtype == np.float32
    np.testing.assert_array_equal(mel, librosa.filters.mel(sr=SR, n_fft=512, n_mels=40))
    d = stage.dct_matrix()
    assert d.shape == (13, 40) and d.dtype == np.float32
    # the lifter is folded into the DCT rows exactly as librosa applies it after the DCT
    x = np.random.default_rng(1).standard_normal((40, 3))
    lift = 1 + 11.0 * np.sin(np.pi * np.arange(1, 14) / 22.0)
    np.testing.assert_allclose(
        stage.dct_matrix(np.float64) @ x, lift[:, None] * scipy.fft.dct(x, norm="ortho", axis=0)[:13], rtol=1e-12
    )
    assert stage.frame_starts()[:3].tolist() == [-256, -96, 64]
    assert stage.log_offset() == 0.0 and stage.clip_range() == 80.0


def test_no_numba_and_fast_first_call():
    """The feature stages never import librosa or numba (the multi-second first call)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, sensorflow;"
        "s = sensorflow.stage('mfcc', sample_rate=16000, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13);"
        "s.transform(np.zeros((1, 16000, 1), np.float32) + 0.1);"
        "print('numba' in sys.modules, 'librosa' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


@pytest.mark.parametrize("name", dsp.windows.WINDOW_NAMES)
@pytest.mark.parametrize("n", [1, 2, 3, 64, 400, 511, 512])
def test_windows_equal_scipy_get_window(name, n):
    import scipy.signal

    np.testing.assert_array_equal(dsp.windows.periodic_window(name, n), scipy.signal.get_window(name, n, fftbins=True))


@pytest.mark.parametrize("kw", [{"n_mels": 40}, {"n_mels": 26, "fmin": 300.0, "fmax": 3400.0, "htk": True}])
def test_sparse_mel_bands_rebuild_the_mel_matrix(kw):
    stage = sensorflow.stage("log_mel", sample_rate=SR, n_fft=512, **kw)
    stage.bind(sensorflow.spec.Spec.signal(16000, 1, SR))
    first, offsets, weights = stage.mel_bands()
    dense = np.zeros_like(stage.mel_matrix())
    for m in range(len(first)):
        w = weights[offsets[m] : offsets[m + 1]]
        dense[m, first[m] : first[m] + len(w)] = w
    np.testing.assert_array_equal(dense, stage.mel_matrix())
    assert offsets[-1] < 2 * 257  # each bin feeds at most two triangles


@pytest.mark.parametrize("center,hop", [(True, 160), (False, 160), (False, 600)])
def test_frame_streaming_over_random_chunks_equals_batch_frames(center, hop):
    y = np.stack([synth.vowels(0.6, SR, seed=8), synth.noise(0.6, SR, seed=9)], axis=-1)
    stage = sensorflow.stage("log_mel", sample_rate=SR, n_fft=512, hop_length=hop, n_mels=40, center=center)
    stage.bind(sensorflow.spec.Spec.signal(len(y), 2, SR))
    frames = dsp.frame_signal(np.ascontiguousarray(y.T), 512, hop, center=center)  # (C, T, n_fft)
    batch = stage.frame_features(frames).transpose(1, 0, 2)  # (T, C, n_mels)
    rng = np.random.default_rng(3)
    state, rows, i = stage.init_frame_state(2), [], 0
    while i < len(y):
        n = int(rng.integers(1, 700))
        state, r = stage.stream_frames(state, y[i : i + n])
        rows.append(r)
        i += n
    rows = np.concatenate(rows)
    # frames that need no right padding: all of them without center, all but the last few with it
    full = int(np.sum(stage.frame_starts() + 512 <= len(y)))
    assert len(rows) == full
    np.testing.assert_array_equal(rows, batch[:full])
