"""The fixed-point gesture pipeline (pipelines/gesture_q15.yaml: q15 stats and band energies,
integer forest) exported for rv32imc (no FPU: every stage integer) and for the Cortex-M4F with
--numeric float (the fixed-point stages stay fixed point: they define the features the forest
was trained on), run by `sensorflow hil --export-dir`: the host's label on every held-out window."""

from __future__ import annotations

import pytest
from conftest import need_tools
from hilfix import BOARD_TOOLS, assert_hil_agrees, export_report, train

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def q15_artifact(tmp_path_factory):
    return train("gesture_q15", tmp_path_factory.mktemp("gesture_q15"))


@pytest.mark.parametrize("board, numeric", [("qemu-riscv32", "auto"), ("qemu-mps2-an386", "float")])
def test_fixed_point_gesture_on_board(q15_artifact, board, numeric, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    exp = tmp_path / "export"
    rep = export_report(q15_artifact, board, exp, capsys, "--numeric", numeric)
    paths = {r["type"]: r["numeric"] for r in rep["stages"]}
    assert paths["stats"].startswith("integer: q15") and paths["band_energy"].startswith("integer: q15")
    assert paths["random_forest"].startswith("integer") == (numeric == "auto")
    assert "sf_q15_band_energy" in (exp / "sf_model.c").read_text()
    assert_hil_agrees(q15_artifact, board, exp, tmp_path, capsys)
