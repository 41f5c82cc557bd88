"""The whole-pipeline measurement on a tiny pipeline (emulated M4F and Xtensa lx106): labels
agree with the host, and the size/RAM figures are consistent with each other. No timing assertions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.pipeline import Pipeline

YAML = """
name: tiny
sensor:
  kind: imu
  sample_rate: 50
  channels: [ax, ay]
window:
  length: 32
stages:
  - type: stats
    functions: [mean, std]
  - type: decision_tree
    max_depth: 3
"""


TOOLS = {
    "qemu-mps2-an386": ("arm-none-eabi-gcc", "qemu-system-arm"),
    "qemu-xtensa-lx106": ("xtensa-lx106-elf-gcc", "qemu-system-xtensa"),
}


@pytest.mark.emulator
@pytest.mark.parametrize("board", sorted(TOOLS))
def test_measure_pipeline_on_a_tiny_pipeline(tmp_path, board):
    need_tools(*TOOLS[board])
    from sensorflow.device.measure import measure_pipeline

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 32, 2)).astype(np.float32)
    y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    X[y == "up"] += 0.5
    pipe = Pipeline.from_string(YAML).fit(X, y)
    r = measure_pipeline(pipe, X[:6], board, tmp_path)
    assert r["agree"] == r["k"] == 6
    assert r["instr_infer"] > 0 and r["instr_hop"] > 0
    assert 0 < r["flash"] and r["ram"] >= r["stack"] > 0
    assert r["instr_per_second"] == pytest.approx(r["instr_hop"] * 50 / pipe.hop)
