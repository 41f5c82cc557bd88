"""Linear heads, the scaler and minirocket in the MicroPython export keep their tables as one
``bytes`` literal each, read in place (``rt.f32at`` / ``struct.unpack_from('<f')``; uint8
tables indexed directly): one copy in the heap instead of the literal plus an ``array`` made of
it. A minirocket (keep 1500) + scaler + ridge_classifier module runs on the real interpreter with
labels equal to the host, and the export's heap estimate is not below the heap the interpreter
measures (import + ``Pipeline()``, gc.mem_alloc) nor far above it."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from mphelp import assert_agrees, export_and_run, make_pipeline, need_micropython, synthetic

from sensorflow.codegen.micropython import generate
from sensorflow.codegen.micropython.fragment import MPContext

RIDGE = [{"type": "minirocket", "n_features": 2016, "keep": 1500}, {"type": "scaler"}, {"type": "ridge_classifier"}]


def test_f32_packed_is_one_bytes_copy_of_the_float32_values():
    values = np.random.default_rng(0).standard_normal(1000)
    ctx = MPContext(stage=None, index=2, role="model")
    sym = ctx.f32_packed("coef", values)
    raw = eval(ctx.tables[0].split(" = ", 1)[1])  # the literal as printed
    assert sym == "_S2_COEF" and isinstance(raw, bytes) and len(raw) == 4000
    assert ctx.table_bytes == 4000 + 32 and ctx.literal_bytes == 4000  # one copy, not two
    got = [struct.unpack_from("<f", raw, 4 * i)[0] for i in range(1000)]
    assert np.array_equal(np.asarray(got, dtype=np.float32), values.astype(np.float32))


def test_small_int_table_is_bytes_up_to_255_and_an_array_beyond():
    ctx = MPContext(stage=None, index=0, role="feature")
    ctx.small_int_table("taps", [0, 8, 255])
    assert eval(ctx.tables[0].split(" = ", 1)[1]) == bytes([0, 8, 255]) and ctx.table_bytes == 3 + 32
    ctx.small_int_table("combination", [0, 256])
    assert ctx.tables[1].split(" = ", 1)[1].startswith("array('h'")


def _fitted(stages, n=120, length=29, channels=3, n_classes=3):
    pipe = make_pipeline(stages, channels=channels, length=length)
    X, y = synthetic(n, length, channels, n_classes, seed=2)
    return pipe.fit(X, y), X


@pytest.mark.parametrize(
    "model", [{"type": "ridge_classifier"}, {"type": "logistic", "max_iter": 500}], ids=["ridge", "logistic"]
)
def test_generated_module_reads_the_weights_in_place(model):
    pipe, _X = _fitted([{"type": "minirocket", "n_features": 336, "keep": 60}, {"type": "scaler"}, model])
    text = generate(pipe, {"content_hash": "0" * 64}, "sf_model").text
    for name in ("_S0_BIAS", "_S0_DILATION", "_S1_MEAN", "_S1_SCALE", "_S2_COEF", "_S2_INTERCEPT"):
        line = next(ln for ln in text.splitlines() if ln.startswith(f"{name} = "))
        assert not line.split(" = ", 1)[1].startswith("array("), line[:60]


@pytest.mark.emulator
@pytest.mark.slow
def test_pruned_minirocket_ridge_on_the_interpreter(tmp_path):
    need_micropython()
    pipe, X = _fitted(RIDGE)
    run, report = export_and_run(pipe, X[:12], tmp_path, use_mpy=True)
    assert_agrees(pipe, X[:12], run)
    measured = run.heap_bytes_import + run.heap_bytes_pipeline
    assert measured <= report["ram_bytes"] <= 1.25 * measured, (measured, report)
    # the 9 x 1500 ridge weights, 2 x 1500 scaler values and 1500 biases are held once
    assert report["literal_bytes"] >= 4 * (3 * 1500 + 2 * 1500 + 1500)
    assert report["table_bytes"] < 2 * report["literal_bytes"]
