"""The exact integer forest's C on the emulated boards (Cortex-M4F, rv32imc, Xtensa lx106)
through the measuring image: the labels the device computes equal scikit-learn's on test rows
and on rows just below, at and just above every threshold."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_board
from int_tree_cases import quantised_case

from sensorflow.codegen.c.int_trees import forest_source
from sensorflow.device import measure
from sensorflow.errors import ToolMissingError
from sensorflow.stages.models.int_trees import boundary_codes, integer_forest

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def _source(forest, Q: np.ndarray) -> str:
    ctype = "int16_t" if forest.codes.dtype == "int16" else "int32_t"
    rows = ",\n".join("  {" + ", ".join(str(int(v)) for v in r) + "}" for r in Q)
    return (
        "#include <stdint.h>\n"
        + forest_source(forest, "emu_forest", static=True)
        + f"static const {ctype} emu_rows[{len(Q)}][{Q.shape[1]}] = {{\n{rows}\n}};\n"
        "int emu_entry(int i);\n"
        f"int emu_entry(int i)\n{{\n    uint32_t sums[{forest.n_classes}];\n"
        "    return emu_forest(emu_rows[i], sums);\n}\n"
    )


@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106"])
@pytest.mark.parametrize("dtype", ["int16", "int32"])
def test_device_labels_equal_sklearn(tmp_path, board, dtype):
    need_board(board)
    stage, codes, X = quantised_case(dtype=dtype)
    forest = integer_forest(stage, codes)
    Q = codes.quantize(X[:80])
    rows = np.concatenate([Q, boundary_codes(forest, Q)])
    src = tmp_path / "forest.c"
    src.write_text(_source(forest, rows))
    try:
        m = measure.measure_c([src], "emu_entry", board, n_inputs=len(Q), n_results=len(rows), workdir=tmp_path / "img")
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    want = np.argmax(stage.predict_proba(codes.dequantize(rows)), axis=1)
    assert np.array_equal(np.asarray(m.results), want)
    assert m.instructions_per_call > 0
