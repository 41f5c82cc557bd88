"""Frame-by-frame streaming of the generated C: when a log-mel / MFCC stage in incremental
mode (no centre padding, window hop a multiple of hop_length) is the pipeline's first stage,
<prefix>_push keeps only one frame of pending samples and the ring of past frames instead of
a whole window. Its labels, scores and post outputs equal Pipeline.stream for random chunk
sizes (under ASan/UBSan), <prefix>_infer on a caller's window still agrees, and the state
struct is smaller than the window alone was."""

import numpy as np
import pytest
import yaml
from conftest import need_tools

from sensorflow import dsp
from sensorflow.codegen.c import library
from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare

SR = 16000.0
LENGTH, HOP = 4000, 800

CASES = {
    # the wake-word front end's shape: frames apart (hop_length > n_fft), win_length < n_fft, no clip
    "mfcc_gaps": (
        {
            "type": "mfcc",
            "n_fft": 512,
            "win_length": 400,
            "hop_length": 800,
            "n_mels": 26,
            "n_mfcc": 13,
            "center": False,
            "top_db": None,
        },
        1,
    ),
    # overlapping frames, top_db clip over both channels (interleaved input)
    "log_mel_overlap_2ch": ({"type": "log_mel", "n_fft": 256, "hop_length": 100, "n_mels": 24, "center": False}, 2),
    # n_fft not a power of two (direct DFT), MFCC with the clip, frames just touching
    "mfcc_dft": ({"type": "mfcc", "n_fft": 200, "hop_length": 200, "n_mels": 20, "n_mfcc": 10, "center": False}, 1),
}


def _pipeline(stage: dict, n_ch: int) -> Pipeline:
    cfg = {
        "name": "frames",
        "sensor": {"kind": "generic", "sample_rate": SR, "channels": [f"c{i}" for i in range(n_ch)]},
        "window": {"length": LENGTH, "hop": HOP},
        "stages": [stage, {"type": "scaler"}, {"type": "logistic"}, {"type": "smooth", "windows": 3}],
    }
    return Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))


def _signal(n: int, n_ch: int, seed: int, rng) -> np.ndarray:
    cols = [dsp.synth.vowels(n / SR + 0.01, SR, seed=seed + c)[:n] * (1.0 + 0.5 * c) for c in range(n_ch)]
    x = np.stack(cols, axis=1)
    gate = (np.arange(n) // 3000) % 2  # alternate speech and noise
    return (x * gate[:, None] + 0.05 * rng.standard_normal((n, n_ch))).astype(np.float32)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_frame_stream_matches_pipeline_stream(tmp_path, case, monkeypatch):
    need_tools("cc")
    stage, n_ch = CASES[case]
    pipe = _pipeline(stage, n_ch)
    rng = np.random.default_rng(3)
    X = np.stack(
        [_signal(LENGTH, n_ch, i, rng) if i % 2 else 0.1 * rng.standard_normal((LENGTH, n_ch)) for i in range(24)]
    ).astype(np.float32)
    pipe.fit(X, np.arange(24) % 2)
    harness = ccompare.build(pipe, tmp_path, sanitize=True, opt="-O1")
    src = (tmp_path / "sf_model.c").read_text()
    assert "sf_logmel_stream_samples_f32" in src and "float win[" not in src

    sig = _signal(5 * LENGTH + 1234, n_ch, 11, rng)
    ref = list(pipe.stream([sig]))
    classes = list(pipe.classes_)
    for sizes in ([int(c) for c in rng.integers(1, 1500, 64)], [1, 7, 3, 4000, 2], [LENGTH + HOP]):
        recs = harness.stream(sig, sizes)
        assert recs, "no window completed"
        done = 0
        for r in recs:
            done += r["n_windows"]
            want = ref[done - 1]
            assert r["label"] == classes.index(want["label"])
            np.testing.assert_allclose(r["scores"], want["scores"], rtol=1e-3, atol=1e-4)
            np.testing.assert_allclose(r["post"], want["post"], rtol=1e-3, atol=1e-4)
        assert done == len(ref)

    # RAM: no window of raw samples any more; the C struct is what the generator laid out,
    # smaller than the same pipeline's with the whole-window push path (generated as before)
    assert harness.state_bytes == harness.generated.state_bytes
    assert harness.generated.info["streaming"] == "frames"
    with monkeypatch.context() as m:
        m.setattr(library, "may_stream_input", lambda k_step, step: False)
        before = library.generate(pipe)
    assert before.info["streaming"] == "window" and "float win[" in before.files["sf_model.c"]
    assert before.state_bytes - harness.state_bytes > 4 * LENGTH * n_ch // 2

    # <prefix>_infer on the caller's windows (all frames from the buffer) agrees too
    starts = [r["window"] * HOP for r in ref]
    W = np.stack([sig[s : s + LENGTH] for s in starts])
    labels, scores, _ = harness.infer(W)
    np.testing.assert_allclose(scores, np.stack([r["scores"] for r in ref]), rtol=1e-3, atol=1e-4)
    assert [classes[i] for i in labels] == [r["label"] for r in ref]


DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "sf_model.h"
/* stdin: n, then n float samples (one channel). Push them in chunks of 333; print the
 * scores after every push that completed windows. argv[1] = "1": call sf_model_infer on
 * another window between pushes. */
int main(int argc, char **argv)
{
    static float sig[40000], other[SF_MODEL_WINDOW_LENGTH];
    float scores[SF_MODEL_N_CLASSES], post[SF_MODEL_N_CLASSES];
    int n, i, label, k, mix = argc > 1 && argv[1][0] == '1';
    if (fread(&n, sizeof n, 1, stdin) != 1 || n > 40000 || fread(sig, sizeof(float), (size_t)n, stdin) != (size_t)n)
        return 2;
    for (i = 0; i < SF_MODEL_WINDOW_LENGTH; i++) other[i] = sig[(i * 7) % n] * 0.5f;
    if (sf_model_init() != 0) return 3;
    for (i = 0; i < n; i += 333) {
        int m = (n - i < 333) ? n - i : 333;
        if (sf_model_push(&sig[i], m) > 0) {
            sf_model_last(scores, &label, post);
            printf("%d", label);
            for (k = 0; k < SF_MODEL_N_CLASSES; k++) printf(" %.9g %.9g", (double)scores[k], (double)post[k]);
            printf("\n");
        }
        if (mix && sf_model_infer(other, NULL, scores) < 0) return 4;
    }
    return 0;
}
"""


@pytest.mark.slow
def test_infer_between_pushes_leaves_the_stream_intact(tmp_path):
    """A batch call in the middle of streaming works on scratch memory only: the stream's
    outputs are bit-identical with and without <prefix>_infer calls between pushes."""
    import struct
    import subprocess

    need_tools("cc")
    stage, n_ch = CASES["mfcc_gaps"]
    pipe = _pipeline(stage, n_ch)
    rng = np.random.default_rng(5)
    X = np.stack([_signal(LENGTH, n_ch, i, rng) for i in range(12)])
    pipe.fit(X, np.arange(12) % 2)
    gen = library.generate(pipe)
    gen.write(tmp_path)
    (tmp_path / "main.c").write_text(DRIVER)
    exe = tmp_path / "drv"
    cmd = [
        ccompare.host_cc(),
        *ccompare.STRICT_CFLAGS,
        "-O1",
        "-g",
        *ccompare.SANITIZE,
        "-I",
        str(tmp_path),
        *[str(tmp_path / s) for s in gen.sources],
        str(tmp_path / "main.c"),
        "-lm",
        "-o",
        str(exe),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[:4000]
    sig = _signal(5 * LENGTH, 1, 2, rng)[:, 0]
    payload = struct.pack("<i", len(sig)) + sig.tobytes()
    outs = []
    for mode in ("0", "1"):
        run = subprocess.run([str(exe), mode], input=payload, capture_output=True, timeout=120)
        assert run.returncode == 0 and not run.stderr, run.stderr.decode()[:2000]
        outs.append(run.stdout.decode())
    assert outs[0].count("\n") >= 10
    assert outs[0] == outs[1]


def test_window_path_kept_when_a_signal_stage_comes_first():
    """Only a first stage that owns the raw stream may take it frame by frame; otherwise the
    generated push path keeps the whole window (unchanged)."""
    generate = library.generate
    stage, n_ch = CASES["mfcc_gaps"]
    rng = np.random.default_rng(0)
    X = np.stack([_signal(LENGTH, n_ch, i, rng) for i in range(8)])
    y = np.arange(8) % 2
    framed = _pipeline(stage, n_ch).fit(X, y)
    windowed = Pipeline.from_string(
        yaml.safe_dump(
            {
                "name": "frames",
                "sensor": {"kind": "generic", "sample_rate": SR, "channels": ["c0"]},
                "window": {"length": LENGTH, "hop": HOP},
                "stages": [{"type": "scale", "gain": 1.0}, stage, {"type": "scaler"}, {"type": "logistic"}],
            },
            sort_keys=False,
        )
    ).fit(X, y)
    g_frames, g_window = generate(framed), generate(windowed)
    assert g_frames.info["streaming"] == "frames" and g_window.info["streaming"] == "window"
    assert "float win[4000]" in g_window.files["sf_model.c"]
    assert "sf_logmel_stream_samples_f32" not in g_window.files["sf_model.c"]
    # the frame-by-frame state (frame ring, one pending frame, scratch for batch calls) is
    # smaller than the window's by most of the window (16,000 B here)
    assert g_window.state_bytes - g_frames.state_bytes > 4 * LENGTH * 3 // 4
