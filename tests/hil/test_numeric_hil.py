"""export --numeric overrides, run by `sensorflow hil --export-dir` on emulated boards: the
gesture forest's integer path on the Cortex-M4F (int8) and its soft-float path on rv32imc
(float) both give the host's label on every held-out window (auto, the default, is covered by
test_gesture_hil)."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, need_tools
from hilfix import BOARD_TOOLS

from sensorflow.cli import main

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def gesture_artifact(tmp_path_factory):
    out = tmp_path_factory.mktemp("gesture") / "artifact"
    assert main(["train", str(REPO / "pipelines" / "gesture.yaml"), "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("board, numeric, keys", [("qemu-mps2-an386", "int8", True), ("qemu-riscv32", "float", False)])
def test_numeric_override_on_board(gesture_artifact, board, numeric, keys, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    exp = tmp_path / "export"
    args = ["export", str(gesture_artifact), "--board", board, "--out", str(exp), "--prefix", "sf_model"]
    assert main([*args, "--numeric", numeric, "--no-measure", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    forest = next(r for r in rep["stages"] if r["type"] == "random_forest")
    assert forest["numeric"].startswith("integer") == keys
    assert ("SF_FOREST_DEFINE_KEYS" in (exp / "sf_model.c").read_text()) == keys
    status = main(
        [
            "hil",
            str(gesture_artifact),
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
    assert status == 0, result
    assert result["n"] == 40 and result["agreement"] == 1.0 and result["passed"]
