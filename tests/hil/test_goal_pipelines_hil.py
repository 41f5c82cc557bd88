"""Issue 25's goal pipelines (``pipelines/gunpoint.yaml``, ``pipelines/acsf1.yaml``), trained
here on aeon's predefined split, exported to C and run by ``sensorflow hil`` on the emulated
Cortex-M4F and rv32imc: the device gives the host's label on every held-out window."""

from __future__ import annotations

import json

import pytest
from conftest import REPO, need_tools
from hilfix import BOARD_TOOLS

from sensorflow.cli import main

pytestmark = [pytest.mark.emulator, pytest.mark.slow]
N_TEST = {"gunpoint": 150, "acsf1": 100}  # the UCR test files


@pytest.fixture(scope="module")
def goal_artifact(tmp_path_factory):
    pytest.importorskip("aeon.datasets")
    made: dict[str, object] = {}

    def get(name: str):
        if name not in made:
            out = tmp_path_factory.mktemp(name) / "artifact"
            assert main(["train", str(REPO / "pipelines" / f"{name}.yaml"), "--out", str(out)]) == 0
            made[name] = out
        return made[name]

    return get


@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
@pytest.mark.parametrize("name", sorted(N_TEST))
def test_goal_pipeline_on_emulated_board(goal_artifact, name, board, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    artifact = goal_artifact(name)
    capsys.readouterr()
    status = main(["hil", str(artifact), "--board", board, "--json", "--build-dir", str(tmp_path / "build")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["board"] == board and result["n"] == N_TEST[name]
    assert result["agreement"] == 1.0 and result["passed"] and not result["disagreements"]
    # PPV counts (gunpoint) and sorted-interval quantiles (acsf1): the same float32 operations, exactly
    assert result["max_abs_feature_error"] == 0.0
