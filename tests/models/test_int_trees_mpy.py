"""The MicroPython module of an exact integer forest (``codegen.micropython.int_trees``) on
the real MicroPython interpreter: labels and integer sums equal :meth:`IntForest.sums` on test
rows and on rows just below, at and just above every threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import skip_or_fail
from int_tree_cases import integer_case, quantised_case

from sensorflow.codegen.micropython.int_trees import forest_module
from sensorflow.mpy import available
from sensorflow.mpy.interp import run
from sensorflow.stages.models.int_trees import boundary_codes, integer_forest

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

RUNNER = """
import json
from array import array
import int_forest
rows = json.loads(open('/rows.json').read())
out = []
for r in rows:
    sums = array('I', [0] * int_forest.N_CLASSES)
    lab = int_forest.predict(array('{code}', r), sums)
    out.append([lab] + list(sums))
print(json.dumps(out))
"""


@pytest.mark.parametrize("case", ["integer", "int32"])
def test_micropython_equals_reference(case):
    reason = available()
    if reason is not None:
        skip_or_fail(reason)
    if case == "integer":
        stage, codes, Q = integer_case()
    else:
        stage, codes, X = quantised_case(dtype="int32")
        Q = codes.quantize(X)
    forest = integer_forest(stage, codes)
    rows = np.concatenate([Q[:60], boundary_codes(forest, Q[:30])])
    code = "h" if codes.dtype == "int16" else "i"
    res = run(
        RUNNER.replace("{code}", code),
        files={"/lib/int_forest.py": forest_module(forest), "/rows.json": json.dumps(rows.tolist())},
    )
    got = np.array(json.loads(res.stdout.strip().splitlines()[-1]), np.int64)
    assert np.array_equal(got[:, 1:], forest.sums(rows))
    assert np.array_equal(got[:, 0], np.argmax(stage.predict_proba(codes.dequantize(rows)), axis=1))
