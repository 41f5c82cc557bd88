"""The status table is generated from one Python list; board YAMLs validate."""

import json

import pytest

from sensorflow import cli
from sensorflow.codegen.c import status
from sensorflow.device import boards
from sensorflow.errors import ConfigError

REQUIRED = {
    "esp32",
    "esp32-s3",
    "esp32-c3",
    "nrf52840",
    "stm32f411",
    "rp2040",
    "qemu-mps2-an386",
    "qemu-riscv32",
    "host",
}


def test_committed_sf_common_h_matches_the_status_list():
    assert status.HEADER.read_text() == status.render(), (
        "sf_common.h drifted from sensorflow/codegen/c/status.py; run python -m sensorflow.codegen.c.status"
    )
    values = [v for _, v, _ in status.STATUSES]
    assert sorted(values, reverse=True) == list(range(0, min(values) - 1, -1)), "status values must be 0, -1, -2 ..."


def test_required_boards_exist_and_validate():
    found = {b.name: b for b in boards.all_boards()}
    assert REQUIRED <= set(found)
    assert found["rp2040"].fpu == "none" and "-mcpu=cortex-m0plus" in found["rp2040"].toolchain.cflags
    m4 = found["qemu-mps2-an386"]
    assert m4.fpu == "single" and m4.emulator.program == "qemu-system-arm"
    for flag in ("-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"):
        assert flag in m4.toolchain.cflags
    rv = found["qemu-riscv32"]
    assert rv.toolchain.cc == "riscv64-unknown-elf-gcc" and "-march=rv32imc" in rv.toolchain.cflags
    assert "--specs=picolibc.specs" in rv.toolchain.cflags and "-misa-spec=2.2" in rv.toolchain.cflags
    for b in found.values():
        assert b.ram_bytes > 0 and b.flash_bytes > 0 and b.clock_hz > 0


def test_unknown_board_suggests_a_name():
    with pytest.raises(ConfigError, match="did you mean 'esp32-c3'"):
        boards.get("esp32c3")


def test_bad_board_yaml_names_file_line_and_key(tmp_path):
    p = tmp_path / "bad.yaml"
    text = (boards.BOARDS_DIR / "stm32f411.yaml").read_text().replace("fpu: single", "fpu: quad")
    p.write_text(text)
    line = text.splitlines().index("fpu: quad") + 1
    with pytest.raises(ConfigError) as exc:
        boards.get(p)
    assert str(exc.value).startswith(f"{p}:{line}: fpu: ")
    p.write_text((boards.BOARDS_DIR / "stm32f411.yaml").read_text().replace("ram_bytes:", "ram_bites:"))
    with pytest.raises(ConfigError, match="did you mean 'ram_bytes'"):
        boards.get(p)


def test_boards_command_lists_them(capsys):
    assert cli.main(["boards", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {b["name"] for b in data["boards"]} >= REQUIRED
    assert cli.main(["boards"]) == 0
    text = capsys.readouterr().out
    assert "qemu-mps2-an386" in text and "cortex-m0plus" in text
    assert cli.main(["boards", "nope"]) == 2
