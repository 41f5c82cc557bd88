"""`sensorflow import` of a skl2onnx forest and MLP, then `sensorflow hil` on the emulated boards:
the board gives the host's label on every held-out window (and the host gives onnxruntime's,
see test_interop_exports.py). The networks PyTorch and Keras exported are on the boards in
test_interop_frameworks.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools
from onnxcases import run_ort
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_interop_onnx_import import make_import_case

from sensorflow import artifact
from sensorflow.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil"))
from hilfix import BOARD_TOOLS  # noqa: E402

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

MODELS = {
    "forest": lambda: RandomForestClassifier(8, max_depth=6, random_state=0),
    "mlp": lambda: make_pipeline(StandardScaler(), MLPClassifier((12,), max_iter=600, random_state=0)),
}


@pytest.fixture(scope="module", params=list(MODELS))
def imported_artifact(request, tmp_path_factory):
    """skl2onnx models trained on the base pipeline's 6 stats features."""
    import onnx

    tmp = tmp_path_factory.mktemp(request.param)
    base, onnx_path, est, F, y = make_import_case(tmp, MODELS[request.param])
    assert main(["import", str(onnx_path), "--pipeline", str(base), "--out", str(tmp / "art")]) == 0
    pipe, _ = artifact.load(tmp / "art")
    Xt = artifact.load_array(tmp / "art", "test_windows")
    out = run_ort(onnx.load(str(onnx_path)), F[100:])
    np.testing.assert_array_equal(pipe.predict(Xt), out[0])
    return tmp / "art"


@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_imported_model_on_emulated_board(imported_artifact, board, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    capsys.readouterr()
    status = main(["hil", str(imported_artifact), "--board", board, "--json", "--build-dir", str(tmp_path / "b")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["n"] == 50
    assert result["agreement"] == 1.0 and result["passed"] and not result["out_of_tolerance"]
    assert result["max_abs_score_error"] < 1e-5
