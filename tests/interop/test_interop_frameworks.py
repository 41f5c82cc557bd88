"""Networks trained and exported by the real frameworks, with onnxruntime as the oracle:
tests/fixtures/onnx/{torch,keras,keras_tf}_{mlp,conv1d}.onnx, made by scripts/make_framework_onnx.py
(torch 2.13.0's default ``torch.onnx.export``; Keras 3.15.1 ``model.export(format="onnx")`` on
the torch backend, and on TensorFlow 2.21.0 through tf2onnx 1.17.0) on BasicMotions' training
recordings. ``sensorflow import`` puts each on the
features it was trained on (the MLPs: the ``gesture`` pipeline's stats + band_energy; the CNNs:
``gesture_cnn``'s raw frames), then on the 40 held-out windows the host, the generated C and
the generated MicroPython give onnxruntime's labels exactly and its probabilities within 1e-5,
and ``sensorflow hil`` on qemu-mps2-an386 and qemu-riscv32 gives the host's answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import REPO, need_tools
from onnxcases import run_ort
from test_interop_onnx_import import FIXTURES, _softmax

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.pipeline import Pipeline, run_steps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
from hilfix import BOARD_TOOLS  # noqa: E402

pytest.importorskip("aeon")  # BasicMotions ships inside aeon

pytestmark = pytest.mark.slow

CLASSES = ["badminton", "running", "standing", "walking"]
# fixture -> (base pipeline, the stages it ends in, the graph's input from the (n, 100, 6) windows or their features)
CASES = {
    "torch_mlp": ("gesture.yaml", ["band_energy", "scaler", "mlp"], "features"),
    "keras_mlp": ("gesture.yaml", ["band_energy", "scaler", "mlp"], "features"),
    "keras_tf_mlp": ("gesture.yaml", ["band_energy", "mlp"], "features"),  # Normalization folded before export
    "torch_conv1d": ("gesture_cnn.yaml", ["frames", "conv1d"], "ncl"),
    "keras_conv1d": ("gesture_cnn.yaml", ["frames", "conv1d"], "nlc"),
    "keras_tf_conv1d": ("gesture_cnn.yaml", ["frames", "conv1d"], "nlc"),
}
ATOL = 1e-5


def ort_proba(name: str, W: np.ndarray, base: Path) -> np.ndarray:
    """onnxruntime's class probabilities on windows ``W``: the graph fed as its framework
    trained it (features of BASE's feature stages, or the raw window channels-first / -last);
    softmax of torch's logits."""
    import onnx

    feed = CASES[name][2]
    if feed == "features":
        cfg = yaml.safe_load(base.read_text())
        cfg["stages"] = [*cfg["stages"][:-1], {"type": "decision_tree"}]
        x = run_steps(Pipeline.from_string(yaml.safe_dump(cfg)).steps, W)
    else:
        x = W.transpose(0, 2, 1) if feed == "ncl" else W
    out = run_ort(onnx.load(str(FIXTURES / f"{name}.onnx")), np.asarray(x, dtype=np.float32))[0].astype(np.float64)
    return _softmax(out) if name.startswith("torch") else out


@pytest.fixture(scope="module", params=list(CASES))
def case(request, tmp_path_factory):
    """(name, artifact, pipeline, held-out windows, onnxruntime's probabilities on them)."""
    name = request.param
    base = REPO / "pipelines" / CASES[name][0]
    art = tmp_path_factory.mktemp(name) / "art"
    model = FIXTURES / f"{name}.onnx"
    assert main(["import", str(model), "--pipeline", str(base), "--out", str(art), "--classes", *CLASSES]) == 0
    pipe, _ = artifact.load(art)
    W = artifact.load_array(art, "test_windows")
    return name, art, pipe, W, ort_proba(name, W, base)


def check(name, labels, proba, ref) -> None:
    np.testing.assert_array_equal(labels, np.argmax(ref, axis=1), err_msg=name)
    np.testing.assert_allclose(proba, ref, rtol=0, atol=ATOL, err_msg=name)


def test_host_gives_onnxruntime_answers(case):
    name, _, pipe, W, ref = case
    ends = CASES[name][1]
    assert [s.name for s in pipe.stages][-len(ends) :] == ends and list(pipe.classes_) == CLASSES
    assert len(W) == 40
    proba = pipe.predict_proba(W)
    check(name, np.argmax(proba, axis=1), proba, ref)
    labels = pipe.predict(W)
    np.testing.assert_array_equal(labels, np.asarray(CLASSES)[np.argmax(ref, axis=1)])
    # trained, not random: the held-out BasicMotions recordings are recognised
    assert np.mean(labels == artifact.load_array(case[1], "test_labels")) >= 0.9


def test_c_export_gives_onnxruntime_answers(case, tmp_path):
    from sensorflow.testing import ccompare

    need_tools("cc")
    name, _, pipe, W, ref = case
    labels, scores, _ = ccompare.build(pipe, tmp_path / "c").infer(W)
    check(name, labels, scores, ref)


@pytest.mark.emulator
def test_micropython_export_gives_onnxruntime_answers(case, tmp_path):
    from mphelp import export_and_run, need_micropython

    need_micropython()
    name, _, pipe, W, ref = case
    run, _ = export_and_run(pipe, W, tmp_path / "mp")
    check(name, run.labels, run.scores, ref)


@pytest.mark.emulator
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_hil_on_emulated_board(case, board, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    name, art, *_ = case
    capsys.readouterr()
    status = main(["hil", str(art), "--board", board, "--json", "--build-dir", str(tmp_path / "b")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["n"] == 40
    assert result["agreement"] == 1.0 and result["passed"] and not result["out_of_tolerance"], result
    assert result["max_abs_score_error"] < ATOL
