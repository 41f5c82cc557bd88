"""onnxruntime as an independent oracle of the int8 path: each layer of the quantised network
as an ONNX graph (MatMulInteger + int32 bias + float requantisation + QuantizeLinear, tables as
DequantizeLinear -> Tanh/Sigmoid -> QuantizeLinear) run on the reference's int8 inputs gives
the reference's int8 outputs, or 1 LSB off where the exact fixed-point value lies on a rounding
half-way point (onnxruntime: float32 multiplier, one rounding half to even; the device: 31-bit
fixed point, gemmlowp's two roundings half away from zero). The whole network from float
features agrees on the labels of nearly every row."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
from int8_cases import CASES, fitted  # noqa: E402

from sensorflow.interop.onnx_q8 import explain, layer_graph, run, table_graph  # noqa: E402
from sensorflow.stages.models.int8 import QMIN, layer_forward, quantize  # noqa: E402

pytest.importorskip("onnxruntime")

HALF_WAY = 1e-4  # output LSB: a table entry is explained when its exact value is this close to x.5


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("n_classes", [10, 2])
def test_each_layer_equals_onnxruntime_within_one_lsb_explained(case, n_classes):
    stage, Xtr, Xte, _ = fitted(case, n_classes)
    net = quantize(stage)
    q = net.quantize_input(np.concatenate([Xtr, Xte]))
    n_diff = 0
    for i, L in enumerate(net.layers):
        want = layer_forward(replace(L, lut=None), q)  # requantised (pre-activation for tables)
        got = run(layer_graph(net, i, table=False), q)
        diff = got.astype(np.int64) - want.astype(np.int64)
        assert np.abs(diff).max() <= 1, f"layer {i}: onnxruntime differs by {np.abs(diff).max()} LSB"
        rows, cols = np.nonzero(diff)
        tie, near = explain(L, q)
        explained = (tie | near)[rows, cols]
        assert np.all(explained), f"layer {i}: {np.sum(~explained)} unexplained differences"
        n_diff += len(rows)
        if L.lut is not None:  # the table: float64 on the host, float32 tanh/sigmoid in onnxruntime
            codes = np.arange(-128, 128, dtype=np.int8)
            tdiff = run(table_graph(L), codes).astype(np.int64) - L.lut
            assert np.abs(tdiff).max() <= 1
            real = (codes[tdiff != 0] - L.zp) * L.scale
            t = (np.tanh(real) if L.act == "tanh" else 1 / (1 + np.exp(-real))) / L.out_scale
            assert np.all(np.abs(t - np.floor(t) - 0.5) < HALF_WAY), "unexplained table differences"
        q = layer_forward(L, q)
    assert n_diff <= 0.05 * q.shape[0] * sum(layer.w.shape[0] for layer in net.layers)  # most are equal


def test_whole_network_from_float_features(tmp_path):
    stage, Xtr, Xte, _ = fitted("mlp-relu")
    net = quantize(stage)
    got = run(layer_graph(net, 0, float_input=True), Xte)
    want = net.forward(net.quantize_input(Xte))
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 2
    assert np.mean(np.argmax(got, axis=1) == net.predict_index(Xte)) >= 0.98
    assert QMIN <= got.min()
