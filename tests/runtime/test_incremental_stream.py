"""The incremental log-mel/MFCC path of the generated C (windows handed over by
<prefix>_push reuse the frames they share with the previous window) gives the same scores as
the numpy pipeline on every window, for random chunk sizes. With a signal stage first the
push path keeps a whole window and sf_logmel_frames_next_f32 reuses frames; with the
log-mel stage first it consumes the stream frame by frame (test_frame_stream.py covers that
path in more shapes)."""

import numpy as np
import pytest
import yaml
from conftest import need_tools

from sensorflow import dsp
from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare

SR = 16000.0


@pytest.mark.slow
@pytest.mark.parametrize("front", ["window", "frames"])
@pytest.mark.parametrize("name", ["mfcc", "log_mel"])
def test_streamed_windows_match_reference(tmp_path, name, front):
    need_tools("cc")
    stage = {"type": name, "n_fft": 512, "hop_length": 160, "n_mels": 40, "center": False}
    if name == "mfcc":
        stage["n_mfcc"] = 13
    cfg = {
        "name": "inc",
        "sensor": {"kind": "generic", "sample_rate": SR, "channels": ["mic"]},
        "window": {"length": 4000, "hop": 800},  # 5 new frames per window
        "stages": ([{"type": "scale", "gain": 1.0}] if front == "window" else [])
        + [stage, {"type": "scaler"}, {"type": "logistic"}],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    rng = np.random.default_rng(0)
    X = np.stack(
        [dsp.synth.vowels(0.26, SR, seed=i)[:4000] if i % 2 else 0.1 * rng.standard_normal(4000) for i in range(20)]
    ).astype(np.float32)[:, :, None]
    pipe.fit(X, np.arange(20) % 2)
    harness = ccompare.build(pipe, tmp_path, sanitize=True, opt="-O1")
    kernel = "sf_logmel_frames_next_f32" if front == "window" else "sf_logmel_stream_samples_f32"
    assert kernel in (tmp_path / "sf_model.c").read_text()
    sig = np.concatenate(
        [dsp.synth.vowels(1.0, SR, seed=7), 0.05 * rng.standard_normal(8000), dsp.synth.vowels(0.8, SR, seed=8)]
    ).astype(np.float32)[:, None]
    ref = list(pipe.stream([sig]))
    recs = harness.stream(sig, [int(c) for c in rng.integers(1, 1500, 64)])
    assert recs, "no window completed"
    done = 0
    for r in recs:
        done += r["n_windows"]
        np.testing.assert_allclose(r["scores"], ref[done - 1]["scores"], rtol=1e-3, atol=1e-4)
    assert done == len(ref)
    # the same windows one by one through <prefix>_infer (the non-incremental path) agree too
    starts = [r["window"] * 800 for r in ref]
    W = np.stack([sig[s : s + 4000] for s in starts])
    _, scores, _ = harness.infer(W)
    np.testing.assert_allclose(scores, np.stack([r["scores"] for r in ref]), rtol=1e-3, atol=1e-4)
