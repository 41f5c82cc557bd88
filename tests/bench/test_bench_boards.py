"""Bench sections on emulated boards name every board they could not use, with its reason, in
their table (or as the section's reason when none can run). Fakes stand in for the tools,
the training and the measurement: nothing is compiled or emulated."""

from __future__ import annotations

import types

import numpy as np
import pytest

from sensorflow.bench import emulated_boards, hil_soak_section, hil_throughput_section, pipelines_section
from sensorflow.device import measure

WHY = {"qemu-riscv32": "board 'qemu-riscv32' needs riscv64-unknown-elf-gcc not found"}


def _only_m4f(monkeypatch):
    monkeypatch.setattr(measure, "tools_available", lambda board: WHY.get(board))


def test_pipelines_row_for_a_board_without_tools(monkeypatch):
    _only_m4f(monkeypatch)
    demo = types.SimpleNamespace(pipeline=None, result=types.SimpleNamespace(test_windows=np.zeros((2, 4, 1))))
    monkeypatch.setattr(pipelines_section, "trained", lambda name, small: demo)
    figures = dict(instr_infer=1, instr_hop=1, instr_per_second=1, flash=1, lib_flash=1, ram=1, stack=1, agree=2, k=2)
    monkeypatch.setattr(measure, "measure_pipeline", lambda *a: figures)
    rows = pipelines_section.run(quick=True).tables[0].rows
    assert [r[:2] for r in rows] == [["gesture", "qemu-mps2-an386"], ["every demo", "qemu-riscv32"]]
    assert rows[1][2] == f"not available: {WHY['qemu-riscv32']}"


@pytest.mark.parametrize("section", [pipelines_section, hil_soak_section, hil_throughput_section])
def test_no_usable_board_gives_each_boards_reason(monkeypatch, section):
    monkeypatch.setattr(measure, "tools_available", lambda board: f"board '{board}' needs its tools")
    sec = section.run(quick=True)
    assert not sec.available
    assert sec.reason == "board 'qemu-mps2-an386' needs its tools; board 'qemu-riscv32' needs its tools"


def test_soak_compares_an_int8_export_with_the_int8_reference(monkeypatch):
    """As `sensorflow hil`: the soak's logistic model exports int8 on the FPU-less rv32 (numeric auto)
    and float on the M4F; each board is checked against the reference of what it runs."""
    from sensorflow.hil.int8_reference import Int8Reference
    from sensorflow.hil.soak import SoakResult

    monkeypatch.setattr(measure, "tools_available", lambda board: None)
    monkeypatch.setattr(emulated_boards.session, "build", lambda board, exp, fw: fw / "fw.elf")
    seen = {}

    def fake_soak(board, elf, reference, windows, faults, seed):
        seen[board] = reference
        return SoakResult(board, len(windows), len(windows), True, 1.0, 0, 0, 0, 0, 0, 0, 0, 0.1)

    monkeypatch.setattr(hil_soak_section, "soak", fake_soak)
    sec = hil_soak_section.run(quick=True)
    assert [r[2] for r in sec.tables[0].rows] == [True, True]
    assert isinstance(seen["qemu-riscv32"], Int8Reference)
    assert not isinstance(seen["qemu-mps2-an386"], Int8Reference)
