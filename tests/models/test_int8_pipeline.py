"""The int8 path inside a whole exported pipeline (stats -> scaler -> mlp / logistic):
``generate(..., numeric="int8")`` built with the harness under ASan/UBSan gives the labels of the
numpy reference on every window, the scores are the softmax of the dequantised logits, and
``export --numeric`` picks the path per board (int8 on the FPU-less rv32imc by default)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sensorflow import artifact, cli
from sensorflow.pipeline import Pipeline
from sensorflow.stages.models.int8 import quantize, scores
from sensorflow.testing.ccompare import build

YAML = """name: q8test
sensor: {{kind: imu, sample_rate: 50, channels: [ax, ay, az]}}
window: {{length: 32, hop: 32}}
stages:
  - type: stats
    functions: [mean, std, ptp, rms]
  - type: scaler
  - type: {model}
{params}"""


def pipeline(model: str, params: str = "", n_classes: int = 3):
    rng = np.random.default_rng(0)
    y = rng.integers(0, n_classes, 300)
    X = rng.standard_normal((300, 32, 3)).astype(np.float32) * (1 + 0.4 * y[:, None, None]) + 0.3 * y[:, None, None]
    p = Pipeline.from_string(YAML.format(model=model, params=params))
    labels = np.array(["a", "b", "c", "d"])[y]
    p.fit(X[:200], labels[:200])
    return p, X[200:].astype(np.float32)


@pytest.mark.parametrize(
    "model, params, n_classes",
    [("mlp", "    hidden_layer_sizes: [12]\n    max_iter: 300", 3), ("logistic", "", 2), ("ridge_classifier", "", 4)],
    ids=["mlp", "logistic", "ridge"],
)
def test_exported_int8_pipeline_equals_reference(tmp_path, model, params, n_classes):
    p, X = pipeline(model, params, n_classes)
    net = quantize(p.stages[-1])
    h = build(p, tmp_path, sanitize=True, numeric="int8")
    labels, sc, feats = h.infer(X)
    want = net.predict_index(feats)
    assert np.array_equal(labels, want)
    ref = scores(net, net.forward(net.quantize_input(feats)))
    assert np.array_equal(sc, ref)  # bit for bit: the same float32 table, adds and divides
    src = (tmp_path / "sf_model.c").read_text()
    assert "sf_q8_dense" in src and "sf_dense_f32" not in src


def test_export_numeric_path_per_board(tmp_path, capsys):
    p, _ = pipeline("mlp", "    hidden_layer_sizes: [8]\n    max_iter: 200")
    art = artifact.save(p, tmp_path / "art")
    for board, extra, integer in [
        ("qemu-riscv32", (), True),
        ("qemu-mps2-an386", (), False),
        ("qemu-mps2-an386", ("--numeric", "int8"), True),
        ("qemu-riscv32", ("--numeric", "float"), False),
    ]:
        out = tmp_path / f"{board}{len(extra)}"
        assert (
            cli.main(["export", str(art), "--board", board, "--out", str(out), "--json", "--no-measure", *extra]) == 0
        )
        rep = json.loads(capsys.readouterr().out)
        src = (out / "sf_model.c").read_text()
        assert ("sf_q8_dense" in src) == integer
        row = next(r for r in rep["stages"] if r["type"] == "mlp")
        assert row["numeric"].startswith("integer: int8") == integer


def test_auto_keeps_float_for_an_artifact_without_calibration(tmp_path, capsys):
    p, _ = pipeline("logistic", "", 2)
    p.stages[-1].int8_ranges_ = None  # as an artifact saved before int8 calibration was recorded
    art = artifact.save(p, tmp_path / "art")
    out = tmp_path / "auto"
    assert cli.main(["export", str(art), "--board", "qemu-riscv32", "--out", str(out), "--json", "--no-measure"]) == 0
    rep = json.loads(capsys.readouterr().out)
    row = next(r for r in rep["stages"] if r["type"] == "logistic")
    assert row["numeric"].startswith("float (no int8 calibration") and "sf_q8" not in (out / "sf_model.c").read_text()
    args = ["export", str(art), "--board", "qemu-riscv32", "--out", str(tmp_path / "i8"), "--no-measure"]
    assert cli.main([*args, "--numeric", "int8"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "retrain" in err


def test_budget_estimate_of_the_int8_path(tmp_path, capsys):
    """The budget check counts int8 tables on the int8 path: below the float estimate for a net
    whose weights outweigh the int8 path's fixed 4.5 KB (kernel code and score table), and not
    below the stage's compiled size on the M4F where its compiler is installed."""
    from sensorflow.device import measure

    p, _ = pipeline("mlp", "    hidden_layer_sizes: [64, 64]\n    max_iter: 200")
    art = artifact.save(p, tmp_path / "art")
    rows = {}
    board = "qemu-mps2-an386"
    can_measure = measure.tools_available(board) is None
    for numeric in ("float", "int8"):
        out = tmp_path / numeric
        extra = [] if can_measure else ["--no-measure"]
        args = ["export", str(art), "--board", board, "--out", str(out), "--json", "--numeric", numeric, *extra]
        assert cli.main(args) == 0
        rows[numeric] = next(r for r in json.loads(capsys.readouterr().out)["stages"] if r["type"] == "mlp")
    assert rows["int8"]["estimated_flash_bytes"] < rows["float"]["estimated_flash_bytes"]
    assert rows["int8"]["estimated_ram_bytes"] < rows["float"]["estimated_ram_bytes"]
    if can_measure and rows["int8"].get("measured_flash_bytes"):
        assert rows["int8"]["estimated_flash_bytes"] >= rows["int8"]["measured_flash_bytes"]
