"""A quantised ONNX graph (onnxruntime ``quantize_static``, QDQ and QOperator) over a pipeline's
features: ``sensorflow import``, export on the int8 path (auto on the FPU-less rv32imc,
``--numeric int8`` on the Cortex-M4F), ``sensorflow hil --export-dir``: the board agrees with
the int8 reference on every held-out window, and that reference's labels are onnxruntime's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from conftest import need_tools
from onnxcases import run_ort
from qcases import quantised_mlp
from sklearn.ensemble import RandomForestClassifier
from test_interop_onnx_import import make_import_case

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.hil.int8_reference import Int8Reference

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil"))
from hilfix import BOARD_TOOLS  # noqa: E402

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module", params=["qdq", "qop"])
def quantised_artifact(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    base, onnx_path, _est, F, y = make_import_case(tmp, lambda: RandomForestClassifier(2, max_depth=2))
    quantised_mlp(F[:100], y[:100], onnx_path, request.param)
    assert main(["import", str(onnx_path), "--pipeline", str(base), "--out", str(tmp / "art")]) == 0
    pipe, _ = artifact.load(tmp / "art")
    Xt = artifact.load_array(tmp / "art", "test_windows")
    ort_labels = np.argmax(run_ort(onnx.load(str(onnx_path)), F[100:])[0], axis=1)
    np.testing.assert_array_equal(Int8Reference(pipe).predict(Xt), np.asarray(pipe.classes_)[ort_labels])
    return tmp / "art"


@pytest.mark.parametrize("board, extra", [("qemu-riscv32", ()), ("qemu-mps2-an386", ("--numeric", "int8"))])
def test_quantised_import_on_board(quantised_artifact, board, extra, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    exp = tmp_path / "export"
    args = ["export", str(quantised_artifact), "--board", board, "--out", str(exp), "--prefix", "sf_model"]
    capsys.readouterr()
    assert main([*args, *extra, "--no-measure", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert next(r for r in rep["stages"] if r["type"] == "mlp")["numeric"].startswith("integer: int8")
    status = main(
        [
            "hil",
            str(quantised_artifact),
            "--board",
            board,
            "--export-dir",
            str(exp),
            "--json",
            "--build-dir",
            str(tmp_path / "b"),
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 0, json.dumps(result)[:3000]
    assert result["n"] == 50 and result["agreement"] == 1.0 and result["passed"]
