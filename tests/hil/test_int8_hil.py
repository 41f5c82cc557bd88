"""The int8 path end to end, as a user runs it: the gesture features with a scaler and an MLP
head, trained, exported for the FPU-less rv32imc (auto picks int8) and for the Cortex-M4F with
``--numeric int8``, run by ``sensorflow hil --export-dir`` on the emulated boards. HIL reads the
export's report and compares with the int8 reference (``hil.int8_reference``): labels on all 40
held-out windows and scores within HIL's tolerance (the float model's scores differ by up to
0.0095 here, so comparing with them would fail)."""

from __future__ import annotations

import pytest
from conftest import REPO, need_tools
from hilfix import BOARD_TOOLS, assert_hil_agrees, export_report, train

from sensorflow.cli import main

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def mlp_artifact(tmp_path_factory):
    work = tmp_path_factory.mktemp("gesture_mlp")
    text = (REPO / "pipelines" / "gesture.yaml").read_text()
    head = text[: text.index("  - type: random_forest")]
    tail = text[text.index("dataset:") :]
    yaml = work / "gesture_mlp.yaml"
    yaml.write_text(
        head.replace("name: gesture", "name: gesture_mlp", 1)
        + "  - type: scaler\n  - type: mlp\n    hidden_layer_sizes: [16]\n    max_iter: 1000\n"
        + tail
    )
    out = work / "artifact"
    assert main(["train", str(yaml), "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("board, extra", [("qemu-riscv32", ()), ("qemu-mps2-an386", ("--numeric", "int8"))])
def test_int8_mlp_on_board(mlp_artifact, board, extra, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    exp = tmp_path / "export"
    rep = export_report(mlp_artifact, board, exp, capsys, *extra)
    mlp = next(r for r in rep["stages"] if r["type"] == "mlp")
    assert mlp["numeric"].startswith("integer: int8")
    assert "sf_q8_dense" in (exp / "sf_model.c").read_text()
    assert_hil_agrees(mlp_artifact, board, exp, tmp_path, capsys)


def test_int8_cnn_by_default_on_rv32imc(tmp_path_factory, tmp_path, capsys):
    """pipelines/gesture_cnn.yaml (frames + conv1d, max pooling) on the FPU-less rv32imc: ``auto``
    takes the int8 conv path, HIL agrees on every held-out window."""
    board = "qemu-riscv32"
    need_tools(*BOARD_TOOLS[board])
    art = train("gesture_cnn", tmp_path_factory.mktemp("gesture_cnn"))
    capsys.readouterr()
    exp = tmp_path / "export"
    conv = next(r for r in export_report(art, board, exp, capsys)["stages"] if r["type"] == "conv1d")
    assert conv["numeric"].startswith("integer: int8")
    assert_hil_agrees(art, board, exp, tmp_path, capsys)
