"""The MicroPython module of the int8 path (``codegen.micropython.q8``) on the real MicroPython
interpreter: every int8 logit and label equals :meth:`QNet.forward` bit for bit, on test rows
and on rows on / just below the input code boundaries, NaN and inf included."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import skip_or_fail
from int8_cases import boundary_rows, fitted

from sensorflow.codegen.micropython.q8 import q8_module
from sensorflow.mpy import available
from sensorflow.mpy.interp import run
from sensorflow.stages.models.int8 import quantize

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

RUNNER = """
import json
from array import array
import q8net
data = open('/rows.bin', 'rb').read()
x = array('f', data)
n = len(x) // q8net.N_IN
out = []
for r in range(n):
    logits = array('b', bytes(q8net.N_OUT))
    lab = q8net.predict(x[r * q8net.N_IN:(r + 1) * q8net.N_IN], logits)
    out.append([lab] + list(logits))
print(json.dumps(out))
"""


@pytest.mark.parametrize("case, n_classes", [("mlp-relu", 10), ("mlp-tanh-2", 10), ("logistic", 2), ("ridge", 10)])
def test_micropython_equals_reference(case, n_classes):
    reason = available()
    if reason is not None:
        skip_or_fail(reason)
    stage, _, Xte, _ = fitted(case, n_classes)
    net = quantize(stage)
    rows = np.concatenate([Xte[:40], boundary_rows(net, Xte, n=16)]).astype(np.float32)
    res = run(RUNNER, files={"/lib/q8net.py": q8_module(net), "/rows.bin": rows.tobytes()})
    got = np.array(json.loads(res.stdout.strip().splitlines()[-1]), np.int64)
    assert np.array_equal(got[:, 1:], net.forward(net.quantize_input(rows)).astype(np.int64))
    assert np.array_equal(got[:, 0], net.predict_index(rows))
