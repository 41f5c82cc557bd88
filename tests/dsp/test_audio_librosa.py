"""log_mel and mfcc against librosa (the outside oracle): max abs difference < 1e-3 in
float32 on speech-like signals and noise, over several parameter sets."""

from __future__ import annotations

import numpy as np
import pytest

librosa = pytest.importorskip("librosa")

import sensorflow  # noqa: E402
from sensorflow.dsp import synth  # noqa: E402

SR = 16000
TOL = 1e-3  # dB (log_mel) and MFCC units, float32


def _signals():
    return {
        "vowels": synth.vowels(1.5, SR, seed=3),
        "noise": synth.noise(1.0, SR, seed=4),
        "chirp": synth.chirp(1.0, SR),
        "am_tone": synth.am_tone(1.0, SR, carrier=700.0, mod=3.0),
        "quiet_vowels": synth.vowels(1.0, SR, seed=5) * np.float32(1e-3),
    }


SIGNALS = _signals()

PARAM_SETS = [
    {},  # librosa defaults: n_fft 2048, hop 512, 128 mels
    {"n_fft": 512, "hop_length": 160, "n_mels": 40},  # keyword spotting
    {"n_fft": 400, "win_length": 320, "hop_length": 160, "n_mels": 26, "fmin": 20.0, "fmax": 7600.0},
    {"n_fft": 256, "hop_length": 128, "n_mels": 32, "htk": True},
    {"n_fft": 512, "hop_length": 256, "n_mels": 40, "center": False, "window": "hamming"},
    {"n_fft": 1024, "hop_length": 320, "n_mels": 64, "pad_mode": "reflect", "power": 1.0, "top_db": 60.0},
]


def _as_frames(out, n_out):
    return out.reshape(-1, n_out)


@pytest.mark.parametrize("signal", sorted(SIGNALS))
@pytest.mark.parametrize("params", PARAM_SETS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "defaults")
def test_log_mel_matches_librosa(signal, params):
    y = SIGNALS[signal]
    stage = sensorflow.stage("log_mel", sample_rate=SR, **params)
    out = stage.transform(y[None, :, None])
    assert out.dtype == np.float32
    lib_kw = {k: v for k, v in params.items() if k != "top_db"}
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, **lib_kw), top_db=params.get("top_db", 80.0))
    got = _as_frames(out[0], ref.shape[0])
    assert got.shape == ref.T.shape
    assert np.abs(got - ref.T).max() < TOL


@pytest.mark.parametrize("signal", sorted(SIGNALS))
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_fft": 512, "hop_length": 160, "n_mels": 40, "n_mfcc": 13},
        {"n_fft": 400, "hop_length": 160, "n_mels": 26, "n_mfcc": 13, "fmin": 20.0, "lifter": 22.0},
        {"n_fft": 256, "hop_length": 128, "n_mels": 32, "n_mfcc": 12, "htk": True, "center": False},
        {"n_fft": 512, "hop_length": 200, "n_mels": 40, "n_mfcc": 20, "norm": None},
    ],
    ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()) or "defaults",
)
def test_mfcc_matches_librosa(signal, params):
    y = SIGNALS[signal]
    stage = sensorflow.stage("mfcc", sample_rate=SR, **params)
    out = stage.transform(y[None, :, None])
    ref = librosa.feature.mfcc(y=y, sr=SR, **params)
    got = _as_frames(out[0], ref.shape[0])
    assert got.shape == ref.T.shape
    assert np.abs(got - ref.T).max() < TOL


def test_mel_norm_none_matches_librosa():
    y = SIGNALS["vowels"]
    stage = sensorflow.stage("log_mel", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, norm=None)
    ref = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y, sr=SR, n_fft=512, hop_length=160, n_mels=40, norm=None)
    )
    assert np.abs(stage.transform(y[None, :, None])[0].reshape(-1, 40) - ref.T).max() < TOL
    mf = sensorflow.stage("mfcc", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13, mel_norm=None)
    S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_fft=512, hop_length=160, n_mels=40, norm=None))
    ref = librosa.feature.mfcc(S=S, n_mfcc=13)
    assert np.abs(mf.transform(y[None, :, None])[0].reshape(-1, 13) - ref.T).max() < TOL


def test_embedded_log_options_follow_their_formula():
    """log='ln' with floor_mode='add' and no top_db: ln(mel + amin) of librosa's mel power."""
    y = SIGNALS["vowels"]
    kw = {"n_fft": 512, "hop_length": 320, "n_mels": 40, "center": False, "htk": True, "norm": None}
    stage = sensorflow.stage("log_mel", sample_rate=SR, log="ln", floor_mode="add", amin=1e-6, top_db=None, **kw)
    mel = librosa.feature.melspectrogram(y=y.astype(np.float64), sr=SR, **kw)
    ref = np.log(mel + 1e-6)
    got = stage.transform(y[None, :, None])[0].reshape(-1, 40)
    np.testing.assert_allclose(got, ref.T, atol=1e-4, rtol=1e-5)


def test_ln_top_db_clips_the_same_power_ratio():
    y = SIGNALS["vowels"]
    kw = {"n_fft": 512, "hop_length": 160, "n_mels": 40}
    db = sensorflow.stage("log_mel", sample_rate=SR, top_db=50.0, **kw).transform(y[None, :, None])
    ln = sensorflow.stage("log_mel", sample_rate=SR, top_db=50.0, log="ln", **kw).transform(y[None, :, None])
    np.testing.assert_allclose(ln, db * np.log(10) / 10, atol=1e-4)
    assert np.isclose(db.max() - db.min(), 50.0, atol=1e-3)


def test_multichannel_uses_one_clip_over_the_window_like_librosa():
    y = np.stack([SIGNALS["vowels"][:16000], SIGNALS["noise"][:16000] * np.float32(0.01)])
    kw = {"n_fft": 512, "hop_length": 256, "n_mels": 40}
    stage = sensorflow.stage("log_mel", sample_rate=SR, **kw)
    out = stage.transform(y.T[None])[0].reshape(2, -1, 40)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, **kw), top_db=80.0)
    assert np.abs(out - ref.transpose(0, 2, 1)).max() < TOL
    assert stage.output_spec_.names[0] == "ch0_f00_m00"


def test_float64_input_stays_float64_and_matches():
    y = SIGNALS["chirp"].astype(np.float64)
    out = sensorflow.stage("mfcc", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13).transform(
        y[None, :, None]
    )
    assert out.dtype == np.float64
    ref = librosa.feature.mfcc(y=y, sr=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13)
    assert np.abs(out[0].reshape(-1, 13) - ref.T).max() < 1e-6


def test_batch_of_windows_equals_one_window_at_a_time():
    y = SIGNALS["vowels"][: 6 * 4000].reshape(6, 4000)
    stage = sensorflow.stage("mfcc", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13)
    batch = stage.transform(y[:, :, None])
    for i in range(len(y)):
        ref = librosa.feature.mfcc(y=y[i], sr=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13)
        assert np.abs(batch[i].reshape(-1, 13) - ref.T).max() < TOL


def test_feature_names_are_frame_major():
    stage = sensorflow.stage("mfcc", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, n_mfcc=13)
    stage.transform(np.zeros((1, 1600, 1), np.float32) + np.float32(0.1))
    names = stage.output_spec_.names
    assert len(names) == stage.n_frames * 13 == 11 * 13
    assert names[:2] == ("f00_c00", "f00_c01") and names[13] == "f01_c00" and names[-1] == "f10_c12"
    lm = sensorflow.stage("log_mel", sample_rate=SR, n_fft=512, hop_length=160, n_mels=40)
    lm.transform(np.ones((1, 1600, 1), np.float32))
    assert lm.output_spec_.names[40 * 3 + 12] == "f03_m12"
