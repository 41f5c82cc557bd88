"""The DSP kernels give the reference's numbers when they run on the emulated boards
(Cortex-M4F with its FPU, rv32imc with soft float): rfft, one MFCC frame and incremental
wake-word windows, read back from QEMU. Instruction counts are reported by the benchmark
(sensorflow.bench.qemu_kernels), not asserted here."""

import pytest
from conftest import need_tools

from sensorflow.bench import qemu_kernels
from sensorflow.device import measure as qemu_harness


@pytest.mark.emulator
@pytest.mark.slow
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_kernels_on_emulated_board_match_reference(board):
    b = qemu_harness.get_board(board)
    need_tools(b.toolchain.cc, b.emulator.program)
    r = qemu_kernels.measure(board)
    assert r["rfft512_relative_error"] < 2e-6
    assert r["mfcc_frame_max_abs_error"] < 1e-3
    assert r["wakeword_max_abs_error"] < 1e-3
    assert r["rfft512_instructions"] > 0 and r["mfcc_frame_instructions"] > r["rfft512_instructions"]
