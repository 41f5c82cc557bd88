"""``export --lang micropython --numeric int8``: the dense model stage runs the int8 network from
``<prefix>_q8.py`` (``codegen.micropython.q8``) on the real interpreter. Whole pipelines (stats
-> scaler -> mlp / logistic, and an imported quantised ONNX graph): labels equal the int8
reference (``hil.int8_reference``) on every window, scores within 1e-6 (the
WebAssembly port sums in double where ``sf_q8_scores`` sums in float32); ``auto`` stays
float and says so."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from mphelp import make_pipeline, need_micropython, synthetic

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.codegen.micropython import export
from sensorflow.hil.int8_reference import Int8Reference
from sensorflow.mpy.compare import export_files, run_module

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))
from qcases import FIXTURES  # noqa: E402

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

STATS = {"type": "stats", "functions": ["mean", "std", "ptp", "rms"]}


def _run(pipe, X, out):
    report = export(pipe, {"content_hash": "0" * 64}, None, out, mpy=False, numeric="int8")
    files = export_files(out)
    run = run_module(files, X, n_features=report["n_features"], n_classes=report["n_classes"])
    return run, report, files


@pytest.mark.parametrize(
    "model, n_classes",
    [({"type": "mlp", "hidden_layer_sizes": [12], "max_iter": 300}, 3), ({"type": "logistic"}, 2)],
    ids=["mlp", "logistic"],
)
def test_int8_pipeline_on_the_interpreter(model, n_classes, tmp_path):
    need_micropython()
    p = make_pipeline([STATS, {"type": "scaler"}, model])
    X, y = synthetic(90, p.window_length, 3, n_classes)
    p.fit(X[:60], y[:60])
    run, report, files = _run(p, X[60:], tmp_path / "mp")
    assert "sf_model_q8.py" in files and report["numeric"].startswith("int8 model stage")
    row = next(r for r in report["stages"] if r["type"] == model["type"])
    assert row["numeric"].startswith("integer: int8")
    ref = Int8Reference(p)
    np.testing.assert_array_equal(run.labels, np.argmax(ref.predict_proba(X[60:]), axis=1))
    np.testing.assert_allclose(run.scores, ref.predict_proba(X[60:]), atol=1e-6)


def test_imported_quantised_graph_on_the_interpreter(tmp_path):
    need_micropython()
    from sensorflow.pipeline import Pipeline

    (tmp_path / "q.onnx").write_bytes((FIXTURES / "q_mlp_qdq.onnx").read_bytes())
    (tmp_path / "p.yaml").write_text(
        "name: qdq\nsensor: {kind: imu, sample_rate: 50, channels: [a]}\nwindow: {length: 64, hop: 64}\n"
        "stages:\n  - type: frames\n  - type: onnx\n    path: q.onnx\n"
    )
    from qcases import held_out_rows

    p = Pipeline.from_yaml(tmp_path / "p.yaml")
    X = held_out_rows()[:60].reshape(60, 64, 1)
    p.fit(X, np.zeros(60, int))
    run, _, _ = _run(p, X, tmp_path / "mp")
    np.testing.assert_array_equal(run.labels, np.argmax(Int8Reference(p).predict_proba(X), axis=1))


def test_auto_stays_float_and_int8_writes_the_module(tmp_path, capsys):
    p = make_pipeline([STATS, {"type": "scaler"}, {"type": "mlp", "hidden_layer_sizes": [4], "max_iter": 50}])
    X, y = synthetic(40, p.window_length, 3, 2)
    a = artifact.save(p.fit(X, y), tmp_path / "art")
    args = ["export", str(a), "--board", "rp2040", "--lang", "micropython", "--json"]
    assert main([*args, "--out", str(tmp_path / "auto")]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["numeric"].startswith("float") and not (tmp_path / "auto" / "sf_model_q8.py").exists()
    assert main([*args, "--out", str(tmp_path / "int8"), "--numeric", "int8"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["numeric"].startswith("int8 model stage") and (tmp_path / "int8" / "sf_model_q8.py").exists()
