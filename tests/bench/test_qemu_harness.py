"""The batch measuring image on the emulated boards: counter factor, results pass, sizes."""

from __future__ import annotations

import pytest
from conftest import need_tools

from sensorflow.device import elf
from sensorflow.device import measure as qh
from sensorflow.errors import SensorflowError

TOOLS = {
    "qemu-mps2-an386": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "qemu-riscv32": ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"),
    "qemu-xtensa-lx106": ("xtensa-lx106-elf-gcc", "qemu-system-xtensa"),
}


@pytest.mark.emulator
@pytest.mark.parametrize("board", sorted(TOOLS))
def test_counter_matches_a_known_instruction_loop(board):
    need_tools(*TOOLS[board])
    # 2 instructions per iteration; the whole region is read to within one counter tick
    ratio = qh.calibrate(board, iterations=20_000)
    tick = qh.get_board(board).emulator.instructions_per_tick
    assert abs(ratio - 1.0) * 40_000 <= tick + 4


@pytest.mark.emulator
@pytest.mark.parametrize("board", sorted(TOOLS))
def test_results_and_float_words_come_back(board, tmp_path):
    need_tools(*TOOLS[board])
    src = tmp_path / "f.c"
    src.write_text(
        '#include "bench.h"\n'
        "static const float table[4] = {0.5f, -1.25f, 3.0f, 1e-3f};\n"
        "int f(int i);\nint f(int i) { return 3 * i - 2; }\n"
        "void bench_report(int i);\nvoid bench_report(int i) { bench_out_f32(table[i] * 2.0f); }\n"
    )
    m = qh.measure_c([src], "f", board, n_inputs=2, n_results=4)
    assert m.results == [-2, 1, 4, 7]
    assert m.floats().tolist() == pytest.approx([1.0, -2.5, 6.0, 2e-3])
    assert m.calls == 2
    assert m.image_sizes["text"] > 0


@pytest.mark.emulator
def test_elf_sizes_count_const_tables_as_rodata_in_flash(tmp_path):
    need_tools("arm-none-eabi-gcc")
    src = tmp_path / "t.c"
    src.write_text(
        "const float big[1000] = {1.0f};\nfloat ram[10];\nfloat get(int i);\nfloat get(int i) { return big[i] + ram[i]; }\n"
    )
    size = elf.sizes(qh.compile_object(src, "qemu-mps2-an386", out=tmp_path / "t.o"))
    assert size["rodata"] >= 4000 and size["bss"] >= 40 and 0 < size["text"] < 100
    assert size["flash"] == size["text"] + size["rodata"] + size["data"]
    assert size["ram"] == size["data"] + size["bss"]


def test_bad_entry_and_board_are_one_line_errors(tmp_path):
    with pytest.raises(SensorflowError, match="unknown emulated board"):
        qh.measure_c([tmp_path / "x.c"], "f", "nope")
    if qh.tools_available("qemu-mps2-an386") is None:
        with pytest.raises(SensorflowError, match="not a C identifier"):
            qh.measure_c([tmp_path / "x.c"], "f(); int", "qemu-mps2-an386")


@pytest.mark.emulator
@pytest.mark.parametrize("board", sorted(TOOLS))
def test_stack_high_water_mark_sees_a_local_buffer(board, tmp_path):
    need_tools(*TOOLS[board])
    src = tmp_path / "s.c"
    src.write_text(
        "int deep(int i);\nint deep(int i) { volatile char buf[2000]; for (int k = 0; k < 2000; k++) buf[k] = (char)k;"
        " return buf[i]; }\nint flat(int i);\nint flat(int i) { return i; }\n"
    )
    deep = qh.measure_c([src], "deep", board).stack_bytes
    flat = qh.measure_c([src], "flat", board).stack_bytes
    assert 2000 <= deep <= 2100 and flat < 64
