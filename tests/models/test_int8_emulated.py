"""The int8 path's C on the emulated boards through the measuring image: Cortex-M4F (the
SMLAD/SXTB16 dot product, ``__ARM_FEATURE_DSP``), rv32imc and Cortex-M0+ / Xtensa lx106 where
their tools are installed (the portable C). Every int8 logit and label the device computes
equals the numpy reference bit for bit, boundary, NaN and inf rows included; the float path of
the same stage is measured alongside (instructions per classification, not asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_board
from int8_cases import boundary_rows, fitted, stage_program

from sensorflow.device import measure
from sensorflow.errors import ToolMissingError
from sensorflow.stages.models.int8 import quantize

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def run_on(board: str, stage, rows: np.ndarray, numeric: str, work):
    src, files = stage_program(stage, rows, numeric)
    work.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (work / name).write_text(text)
    (work / "main.c").write_text(src)
    cs = [work / "main.c"] + [work / n for n in files if n.endswith(".c")]
    return measure.measure_c(cs, "q8_entry", board, n_inputs=len(rows), include_dirs=[work], workdir=work / "img")


@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"])
@pytest.mark.parametrize("case, n_classes", [("mlp-relu", 10), ("mlp-tanh-2", 10), ("logistic", 2)])
def test_device_logits_equal_reference(tmp_path, board, case, n_classes):
    need_board(board)
    stage, _, Xte, _ = fitted(case, n_classes)
    net = quantize(stage)
    rows = np.concatenate([Xte[:24], boundary_rows(net, Xte, n=12)]).astype(np.float32)
    try:
        m = run_on(board, stage, rows, "int8", tmp_path / "int8")
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    assert np.array_equal(np.asarray(m.results), net.predict_index(rows))
    words = np.array(m.words, dtype=np.uint32).view(np.int32).reshape(len(rows), net.n_out)
    assert np.array_equal(words, net.forward(net.quantize_input(rows)).astype(np.int32))
    assert m.instructions_per_call > 0
