"""HIL of a regression model: the board's value agrees with the host's when within
``Tolerance.value_rtol`` (relative, floored at the run's largest value); the shaft-speed
forest of the small vibration recipe on host, qemu-mps2-an386, qemu-riscv32 and qemu-xtensa-lx106
(C; the last two without an FPU: integer-key walk, soft-float sum) and on the
emulated MicroPython board agrees on every held-out window."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import need_tools
from hilfix import BOARD_TOOLS
from speedpipe import speed_pipeline

from sensorflow.cli import main
from sensorflow.hil.runner import Tolerance, compare_answer

PIPE = speed_pipeline(
    "speed_forest",
    "{length: 1024, hop: 2048}",
    "  - type: fft\n    fmax: 80\n  - type: random_forest_regressor\n    n_estimators: 8\n    max_depth: 6\n",
)


def test_values_agree_within_the_stated_tolerance():
    tol = Tolerance(value_rtol=1e-4)
    host = np.array([1600.0])
    assert compare_answer(True, ["value"], host, np.array([1600.1]), 0, tol, 1600.0)[2]
    host_s, board_s, agree = compare_answer(True, ["value"], host, np.array([1600.2]), 0, tol, 1600.0)
    assert not agree and (host_s, board_s) == ("1600", "1600.2")
    # the floor: a value near 0 is compared against the run's scale, not against itself
    assert compare_answer(True, ["value"], np.array([0.01]), np.array([0.1]), 0, tol, 1600.0)[2]
    assert not compare_answer(True, ["value"], np.array([0.01]), np.array([0.2]), 0, tol, 1600.0)[2]
    # classifiers are unchanged: labels must be equal
    assert compare_answer(False, ["a", "b"], np.array([0.4, 0.6]), np.array([0.6, 0.4]), 1, tol, 0.0)[2]


@pytest.fixture(scope="module")
def speed_artifact(tmp_path_factory):
    d = tmp_path_factory.mktemp("speed_hil")
    (d / "speed.yaml").write_text(PIPE)
    assert main(["train", str(d / "speed.yaml"), "--out", str(d / "art"), "-q"]) == 0
    return d / "art"


@pytest.mark.slow
@pytest.mark.emulator
@pytest.mark.parametrize("board", ["host", "qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106", "micropython"])
def test_speed_forest_on_board(speed_artifact, board, tmp_path, capsys):
    lang = ["--lang", "micropython"] if board == "micropython" else []
    if board == "micropython":
        from sensorflow.mpy import available

        if available() is not None:
            pytest.skip(available())
    else:
        need_tools(*BOARD_TOOLS[board])
    capsys.readouterr()
    argv = ["hil", str(speed_artifact), "--board", "host" if board == "micropython" else board, *lang]
    status = main([*argv, "--json", "--build-dir", str(tmp_path / "build")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["value_rtol"] == Tolerance().value_rtol and result["n"] == 96
    assert result["agreement"] == 1.0 and result["passed"] and not result["out_of_tolerance"]
    assert result["max_abs_score_error"] < 1e-4 * 1900  # rpm values around 1500-1800
