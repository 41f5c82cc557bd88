"""export --numeric overrides, run by `sensorflow hil --export-dir` on emulated boards: the
gesture forest's integer path on the Cortex-M4F (int8) and its soft-float path on rv32imc
(float) both give the host's label on every held-out window (auto, the default, is covered by
test_gesture_hil)."""

from __future__ import annotations

import pytest
from conftest import need_tools
from hilfix import BOARD_TOOLS, assert_hil_agrees, export_report, gesture_artifact  # noqa: F401  (fixture)

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.mark.parametrize("board, numeric, keys", [("qemu-mps2-an386", "int8", True), ("qemu-riscv32", "float", False)])
def test_numeric_override_on_board(gesture_artifact, board, numeric, keys, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    exp = tmp_path / "export"
    rep = export_report(gesture_artifact, board, exp, capsys, "--numeric", numeric)
    forest = next(r for r in rep["stages"] if r["type"] == "random_forest")
    assert forest["numeric"].startswith("integer") == keys
    assert ("SF_FOREST_DEFINE_KEYS" in (exp / "sf_model.c").read_text()) == keys
    assert_hil_agrees(gesture_artifact, board, exp, tmp_path, capsys)
