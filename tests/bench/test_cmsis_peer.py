"""CMSIS-DSP measured as sensorflow's kernels are (same image per entry, same empty-loop and
copy subtraction, same flags) reproduces an independent instruction count."""

from __future__ import annotations

import pytest
from conftest import need_tools

from sensorflow.bench import cmsis_kernels
from sensorflow.bench.peers import cmsis_dsp_dir


@pytest.mark.emulator
@pytest.mark.slow
def test_rfft512_matches_an_independent_count():
    need_tools("arm-none-eabi-gcc", "qemu-system-arm")
    if cmsis_dsp_dir() is None:
        pytest.skip("CMSIS-DSP sources not fetched (python -m sensorflow.bench.peers)")
    rfft, mfcc = cmsis_kernels.measure()
    # QEMU single-stepped, bl to return of arm_rfft_fast_f32: 24,212-24,213 instructions per call
    # (an instruction-counting plugin on the same flags: 24,219)
    assert rfft.instructions == pytest.approx(cmsis_kernels.RFFT512_INDEPENDENT, rel=0.01)
    assert rfft.max_abs_diff < 1e-6
    # single-stepped arm_mfcc_f32 on these frames: 50,954-50,995 per call (data-dependent branches)
    assert mfcc.instructions == pytest.approx(50_975, rel=0.01)
    assert mfcc.max_abs_diff < 1e-4
