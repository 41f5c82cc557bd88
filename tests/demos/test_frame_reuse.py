"""Stream scoring with frames computed once (sensorflow.demo.frame_reuse): scores equal the
per-window ``predict_proba`` exactly (np.array_equal) for float and q15 log_mel / mfcc front ends,
float and int8 models; pipelines whose windows cannot share frames take the per-window path."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from sensorflow.demo import frame_reuse, streaming
from sensorflow.dsp import synth
from sensorflow.hil.int8_reference import Int8Reference
from sensorflow.pipeline import Pipeline
from sensorflow.windowing import frame

SR, LENGTH, HOP = 8000, 2400, 400
MEL = {"type": "log_mel", "n_fft": 256, "win_length": 200, "hop_length": 200, "center": False, "n_mels": 12}
MEL.update({"fmin": 20, "fmax": 3800, "top_db": None})
CONV = {"type": "conv1d", "filters": [4, 5], "kernel_size": 3, "strides": [2, 1], "center_window": True}
CONV.update({"epochs": 2, "random_state": 0})


def _signal(seconds_of_noise=2.0, channels=1):
    rng = np.random.default_rng(0)
    parts = [synth.vowels(1.0, SR, seed=s) * a for s, a in ((1, 0.5), (2, 0.02), (3, 0.2))]
    parts.append(rng.standard_normal(int(SR * seconds_of_noise)) * 0.05)
    parts.append(np.zeros(SR // 2))  # silence: the q15 path's zero-shift frames
    sig = np.concatenate(parts).astype(np.float32)
    return sig if channels == 1 else np.stack([sig, np.roll(sig, 333) * 0.5], axis=1)


def _fitted(first: dict, model, hop: int = HOP, channels: int = 1) -> Pipeline:
    cfg = {
        "name": "frame_reuse",
        "sensor": {"kind": "audio", "sample_rate": SR, "channels": ["mic", "mic2"][:channels]},
        "window": {"length": LENGTH, "hop": hop},
        "stages": [first, *(model if isinstance(model, list) else [model]), {"type": "smooth", "windows": 3}],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    sig = _signal(0.5, channels).reshape(-1, channels)
    windows = frame(sig, LENGTH, hop)
    return pipe.fit(windows, (np.arange(len(windows)) // 3) % 2)


def _per_window(scorer, sig, chunk=256):
    """The per-window path: ``predict_proba`` of ``chunk`` windows at a time (a model's BLAS
    products may round differently for another batch size, so the chunks must match)."""
    windows = frame(sig.reshape(len(sig), -1), scorer.window_length, scorer.hop)
    return np.concatenate([scorer.predict_proba(windows[i : i + chunk]) for i in range(0, len(windows), chunk)])


CASES = {
    "float-log_mel-conv1d": (MEL, CONV, False),
    "q15-log_mel-conv1d": ({**MEL, "q15_scale": 2**-15}, CONV, False),
    "q15-log_mel-int8": ({**MEL, "q15_scale": 2**-15}, CONV, True),
    "float-log_mel-top_db-mlp": (
        {**MEL, "top_db": 60.0},
        {"type": "mlp", "hidden_layer_sizes": [6], "max_iter": 50, "random_state": 0},
        False,
    ),
    "float-mfcc-top_db-int8": (
        {**MEL, "type": "mfcc", "n_mfcc": 6, "top_db": 80.0, "mel_norm": "slaney", "hop_length": 100},
        CONV,
        True,
    ),
    "float-log_mel-scaler-logistic": (MEL, [{"type": "scaler"}, {"type": "logistic"}], False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_scores_from_shared_frames_equal_per_window_scores(case):
    first, model, int8 = CASES[case]
    pipe = _fitted(first, model)
    scorer = Int8Reference(pipe) if int8 else pipe
    assert frame_reuse.framed_first_stage(scorer) is pipe.steps[0].stages[0]
    sig = _signal()
    for chunk in (7, 256):  # chunks of windows assembled at once do not change a score
        scores, ends = streaming.score_stream(scorer, sig, chunk_windows=chunk)
        want = _per_window(scorer, sig, chunk)
        assert scores.shape == want.shape and len(ends) == len(want) > 20
        assert np.array_equal(scores, want), case


def test_two_channels_share_frames_too():
    pipe = _fitted(MEL, {"type": "logistic"}, channels=2)
    assert frame_reuse.framed_first_stage(pipe) is not None
    sig = _signal(channels=2)
    scores, _ = streaming.score_stream(pipe, sig)
    assert np.array_equal(scores, _per_window(pipe, sig))


def test_a_stream_shorter_than_a_window_gives_no_scores():
    pipe = _fitted(MEL, CONV)
    scores, ends = streaming.score_stream(pipe, _signal()[: LENGTH - 1])
    assert scores.shape == (0, 2) and len(ends) == 0


@pytest.mark.parametrize(
    "first, hop, why",
    [
        ({**MEL, "center": True}, HOP, "centred frames: a window's first frames are padded"),
        (MEL, 300, "the frame hop (200) does not divide the window hop (300)"),
        ({"type": "stats", "functions": ["mean", "std"]}, HOP, "not a framed stage"),
    ],
)
def test_pipelines_whose_windows_cannot_share_frames_fall_back(first, hop, why, monkeypatch):
    pipe = _fitted(first, {"type": "logistic"} if first["type"] == "stats" else CONV, hop=hop)
    assert frame_reuse.framed_first_stage(pipe) is None, why

    def refuse(*a, **k):
        raise AssertionError("frame reuse taken for " + why)

    monkeypatch.setattr(streaming, "score_from_frames", refuse)
    sig = _signal()
    scores, _ = streaming.score_stream(pipe, sig)
    assert np.array_equal(scores, _per_window(pipe, sig))
