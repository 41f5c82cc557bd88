"""Non-finite input on the exported MicroPython module (issue 29 item 6): the C export's answer
(docs/design.md, "Non-finite input"): label NONFINITE (-6) and no scores for a window holding NaN
or +-Inf, post state not advanced; finite windows unchanged. Run by CPython and by the real
interpreter (WebAssembly port)."""

from __future__ import annotations

import json
from array import array

import numpy as np
import pytest
from mphelp import SCORE_ATOL, make_pipeline, need_micropython, synthetic

from sensorflow.codegen.c.status import STATUSES
from sensorflow.codegen.micropython import export
from sensorflow.mpy import run
from sensorflow.mpy.compare import export_files
from sensorflow.testing.codegen_checks import _load_module

NONFINITE = dict((n, v) for n, v, _ in STATUSES)["SF_ERR_NONFINITE"]
STAGES = [
    {"type": "stats", "functions": ["mean", "std", "ptp"]},
    {"type": "random_forest", "n_estimators": 4, "max_depth": 4},
    {"type": "smooth", "windows": 3},
]
L, C, HOP = 32, 3, 16


def _fitted():
    pipe = make_pipeline(STAGES, channels=C, length=L, hop=HOP)
    X, y = synthetic(60, L, C, 3, seed=4)
    pipe.fit(X, y)
    return pipe, X


def _bad_windows(X):
    bad = X[:4].copy()
    bad[0][:] = np.nan
    bad[1][5, 2] = np.nan
    bad[2][0, 0] = np.inf
    bad[3][-1, 1] = -np.inf
    return bad


def _signal(X):
    sig = np.concatenate(list(X[:20]))
    sig[300, 1] = np.nan
    return sig


def _check_stream(pipe, sig, recs):
    """recs: (window_index, label, post or None) from the module's push."""
    ref = list(pipe.stream([sig]))
    assert [r[0] for r in recs] == [r["window"] for r in ref]
    n_bad = 0
    classes = list(pipe.classes_)
    for (i, label, post), r in zip(recs, ref):
        if r["status"] == "nonfinite":
            n_bad += 1
            assert label == NONFINITE and post is None, f"window {i}"
        else:
            assert label == classes.index(r["label"]), f"window {i}"
            np.testing.assert_allclose(post, r["post"], atol=SCORE_ATOL, err_msg=f"window {i}")
    assert 1 <= n_bad <= 2 and len(recs) - n_bad > 20


def test_cpython_module(tmp_path):
    pipe, X = _fitted()
    export(pipe, {}, None, tmp_path, mpy=False, prefix="nf_model")
    mod = _load_module(tmp_path, "nf_model")
    assert mod.NONFINITE == NONFINITE
    p = mod.Pipeline()
    for w in _bad_windows(X):
        assert p.infer(array("f", w.ravel().tolist())) == (NONFINITE, None)
        assert p.features(array("f", w.ravel().tolist())) is None
    feat = list(p.features(array("f", X[5].ravel().tolist())))
    assert p.classify([*feat[:-1], float("nan")]) == NONFINITE and p.classify(None) == NONFINITE
    labels = [p.infer(array("f", w.ravel().tolist()))[0] for w in X[4:20]]
    np.testing.assert_array_equal(labels, np.argmax(pipe.predict_proba(X[4:20]), axis=1))
    p.reset()
    sig = _signal(X)
    recs = []
    for i in range(0, len(sig), 7):
        recs += [(r[0], r[1], None if r[3] is None else list(r[3])) for r in p.push(sig[i : i + 7].ravel().tolist())]
    _check_stream(pipe, sig, recs)


_CODE = """
import json
from array import array
import nf_model as m
p = m.Pipeline()
f = open('/in.bin', 'rb'); w = array('f', f.read()); f.close()
f = open('/sig.bin', 'rb'); sig = array('f', f.read()); f.close()
n = m.WINDOW_LENGTH * m.N_CHANNELS
labels = [p.infer(w[i:i + n])[0] for i in range(0, len(w), n)]
p.reset()
recs = []
for i in range(0, len(sig), 21):
    for r in p.push(sig[i:i + 21]):
        recs.append([r[0], r[1], None if r[3] is None else list(r[3])])
print(json.dumps({'nonfinite': m.NONFINITE, 'labels': labels, 'recs': recs}))
"""


def test_real_interpreter(tmp_path):
    need_micropython()
    pipe, X = _fitted()
    export(pipe, {}, None, tmp_path, mpy=False, prefix="nf_model")
    windows = np.concatenate([_bad_windows(X), X[4:12]]).astype("<f4")
    sig = _signal(X).astype("<f4")
    files = {f"/lib/{k}": v for k, v in export_files(tmp_path).items()}
    res = run(_CODE, files={**files, "/in.bin": windows.tobytes(), "/sig.bin": sig.tobytes()}, heapsize=2 << 20)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["nonfinite"] == NONFINITE
    assert out["labels"][:4] == [NONFINITE] * 4, "a window with NaN/Inf got a class on the interpreter"
    np.testing.assert_array_equal(out["labels"][4:], np.argmax(pipe.predict_proba(X[4:12]), axis=1))
    _check_stream(pipe, sig, [tuple(r) for r in out["recs"]])


@pytest.mark.emulator
def test_raw_repl_hil_compares_nonfinite(tmp_path):
    """HIL over the raw REPL on the emulated MicroPython board: windows holding NaN/Inf agree
    as 'nonfinite' (the module answers NONFINITE, the host has no class), the others by class."""
    need_micropython()
    from sensorflow import artifact
    from sensorflow.hil.micropython import run_micropython_hil

    pipe, X = _fitted()
    art = artifact.save(pipe, tmp_path / "art")
    windows = np.concatenate([_bad_windows(X), X[4:10]])
    result = run_micropython_hil(art, windows=windows, board="esp32")
    assert result["n"] == 10 and result["agreement"] == 1.0 and result["passed"], result
