"""Non-finite input (issue 29 item 6): a window holding NaN or +-Inf gets SF_ERR_NONFINITE (-6)
and no class from the exported C (under ASan/UBSan), the exported MicroPython module (CPython)
and the host's streaming runtime; finite windows are unchanged and post-processing state does
not advance for a non-finite window (docs/design.md, "Non-finite input")."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from helpers import SCORE_ATOL, fitted

from sensorflow.codegen.c.status import STATUSES
from sensorflow.testing import ccompare

NONFINITE = dict((n, v) for n, v, _ in STATUSES)["SF_ERR_NONFINITE"]
POST = "  - type: smooth\n    windows: 3\n  - type: threshold\n    threshold: 0.6\n"
BAD = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}


def _spoiled(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Copies of the first windows: all NaN, one NaN sample, one +Inf, one -Inf; then the finite ones."""
    bad = np.repeat(X[:4].copy(), 1, axis=0)
    bad[0][:] = np.nan
    bad[1][7, 1] = np.nan
    bad[2][0, 0] = np.inf
    bad[3][-1, 2] = -np.inf
    return bad, X[4:12]


def test_status_value_is_minus_six():
    assert NONFINITE == -6


def test_c_infer_and_classify_give_the_status(tmp_path):
    need_tools("cc")
    p, X, y = fitted("random_forest", "n_estimators: 6")
    h = ccompare.build(p, tmp_path, sanitize=True)
    bad, good = _spoiled(X)
    labels, _, _ = h.infer(np.concatenate([bad, good]))
    assert labels[:4].tolist() == [NONFINITE] * 4, "a window with NaN/Inf got a class"
    np.testing.assert_array_equal(labels[4:], np.argmax(p.predict_proba(good), axis=1))
    feats = p.transform(good[:3]).astype(np.float32)
    feats[0, 0], feats[1, -1], feats[2, 1] = np.nan, np.inf, -np.inf
    c_labels, _ = h.classify(np.concatenate([feats, p.transform(good[3:5]).astype(np.float32)]))
    assert c_labels[:3].tolist() == [NONFINITE] * 3
    np.testing.assert_array_equal(c_labels[3:], np.argmax(p.predict_proba(good[3:5]), axis=1))


def _host_and_c_stream(p, h, signal, chunks):
    ref = list(p.stream([signal]))
    out = h.stream(signal, chunks)
    assert sum(o["n_windows"] for o in out) == len(ref)
    last = np.cumsum([o["n_windows"] for o in out]) - 1
    return ref, list(zip(out, last))


@pytest.mark.parametrize("hop,length", [(10, 20), (20, 20), (27, 20)])
@pytest.mark.parametrize("value", list(BAD))
def test_c_stream_agrees_with_host_stream(tmp_path, hop, length, value):
    """One bad sample: the windows holding it answer SF_ERR_NONFINITE on both sides, the others
    (before and after) give the host's label, scores and post output, so the post-processing
    state skipped the bad windows identically."""
    need_tools("cc")
    p, X, y = fitted("random_forest", "n_estimators: 6", POST, hop=hop, length=length)
    h = ccompare.build(p, tmp_path, sanitize=True)
    signal = np.concatenate(list(X[:30]))
    signal[len(signal) // 2, 1] = BAD[value]
    ref, pairs = _host_and_c_stream(p, h, signal, [1, 7, 13])
    bad = [r["window"] for r in ref if r["status"] == "nonfinite"]
    assert 1 <= len(bad) <= -(-length // hop), bad
    n_good = 0
    for o, w in pairs:
        r = ref[int(w)]
        if r["status"] == "nonfinite":
            assert o["label"] == NONFINITE and o["scores"] is None and o["post"] is None, f"window {w}"
            continue
        n_good += 1
        assert p.classes_[o["label"]] == r["label"], f"window {w}"
        np.testing.assert_allclose(o["scores"], r["scores"], atol=SCORE_ATOL, rtol=0)
        np.testing.assert_array_equal(o["post"], np.asarray(r["post"], dtype=np.float32), err_msg=f"window {w}")
    assert n_good > 10


def test_host_stream_of_an_all_nan_stretch(tmp_path):
    """Host: no exception; windows wholly or partly NaN are 'nonfinite', the rest unchanged."""
    p, X, y = fitted("logistic", post=POST)
    signal = np.concatenate(list(X[:12]))
    clean = {r["window"]: r for r in p.stream([signal])}
    signal[40:60] = np.nan
    recs = list(p.stream([signal[i : i + 9] for i in range(0, len(signal), 9)]))
    assert len(recs) == len(clean)
    bad = [r["window"] for r in recs if r["status"] == "nonfinite"]
    assert bad == [3, 4, 5], bad  # windows of 20 at hop 10 that touch samples 40-59
    for r in recs:
        if r["status"] == "ok" and r["window"] < 2:
            np.testing.assert_array_equal(r["scores"], clean[r["window"]]["scores"])
        if r["status"] == "nonfinite":
            assert r["label"] is None and r["scores"] is None and r["post"] is None


@pytest.mark.parametrize("front", ["window", "frames"])
def test_c_incremental_log_mel_skips_and_resumes(tmp_path, front):
    """Log-mel after a signal stage (whole-window path) and log-mel first (frame-by-frame
    streaming: the NaN sample passes through the pending frame and the frame ring): the windows
    holding the NaN answer SF_ERR_NONFINITE, and those after it equal the host's."""
    need_tools("cc")
    import yaml

    from sensorflow.pipeline import Pipeline

    stage = {"type": "log_mel", "n_fft": 256, "hop_length": 80, "n_mels": 16, "center": False}
    cfg = {
        "name": "inc",
        "sensor": {"kind": "generic", "sample_rate": 8000.0, "channels": ["mic"]},
        "window": {"length": 800, "hop": 160},
        "stages": ([{"type": "scale", "gain": 1.0}] if front == "window" else [])
        + [stage, {"type": "scaler"}, {"type": "logistic"}],
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    rng = np.random.default_rng(0)
    t = np.arange(800) / 8000.0
    X = np.stack([np.sin(2 * np.pi * (300 + 200 * (i % 2)) * t) + 0.1 * rng.standard_normal(800) for i in range(16)])
    p.fit(X.astype(np.float32)[:, :, None], np.arange(16) % 2)
    h = ccompare.build(p, tmp_path, sanitize=True, opt="-O1")
    kernel = "sf_logmel_frames_next_f32" if front == "window" else "sf_logmel_stream_samples_f32"
    assert kernel in (tmp_path / "sf_model.c").read_text()
    sig = (np.sin(2 * np.pi * 400 * np.arange(8000) / 8000.0) + 0.1 * rng.standard_normal(8000)).astype(np.float32)
    sig[3000] = np.nan
    ref, pairs = _host_and_c_stream(p, h, sig[:, None], [97, 160, 333])
    seen = {"ok": 0, "nonfinite": 0}
    for o, w in pairs:
        r = ref[int(w)]
        seen[r["status"]] += 1
        if r["status"] == "nonfinite":
            assert o["label"] == NONFINITE and o["scores"] is None, f"window {w}"
        else:
            np.testing.assert_allclose(o["scores"], r["scores"], rtol=1e-3, atol=1e-4, err_msg=f"window {w}")
    assert seen["ok"] >= 10 and seen["nonfinite"] >= 1, seen
