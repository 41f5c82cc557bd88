"""``window.pad: valid`` (issue 25 item 4): a recording shorter than the window keeps its own
samples and the feature stages compute over those only; the device gets the length
(``<prefix>_infer_n(samples, n_valid, ...)``, MicroPython ``infer(window, n_valid)``). Host, C
(under ASan/UBSan, each recording in a buffer of exactly its frames) and MicroPython (CPython and
the real interpreter) agree: labels equal, features within the float32 tolerance of
``tests/micropython/mphelp.py``; n_valid 0 or > length is SF_ERR_ARG; stages that cannot
compute over a prefix are refused at validate time."""

from __future__ import annotations

import json
from array import array

import numpy as np
import pytest
import yaml
from conftest import need_tools

from sensorflow.codegen.c.status import STATUSES
from sensorflow.errors import ConfigError, DataError
from sensorflow.graph import run_steps
from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare
from sensorflow.windowing import to_window

STATUS = {n: v for n, v, _ in STATUSES}
L, C = 29, 3
FEATURE_RTOL, FEATURE_ATOL = 1e-4, 1e-5  # as tests/micropython/mphelp.py (atol times max(1, max |feature|))


STATS = [{"type": "stats", "functions": ["mean", "std", "min", "max", "skew", "kurtosis", "rms"]}]
# the catch22 features decided by no comparison (tests/features/test_catch22_c.py: float32 C within
# 1e-4 of the float64 reference), so labels stay equal; the others may move a histogram bin or lag
CATCH22 = [
    {
        "type": "catch22",
        "features": ["acf_timescale", "low_freq_power", "forecast_error", "trev", "ami2", "embedding_dist"],
        "catch24": True,
    }
]
# PPV counts are exact on every side (tests/features/test_minirocket_valid.py checks them bit for bit)
MINIROCKET = [{"type": "minirocket", "n_features": 336, "keep": 60}]
HEADS = {"stats": STATS, "catch22": CATCH22, "minirocket": MINIROCKET}


def _config(pad: str = "valid", stages=None, head=STATS) -> dict:
    return {
        "name": "vlen",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b", "c"]},
        "window": {"length": L, "pad": pad},
        "stages": stages
        or [
            *head,
            {"type": "scaler"},
            {"type": "random_forest", "n_estimators": 8, "max_depth": 6},
        ],
    }


def _recordings(n: int, seed: int, shortest: int = 7) -> tuple[list[np.ndarray], np.ndarray]:
    """Variable-length recordings (7 (catch22: 10) to 40 frames; most shorter than the window), the
    class in their level, spread and smoothness, as JapaneseVowels' 7-29 frames of 12 channels."""
    rng = np.random.default_rng(seed)
    recs, y = [], []
    for i in range(n):
        c = i % 3
        k = int(rng.integers(shortest, 41))
        x = rng.standard_normal((k + 2, C))
        x = x[2:] + 0.6 * c * x[1:-1] + 0.3 * c * x[:-2]  # class c: more correlated neighbours
        recs.append((x * (1 + 0.4 * c) + 0.5 * c).astype(np.float32))
        y.append(f"class{c}")
    return recs, np.array(y)


def _fitted(head: str = "stats", n_test: int = 40) -> tuple[Pipeline, list[np.ndarray], list[np.ndarray]]:
    p = Pipeline.from_string(yaml.safe_dump(_config(head=HEADS[head]), sort_keys=False))
    shortest = p.min_valid_length if head == "catch22" else 7
    train, y = _recordings(120, 0, shortest)
    p.fit(train, y)
    test, _ = _recordings(n_test, 1, shortest)
    return p, test, [r[:L] for r in test]


def _close(a, b):
    scale = max(1.0, float(np.max(np.abs(b))))
    np.testing.assert_allclose(a, b, rtol=FEATURE_RTOL, atol=FEATURE_ATOL * scale)


def test_host_features_are_those_of_the_recording_alone():
    p, test, _ = _fitted()
    X, n_valid = p.to_windows(test)
    assert n_valid.tolist() == [min(len(r), L) for r in test] and n_valid.min() < L
    stats = p.stages[0]
    head = run_steps(p.steps[:1], X, n_valid=n_valid)  # the stats step alone (before the scaler)
    for r, f in zip(test, head):
        np.testing.assert_array_equal(f, stats._transform(r[None, :L])[0])
    np.testing.assert_array_equal(p.transform(X, n_valid), p.transform(test))
    np.testing.assert_array_equal(p.predict(X, n_valid), p.predict(test))
    # a zero pad would move the statistics: the features differ for the short recordings
    short = n_valid < L
    assert not np.allclose(p.transform(X[short]), p.transform(X[short], n_valid[short]))
    with pytest.raises(DataError, match="n_valid must be 1 to 29"):
        p.predict(X[:2], np.array([0, 5]))
    zero = Pipeline.from_string(yaml.safe_dump(_config("zero"), sort_keys=False))
    zero.fit(*_recordings(30, 0))
    with pytest.raises(DataError, match="window.pad: valid"):
        zero.predict(X[:2], n_valid[:2])


@pytest.mark.parametrize(
    "stage,where",
    [
        ({"type": "band_energy"}, "stages[0]"),
        ({"type": "stats", "functions": ["mean", "std"], "q15_scale": 2**-10}, "stages[0]"),
        ({"type": "scale", "gain": 2.0}, "stages[0]"),
    ],
)
def test_stages_that_cannot_are_refused_at_validate_time(stage, where):
    stages = [stage] + ([{"type": "stats"}] if stage["type"] == "scale" else []) + [{"type": "random_forest"}]
    with pytest.raises(ConfigError) as err:
        Pipeline.from_string(yaml.safe_dump(_config(stages=stages), sort_keys=False))
    text = str(err.value)
    assert "window.pad" in text and f"'{stage['type']}' ({where})" in text and "\n" not in text


@pytest.mark.parametrize("head", list(HEADS))
def test_c_infer_n_agrees_under_sanitizers(tmp_path, head):
    need_tools("cc")
    p, test, cut = _fitted(head)
    h = ccompare.build(p, tmp_path, sanitize=True)
    header = (tmp_path / "sf_model.h").read_text()
    assert "sf_model_infer_n(const float *samples, int n_valid" in header
    labels, scores, feats = h.infer_n(cut)
    np.testing.assert_array_equal(p.classes_[labels], p.predict(test))
    _close(feats, p.transform(test))
    np.testing.assert_allclose(scores, p.predict_proba(test), atol=1e-5)
    too_short = np.zeros((p.min_valid_length - 1, C), np.float32)
    bad_labels, _, _ = h.infer_n([too_short, np.zeros((L + 1, C), np.float32)])
    assert bad_labels.tolist() == [STATUS["SF_ERR_ARG"]] * 2
    nan = cut[0].copy()
    nan[-1, 0] = np.nan
    assert h.infer_n([nan])[0].tolist() == [STATUS["SF_ERR_NONFINITE"]]
    # full windows (_infer, streaming) are n_valid = WINDOW_LENGTH
    full = [r for r in test if len(r) >= L]
    lab, _, _ = h.infer(np.stack([r[:L] for r in full]))
    np.testing.assert_array_equal(p.classes_[lab], p.predict(full))
    # _to_window in valid mode: the recording then zeros (host to_window)
    np.testing.assert_array_equal(h.to_window(test[:4]), np.stack([to_window(r, L, "valid") for r in test[:4]]))


def _module(tmp_path, head: str = "stats", n_test: int = 40):
    from sensorflow.codegen.micropython import export
    from sensorflow.testing.codegen_checks import _load_module

    p, test, cut = _fitted(head, n_test)
    export(p, {}, None, tmp_path, mpy=False, prefix="vl_model")
    return p, test, cut, _load_module(tmp_path, "vl_model")


@pytest.mark.parametrize("head", list(HEADS))
def test_micropython_module_on_cpython(tmp_path, head):
    p, test, cut, mod = _module(tmp_path, head)
    m = mod.Pipeline()
    feats, labels = [], []
    for r in cut:
        flat = array("f", r.ravel().tolist())  # exactly the recording's samples
        labels.append(m.infer(flat, len(r))[0])
        feats.append(list(m.features(flat, len(r))))
    np.testing.assert_array_equal(p.classes_[labels], p.predict(test))
    _close(np.array(feats), p.transform(test))
    lo = p.min_valid_length
    assert m.infer(array("f", [0.0] * C * lo), lo - 1) == (mod.ERR_ARG, None) == (STATUS["SF_ERR_ARG"], None)
    assert m.infer(array("f", [0.0] * (L + 1) * C), L + 1)[0] == STATUS["SF_ERR_ARG"]
    # a whole float counts as its int (n_valid computed by a division); anything else is refused clearly
    flat, n = array("f", cut[0].ravel().tolist()), len(cut[0])
    assert m.infer(flat, float(n)) == m.infer(flat, n) and list(m.features(flat, float(n))) == list(m.features(flat, n))
    for bad in (n - 0.5, float("nan"), float("inf"), "10", None):
        assert m.infer(flat, bad) == (mod.ERR_ARG, None)
        with pytest.raises(ValueError, match=f"n_valid must be a whole number from {lo} to {L}, not"):
            m.features(flat, bad)


_CODE = """
import json
from array import array
import vl_model as m
p = m.Pipeline()
f = open('/in.bin', 'rb'); data = array('f', f.read()); f.close()
f = open('/n.json'); ns = json.loads(f.read()); f.close()
out, i = [], 0
for n in ns:
    w = data[i:i + n * m.N_CHANNELS]
    i += n * m.N_CHANNELS
    label = p.infer(w, float(n) if n % 2 else n)[0]  # a whole float counts as its int
    out.append([label, list(p.features(w, n))])
try:
    p.features(w, 2.5)
except ValueError as e:
    out.append(str(e))
print(json.dumps(out))
"""


@pytest.mark.parametrize("head", list(HEADS))
def test_micropython_real_interpreter(tmp_path, head):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
    from mphelp import need_micropython

    from sensorflow.mpy import run
    from sensorflow.mpy.compare import export_files

    need_micropython()
    p, test, cut, _ = _module(tmp_path, head, 16)
    data = np.concatenate([r.ravel() for r in cut]).astype("<f4")
    files = {f"/lib/{k}": v for k, v in export_files(tmp_path).items()}
    ns = json.dumps([len(r) for r in cut]).encode()
    res = run(_CODE, files={**files, "/in.bin": data.tobytes(), "/n.json": ns}, heapsize=2 << 20)
    *out, refused = json.loads(res.stdout.strip().splitlines()[-1])
    assert refused.startswith(f"n_valid must be a whole number from {p.min_valid_length} to {L}, not 2.5")
    np.testing.assert_array_equal(p.classes_[[o[0] for o in out]], p.predict(test))
    _close(np.array([o[1] for o in out]), p.transform(test))


def test_dataset_windows_eval_and_run_carry_the_valid_length():
    """Dataset.windows(pad='valid') gives n_valid; evaluate (train/eval) and `run --input` on a
    short recording use it: the same labels as predict on the recordings themselves."""
    from sensorflow.commands.run import valid_length_record
    from sensorflow.datasets.dataset import Dataset
    from sensorflow.training import evaluate, head_features, predict_tail

    p, test, _ = _fitted()
    labels = p.predict(test)
    ds = Dataset(
        test, labels, [str(i) for i in range(len(test))], 50.0, ("a", "b", "c"), [f"r{i}" for i in range(len(test))]
    )
    w = ds.windows(L, L, "valid")
    assert w.n_valid is not None and len(w.X) == len(w.n_valid)
    assert w.n_valid.tolist() == [min(len(ds.signals[r]), L) for r in w.recording]
    long = [r for r in test if len(r) >= L]
    assert len(w.X) == len(test) - len(long) + sum(len(r) // L for r in long)  # whole windows of long ones
    assert evaluate(p, w.X, w.y, n_valid=w.n_valid)["accuracy"] == pytest.approx(
        float(np.mean(p.predict(w.X, w.n_valid) == w.y))
    )
    first = np.searchsorted(w.recording, np.arange(len(test)))  # each recording's first window
    np.testing.assert_array_equal(p.predict(w.X[first], w.n_valid[first]), labels)
    np.testing.assert_array_equal(
        predict_tail(p, head_features(p, w.X, n_valid=w.n_valid))[0], p.predict(w.X, w.n_valid)
    )
    short = next(r for r in test if len(r) < L)
    got = []
    summary = valid_length_record(p, short, True, got.append)
    assert summary["n_windows"] == 1 and got[0]["label"] == str(p.predict([short])[0])


def test_run_refuses_a_recording_shorter_than_the_features_need():
    """`run --input` of a recording with fewer samples than catch22's 10 used to say it held NaN
    or Inf and exit 0; it is a one-line DataError naming the file and the minimum (the device's
    _infer_n answers SF_ERR_ARG)."""
    from sensorflow.commands.run import valid_length_record

    p, _, _ = _fitted("catch22", n_test=1)
    got = []
    for n in (1, p.min_valid_length - 1):
        with pytest.raises(DataError) as err:
            valid_length_record(p, np.ones((n, C), np.float32), True, got.append, "short.csv")
        msg = str(err.value)
        assert msg.startswith(f"short.csv: {n} samples") and f"the {p.min_valid_length} " in msg and "\n" not in msg
    assert got == []
    summary = valid_length_record(
        p, np.arange(p.min_valid_length * C, dtype=np.float32).reshape(-1, C), True, got.append
    )
    assert summary["n_nonfinite"] == 0 and "label" in got[0]


def test_dataset_recording_shorter_than_the_features_need_is_named():
    """train/eval/tune on a pad: valid catch22 pipeline with a 9-sample recording used to fail
    with "n_valid must be 10 to 10 (the window length)", naming neither the data nor the
    recording; Dataset.windows(min_valid=) names both."""
    from sensorflow.datasets.dataset import Dataset
    from sensorflow.training import dataset_windows

    p, _, _ = _fitted("catch22", n_test=1)
    recs = [np.ones((12, C), np.float32), np.ones((9, C), np.float32)]
    ds = Dataset(recs, np.array(["a", "b"]), np.array(["0", "1"]), 50.0, ("a", "b", "c"), ["long", "short"])
    ds.source = "logs.npz"
    with pytest.raises(DataError) as err:
        dataset_windows(p, ds)
    msg = str(err.value)
    assert msg.startswith("logs.npz: recording 'short' has 9 samples") and "the 10 " in msg and "\n" not in msg
    assert dataset_windows(p, ds.subset([0])).n_valid.tolist() == [12]


def test_hil_held_out_n_valid_below_the_features_minimum_names_the_file(tmp_path, capsys):
    """A (re-hashed) test_n_valid.npy holding 9 for a catch22 pipeline (minimum 10) used to
    fail with the pipeline's 'n_valid must be 10 to 10', naming no file."""
    from sensorflow import artifact
    from sensorflow.cli import main

    p, test, _ = _fitted("catch22", n_test=4)
    art = artifact.save(p, tmp_path / "art")
    X, n_valid = p.to_windows(test)
    np.save(art / "test_windows.npy", X)
    n_valid[1] = p.min_valid_length - 1
    np.save(art / "test_n_valid.npy", n_valid)
    meta = json.loads((art / artifact.META).read_text())  # re-hashed, as anyone can: the hash is a checksum
    meta["content_hash"] = artifact.content_hash(art)
    (art / artifact.META).write_text(json.dumps(meta))
    rc = main(["hil", str(art), "--board", "host", "--port", "loop://", "--no-flash"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1, err
    assert f"test_n_valid.npy: expected 4 integers from {p.min_valid_length} to {L}" in err
