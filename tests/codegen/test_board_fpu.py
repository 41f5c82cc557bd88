"""Board YAML ``fpu: none | single | double``: required, checked, and right for every shipped
board (the export's numeric path follows it)."""

from __future__ import annotations

import pytest

from sensorflow.device import boards
from sensorflow.errors import ConfigError

# The cores' floating-point hardware, from their reference manuals
FPU = {
    "esp32": "single",  # Xtensa LX6 with the single-precision FP coprocessor
    "esp32-s3": "single",  # Xtensa LX7, single-precision FPU
    "esp32-c3": "none",  # RISC-V rv32imc: no F extension
    "host": "double",
    "nrf52840": "single",  # Cortex-M4F, FPv4-SP
    "qemu-mps2-an386": "single",  # Cortex-M4F
    "qemu-riscv32": "none",  # rv32imc
    "qemu-xtensa-lx106": "none",  # ESP8266 core: no FPU
    "rp2040": "none",  # Cortex-M0+
    "stm32f411": "single",  # Cortex-M4F
}


def test_every_shipped_board_states_its_fpu():
    shipped = {p.stem: boards.load_file(p) for p in sorted(boards.BOARDS_DIR.glob("*.yaml"))}
    assert set(shipped) == set(FPU), "a board was added or removed: state its FPU here"
    for name, board in shipped.items():
        assert board.fpu == FPU[name], name
        if board.arch == "cortex-m" and board.fpu == "none":
            assert "-mfloat-abi=soft" in board.toolchain.cflags
        if board.arch == "riscv":
            assert not any(f.startswith("-march=rv32imf") for f in board.toolchain.cflags)


def test_fpu_is_required():
    text = (boards.BOARDS_DIR / "rp2040.yaml").read_text().replace("fpu: none\n", "")
    with pytest.raises(ConfigError, match="missing required key 'fpu'"):
        boards.parse(text, "rp2040.yaml")
