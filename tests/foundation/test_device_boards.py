"""The device layer reads every board fact from boards/*.yaml: firmware ports and emulators
named there exist, their errors name file:line, and the emulator command lines come from the
YAML alone."""

from __future__ import annotations

import pytest

from sensorflow.device import boards, firmware, measure
from sensorflow.errors import ConfigError, SensorflowError


def test_every_firmware_port_named_in_a_board_file_exists():
    ported = firmware.ported_boards()
    assert {"host", "qemu-mps2-an386", "qemu-riscv32"} <= set(ported)
    for b in ported.values():
        d = firmware.board_dir(b)
        names = [*b.firmware.startup, b.firmware.hil_port, b.firmware.measure_port, b.firmware.link_script]
        for name in filter(None, names):
            assert (d / name).is_file(), f"{b.source}: firmware file {name} missing in {d}"
    for name in ("hil_main.c", "hil_proto.c", "hil_proto.h", "hil_port.h"):
        assert (firmware.HIL_DIR / name).is_file()
    assert (firmware.MEASURE_DIR / "harness.c").is_file()


def test_measuring_image_runs_on_the_qemu_boards_only():
    assert sorted(measure.measuring_boards()) == ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"]
    with pytest.raises(SensorflowError, match="unknown emulated board 'host'"):
        measure.get_board("host")


def test_qemu_command_lines_come_from_the_board_files():
    arm = measure.qemu_argv(boards.get("qemu-mps2-an386"))
    assert arm[:3] == ["qemu-system-arm", "-M", "mps2-an386"]
    assert "-semihosting-config" in arm and arm[arm.index("-icount") + 1] == "shift=0"
    rv = measure.qemu_argv(boards.get("qemu-riscv32"))
    assert rv[:7] == ["qemu-system-riscv32", "-M", "virt", "-cpu", "rv32", "-bios", "none"]
    assert "-semihosting-config" not in rv
    assert boards.get("qemu-mps2-an386").emulator.instructions_per_tick == 40
    lx = measure.qemu_argv(boards.get("qemu-xtensa-lx106"))
    assert lx[:5] == ["qemu-system-xtensa", "-M", "lx60", "-cpu", "lx106"]
    assert "-semihosting-config" in lx  # the measuring image exits through simcall SYS_exit


def test_a_misspelt_firmware_key_names_file_line_and_the_near_miss(tmp_path):
    text = (boards.BOARDS_DIR / "qemu-riscv32.yaml").read_text().replace("link_script:", "link_scrpit:")
    p = tmp_path / "qemu-riscv32.yaml"
    p.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "link_scrpit" in t)
    with pytest.raises(ConfigError) as err:
        boards.get(p)
    msg = str(err.value)
    assert f":{line}" in msg and "did you mean 'link_script'" in msg and "\n" not in msg


def test_a_board_without_a_port_is_a_one_line_hil_error():
    from sensorflow.errors import HILError

    with pytest.raises(HILError, match="no HIL firmware port for board 'stm32f411'.*--no-flash"):
        firmware.ported("stm32f411")
