"""Shared fixtures. Emulator/toolchain tests skip with the package to install when a tool
is missing on a developer machine, but fail in CI (CI=true), where .ci/run installs them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]

# a pipeline whose data comes from a dataset recipe: RECIPE_PIPELINE % (recipe name, indented option lines);
# the options start on line 11
RECIPE_PIPELINE = """name: ww
sensor: {kind: audio, sample_rate: 16000, channels: [mic]}
window: {length_ms: 1000}
stages:
  - type: stats
    functions: [rms]
  - type: decision_tree
dataset:
  loader: recipe
  name: %s
  options:
%s"""

TOOL_PACKAGES = {
    "arm-none-eabi-gcc": "gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "riscv64-unknown-elf-gcc": "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
    "qemu-system-arm": "qemu-system-arm",
    "qemu-system-riscv32": "qemu-system-misc",
    "xtensa-lx106-elf-gcc": "gcc-xtensa-lx106 picolibc-xtensa-lx106-elf",
    "qemu-system-xtensa": "qemu-system-misc",
    "espeak-ng": "espeak-ng",
    "sox": "sox",
    "node": "nodejs",
    "cc": "gcc",
}


# the emulated boards the bit-exact kernel tests run on, as ("board, defines") parameters: the
# Cortex-M4F with its DSP instructions and with its portable C (-DSF_Q15_PORTABLE), rv32imc, lx106
Q15_BOARDS = [
    pytest.param("qemu-mps2-an386", (), id="m4f-dsp"),
    pytest.param("qemu-mps2-an386", ("SF_Q15_PORTABLE",), id="m4f-portable"),
    pytest.param("qemu-riscv32", (), id="rv32imc"),
    pytest.param("qemu-xtensa-lx106", (), id="lx106"),
]


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``, or fail under CI (CI set), where every tool is installed."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def need_tools(*tools: str) -> None:
    """Skip (or fail under CI) unless every tool is on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    pkgs = " ".join(TOOL_PACKAGES.get(t, t) for t in missing)
    skip_or_fail(f"missing {', '.join(missing)}; install with: apt-get install --no-install-recommends {pkgs}")


def need_board(board: str) -> None:
    """Skip (or fail under CI) unless the emulated ``board``'s cross toolchain and QEMU are
    installed (``sensorflow.device.measure.tools_available``)."""
    from sensorflow.device import measure

    why = measure.tools_available(board)
    if why:
        skip_or_fail(why)


@pytest.fixture(autouse=True)
def _numpy_default_error_state():
    """Each test starts from numpy's default floating-point error handling: some peers
    (emlearn.bayes) call numpy.seterr(all="raise") when imported, which would leak."""
    old = np.seterr(divide="warn", over="warn", under="ignore", invalid="warn")
    yield
    np.seterr(**old)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def repo() -> Path:
    return REPO
