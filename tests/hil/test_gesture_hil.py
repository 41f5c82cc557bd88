"""CI proof: the gesture pipeline, trained here, exported to C and run by `sensorflow hil` on
qemu-mps2-an386, qemu-riscv32, qemu-xtensa-lx106 and host, gives the host's label on every held-out window."""

from __future__ import annotations

import json

import pytest
from conftest import need_tools
from hilfix import BOARD_TOOLS, gesture_artifact  # noqa: F401  (fixture)

from sensorflow.cli import main

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.mark.parametrize("board", ["host", "qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"])
def test_gesture_on_board(gesture_artifact, board, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    capsys.readouterr()
    junit = tmp_path / "junit.xml"
    status = main(
        [
            "hil",
            str(gesture_artifact),
            "--board",
            board,
            "--json",
            "--build-dir",
            str(tmp_path / "build"),
            "--junit",
            str(junit),
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["board"] == board and result["n"] == 40
    assert result["agreement"] == 1.0 and result["passed"] and not result["out_of_tolerance"]
    assert result["max_abs_score_error"] < 1e-4
    if board != "host":
        assert result["instructions_per_inference"] > 0
        assert 0 < result["stack_high_water_bytes"] < result["stack_size_bytes"]
    assert junit.exists()


def test_gesture_on_an_already_running_board_via_port(gesture_artifact, tmp_path, capsys):
    """--port PORT --no-flash: a board someone else started (here the host build on a pty);
    its hello is checked against the artifact before anything runs."""
    need_tools("cc")
    from sensorflow.device import firmware, processes

    build = tmp_path / "build"
    assert main(["hil", str(gesture_artifact), "--board", "host", "--limit", "3", "--build-dir", str(build)]) == 0
    capsys.readouterr()
    with processes.launch(firmware.ported("host"), build / "host" / "hil-host.elf") as board:
        status = main(
            [
                "hil",
                str(gesture_artifact),
                "--board",
                "host",
                "--port",
                board.port,
                "--no-flash",
                "--limit",
                "5",
                "--json",
            ]
        )
        result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["port"] == board.port and result["n"] == 5 and result["agreement"] == 1.0


def test_gesture_micropython_via_cli_on_emulated_board(gesture_artifact, capsys):
    """`sensorflow hil --lang micropython` with no port: the module goes over the raw REPL to
    the emulated MicroPython board and every window's label matches the host."""
    need_tools("node")
    capsys.readouterr()
    status = main(["hil", str(gesture_artifact), "--board", "esp32", "--lang", "micropython", "--limit", "6", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["n"] == 6 and result["agreement"] == 1.0 and result["lang"] == "micropython"
