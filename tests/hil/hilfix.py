"""Shared fixtures of the HIL tests (imported by the test modules; tests/hil has no conftest
so it cannot clash with tests/conftest.py): the linear test pipeline of
tests/hil/fixtures/linear_model.py, its C export, and its firmware built once per board."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from conftest import need_tools

from sensorflow.device.firmware import build_hil, ported
from sensorflow.hil import protocol as P
from sensorflow.hil.transport import Transport

_spec = importlib.util.spec_from_file_location(
    "sf_hil_linear_fixture", Path(__file__).parent / "fixtures" / "linear_model.py"
)
linear_model = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(linear_model)
LinearReference = linear_model.LinearReference

BOARD_TOOLS = {
    "host": ("cc",),
    "qemu-mps2-an386": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "qemu-riscv32": ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"),
    "qemu-xtensa-lx106": ("xtensa-lx106-elf-gcc", "qemu-system-xtensa"),
}


@pytest.fixture(scope="session")
def linear_ref():
    return LinearReference.random(seed=7, window_length=40, n_channels=3, n_classes=4, hop=20)


@pytest.fixture(scope="session")
def linear_export(linear_ref, tmp_path_factory) -> Path:
    return linear_ref.write_c(tmp_path_factory.mktemp("linear_export"))


@pytest.fixture(scope="session")
def firmware(linear_export, tmp_path_factory):
    """firmware(board) -> ELF of the HIL harness + linear pipeline for that board."""
    built: dict[str, Path] = {}

    def get(board: str) -> Path:
        need_tools(*BOARD_TOOLS[board])
        if board not in built:
            built[board] = build_hil(ported(board), linear_export, tmp_path_factory.mktemp(f"fw-{board}"))
        return built[board]

    return get


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); it is dead for our purpose
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class ResetAfter(Transport):
    """Presses the board's reset button right after the n-th INFER request is written."""

    def __init__(self, inner, board, n):
        self.inner, self.board, self.n, self.name = inner, board, n, inner.name
        self.infers = 0

    def write(self, data):
        self.inner.write(data)
        if P.FrameDecoder().feed(data)[0].type == P.INFER:
            self.infers += 1
            if self.infers in self.n:
                self.board.hard_reset()

    def read(self, timeout):
        return self.inner.read(timeout)

    def close(self):
        self.inner.close()
