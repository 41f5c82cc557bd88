"""Non-finite features from finite samples (issue 29, the gap left by item 6): huge but finite
samples (3e38) overflow float32 inside ``stats`` (energy, peak-to-peak), and the model would
then give a confident class. The exported C (under ASan/UBSan), the MicroPython module (CPython
and the real interpreter) and the host answer such a window as they answer a NaN sample:
SF_ERR_NONFINITE / NONFINITE / ``status: nonfinite``, post state not advanced
(docs/design.md, "Non-finite input")."""

from __future__ import annotations

import json
from array import array

import numpy as np
import pytest
import yaml
from conftest import need_tools

from sensorflow.codegen.c.status import STATUSES
from sensorflow.errors import DataError
from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare

NONFINITE = dict((n, v) for n, v, _ in STATUSES)["SF_ERR_NONFINITE"]
L, C = 16, 2
HUGE = np.float32(3e38)


def _fitted(post: bool = True) -> tuple[Pipeline, np.ndarray]:
    cfg = {
        "name": "huge",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b"]},
        "window": {"length": L, "hop": L},
        "stages": [
            {"type": "stats", "functions": ["mean", "std", "energy", "ptp"]},
            {"type": "random_forest", "n_estimators": 4, "max_depth": 4},
        ]
        + ([{"type": "smooth", "windows": 2}] if post else []),
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 60)
    X = (rng.standard_normal((60, L, C)) + y[:, None, None]).astype(np.float32)
    p.fit(X, y)
    return p, X


def _hostile(X: np.ndarray) -> np.ndarray:
    """Finite windows whose float32 features overflow: +-3e38 alternating (ptp and energy Inf),
    all 3e38 (energy Inf), one channel of 3e38 (its energy Inf)."""
    bad = X[:3].copy()
    bad[0][::2], bad[0][1::2] = HUGE, -HUGE
    bad[1][:] = HUGE
    bad[2][:, 1] = HUGE
    assert np.isfinite(bad).all()
    return bad


def test_host_refuses_in_batch_and_marks_the_stream():
    p, X = _fitted()
    bad = _hostile(X)
    np.testing.assert_array_equal(p.answerable(np.concatenate([bad, X[3:6]])), [False] * 3 + [True] * 3)
    with pytest.raises(DataError):
        p.predict(bad[:1])
    sig = np.concatenate([X[3:8], bad, X[8:12]]).reshape(-1, C)
    recs = list(p.stream([sig]))
    assert [r["status"] for r in recs] == ["ok"] * 5 + ["nonfinite"] * 3 + ["ok"] * 4
    assert all(r["label"] is None and r["post"] is None for r in recs[5:8])
    clean = list(p.stream([np.concatenate([X[3:8], X[8:12]]).reshape(-1, C)]))
    for r, c in zip(recs[:5] + recs[8:], clean):  # the post state skipped the hostile windows
        np.testing.assert_array_equal(r["post"], c["post"])


def test_c_gives_the_status_under_sanitizers(tmp_path):
    need_tools("cc")
    p, X = _fitted()
    h = ccompare.build(p, tmp_path, sanitize=True)
    bad = _hostile(X)
    labels, _, _ = h.infer(np.concatenate([bad, X[3:10]]))
    assert labels[:3].tolist() == [NONFINITE] * 3, f"finite samples with Inf features got a class: {labels[:3]}"
    np.testing.assert_array_equal(labels[3:], np.argmax(p.predict_proba(X[3:10]), axis=1))
    with pytest.raises(AssertionError, match="features failed: -6"):
        h.features(bad[:1])
    sig = np.concatenate([X[3:8], bad, X[8:12]]).reshape(-1, C)
    ref = list(p.stream([sig]))
    out = h.stream(sig, [5, L, 3])
    last = np.cumsum([o["n_windows"] for o in out]) - 1
    seen = 0
    for o, w in zip(out, last):
        r = ref[int(w)]
        if r["status"] == "nonfinite":
            seen += 1
            assert o["label"] == NONFINITE and o["scores"] is None, f"window {w}"
        else:
            assert p.classes_[o["label"]] == r["label"], f"window {w}"
            np.testing.assert_allclose(o["post"], r["post"], atol=1e-5, err_msg=f"window {w}")
    assert seen >= 1


def _module(tmp_path):
    from sensorflow.codegen.micropython import export
    from sensorflow.testing.codegen_checks import _load_module

    p, X = _fitted()
    export(p, {}, None, tmp_path, mpy=False, prefix="huge_model")
    return p, X, _load_module(tmp_path, "huge_model")


def test_micropython_module_on_cpython(tmp_path):
    p, X, mod = _module(tmp_path)
    m = mod.Pipeline()
    for w in _hostile(X):
        assert m.features(array("f", w.ravel().tolist())) is None
        assert m.infer(array("f", w.ravel().tolist())) == (NONFINITE, None)
    labels = [m.infer(array("f", w.ravel().tolist()))[0] for w in X[3:10]]
    np.testing.assert_array_equal(labels, np.argmax(p.predict_proba(X[3:10]), axis=1))
    sig = np.concatenate([X[3:8], _hostile(X), X[8:12]]).reshape(-1, C)
    m.reset()
    recs = m.push(array("f", sig.ravel().tolist()))
    ref = list(p.stream([sig]))
    assert [r[1] == NONFINITE for r in recs] == [r["status"] == "nonfinite" for r in ref]
    for r, h in zip(recs, ref):
        if h["status"] == "ok":
            assert p.classes_[r[1]] == h["label"]
            np.testing.assert_allclose(list(r[3]), h["post"], atol=1e-4)


_CODE = """
import json
from array import array
import huge_model as m
p = m.Pipeline()
f = open('/in.bin', 'rb'); w = array('f', f.read()); f.close()
n = m.WINDOW_LENGTH * m.N_CHANNELS
print(json.dumps([p.infer(w[i:i + n])[0] for i in range(0, len(w), n)]))
"""


def test_micropython_real_interpreter(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
    from mphelp import need_micropython

    from sensorflow.mpy import run
    from sensorflow.mpy.compare import export_files

    need_micropython()
    p, X, _ = _module(tmp_path)
    windows = np.concatenate([_hostile(X), X[3:9]]).astype("<f4")
    files = {f"/lib/{k}": v for k, v in export_files(tmp_path).items()}
    res = run(_CODE, files={**files, "/in.bin": windows.tobytes()}, heapsize=2 << 20)
    labels = json.loads(res.stdout.strip().splitlines()[-1])
    assert labels[:3] == [NONFINITE] * 3, labels
    np.testing.assert_array_equal(labels[3:], np.argmax(p.predict_proba(X[3:9]), axis=1))


def _log_mel_fitted(amin: float) -> tuple[Pipeline, np.ndarray]:
    stage = {"type": "log_mel", "n_fft": 256, "hop_length": 80, "n_mels": 16, "center": False, "amin": amin}
    cfg = {
        "name": "lm",
        "sensor": {"kind": "generic", "sample_rate": 8000.0, "channels": ["mic"]},
        "window": {"length": 800, "hop": 160},
        "stages": [stage, {"type": "logistic"}],
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    rng = np.random.default_rng(0)
    t = np.arange(800) / 8000.0
    X = np.stack([np.sin(2 * np.pi * (300 + 200 * (i % 2)) * t) + 0.1 * rng.standard_normal(800) for i in range(16)])
    X = X.astype(np.float32)[:, :, None]
    p.fit(X, np.arange(16) % 2)
    return p, X


def test_c_log_mel_features_stay_finite_without_the_feature_check(tmp_path):
    """sf_logmel sets NaN and overflowed mel energies to FLT_MAX and floors them at amin before the
    log, so a log-mel feature vector of finite samples is finite (emitters/dsp.py,
    _log_rows_finite): the export drops the feature check before the model (a float32 amin of 0
    keeps it; stats keeps it). Under ASan/UBSan the most extreme finite windows still give finite
    features and a class through features, infer and the frame-by-frame stream."""
    from sensorflow.codegen.c import generate

    need_tools("cc")
    assert "_all_finite(feats" in generate(_fitted()[0]).files["sf_model.c"]
    assert "_all_finite(feats" in generate(_log_mel_fitted(1e-50)[0]).files["sf_model.c"]
    p, X = _log_mel_fitted(1e-10)
    h = ccompare.build(p, tmp_path, sanitize=True)
    assert "_all_finite(feats" not in (tmp_path / "sf_model.c").read_text()
    big, tiny = np.finfo(np.float32).max, np.finfo(np.float32).smallest_subnormal
    n = np.arange(800)[:, None]
    extreme = np.stack(
        [np.full((800, 1), v, np.float32) for v in (HUGE, big, -big, tiny, 0.0)]
        + [np.where(n % 2 == 0, big, -big).astype(np.float32), np.where(n % 3 == 0, HUGE, tiny).astype(np.float32)]
    )
    assert np.isfinite(extreme).all()
    feats = h.features(extreme)
    assert np.isfinite(feats).all()
    labels, _, inferred = h.infer(np.concatenate([extreme, X[:4]]))
    assert set(labels[:7].tolist()) <= {0, 1}, labels
    np.testing.assert_array_equal(inferred[:7], feats)
    np.testing.assert_array_equal(labels[7:], np.argmax(p.predict_proba(X[:4]), axis=1))
    out = h.stream(np.concatenate([X[0], extreme[0], extreme[5], X[1]]), [97, 160, 333])
    assert sum(o["n_windows"] for o in out) >= 15
    assert all(o["label"] in (0, 1) and np.isfinite(o["scores"]).all() for o in out if o["n_windows"])


def _extreme_log_mel_windows() -> np.ndarray:
    big, tiny = np.finfo(np.float32).max, np.finfo(np.float32).smallest_subnormal
    n = np.arange(800)[:, None]
    return np.stack(
        [np.full((800, 1), v, np.float32) for v in (HUGE, big, -big)]
        + [np.where(n % 2 == 0, big, -big).astype(np.float32), np.where(n % 3 == 0, HUGE, tiny).astype(np.float32)]
    )


def test_host_log_mel_clamps_overflow_as_the_c_does(tmp_path):
    """Finite samples whose float32 power spectrum overflows: the host sets the Inf/NaN mel
    energies to FLT_MAX as sf_logmel does, so it answers a class (it used to refuse the window
    while the C answered one) and host, C and the MicroPython module agree on features and label."""
    from sensorflow.codegen.micropython import export
    from sensorflow.testing.codegen_checks import _load_module

    p, X = _log_mel_fitted(1e-10)
    extreme = _extreme_log_mel_windows()
    assert np.isfinite(extreme).all()
    host = p.transform(extreme)
    assert np.isfinite(host).all()
    assert np.max(host) == pytest.approx(10 * np.log10(np.finfo(np.float32).max), abs=1e-3)
    assert p.answerable(extreme).all()
    labels = p.predict(extreme)
    export(p, {}, None, tmp_path / "mpy", mpy=False, prefix="lm_model")
    m = _load_module(tmp_path / "mpy", "lm_model").Pipeline()
    for x, want in zip(extreme, labels):
        assert p.classes_[m.infer(array("f", x.ravel().tolist()))[0]] == want
        np.testing.assert_allclose(list(m.features(array("f", x.ravel().tolist()))), p.transform(x[None])[0], atol=1e-3)
    need_tools("cc")
    h = ccompare.build(p, tmp_path / "c", sanitize=True)
    np.testing.assert_allclose(h.features(extreme), host, rtol=0, atol=1e-3)
    c_labels, _, _ = h.infer(extreme)
    np.testing.assert_array_equal(c_labels, np.searchsorted(p.classes_, labels))


def test_log_mel_overflow_on_the_real_interpreter(tmp_path):
    """The MicroPython runtime's FLT_MAX literal parses as a finite float on the real interpreter
    and its log-mel answers the overflowing windows with the host's labels."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
    from mphelp import need_micropython

    from sensorflow.codegen.micropython import export
    from sensorflow.mpy import run
    from sensorflow.mpy.compare import export_files

    need_micropython()
    p, X = _log_mel_fitted(1e-10)
    export(p, {}, None, tmp_path, mpy=False, prefix="huge_model")
    windows = np.concatenate([_extreme_log_mel_windows(), X[:4]]).astype("<f4")
    files = {f"/lib/{k}": v for k, v in export_files(tmp_path).items()}
    res = run(_CODE, files={**files, "/in.bin": windows.tobytes()}, heapsize=2 << 20)
    labels = json.loads(res.stdout.strip().splitlines()[-1])
    np.testing.assert_array_equal(p.classes_[labels], p.predict(windows))
