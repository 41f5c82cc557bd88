"""Write the ``pattern_*.onnx`` networks under tests/fixtures/onnx/ (run from the repository
root: ``python scripts/make_onnx_fixtures.py``).

These graphs were NOT exported by torch.onnx.export or tf2onnx: they are built with
``onnx.helper`` to reproduce the operator patterns of torch's TorchScript exporter (with a
BatchNormalization kept) and the pattern assumed for tf2onnx (tf2onnx 1.17 in fact writes Keras'
Conv1D as a 2-D Conv over a unit axis, see keras_tf_conv1d.onnx) for a small Conv1d / dense
network, with seeded random weights. The networks the real frameworks trained and exported
(PyTorch 2.13, Keras 3.15 on torch and on TensorFlow 2.21) are ``torch_*.onnx`` / ``keras_*.onnx``, made by
scripts/make_framework_onnx.py.

* ``pattern_torch_conv1d.onnx``: input (N, C, L); Conv+BatchNormalization+Relu, Conv+Relu,
  GlobalAveragePool, Flatten, Gemm(transB=1) -- logits, as ``torch.onnx.export(dynamo=False)`` of
  ``nn.Conv1d / nn.BatchNorm1d / nn.ReLU / nn.AdaptiveAvgPool1d(1) / nn.Flatten / nn.Linear``
  writes them, but with the BatchNormalization kept (torch 2.13 folds it into the Conv).
* ``pattern_torch_mlp.onnx``: Gemm(transB=1)+Relu, Gemm(transB=1)+Relu, Gemm(transB=1) -- logits.
* ``pattern_tf2onnx_conv1d.onnx``: input (N, L, C); Transpose(0,2,1), Conv, Relu, Transpose(0,2,1),
  ReduceMean(axes=[1]), MatMul, Add, Softmax -- ``Conv1D`` channels-last, transposed around
  an NCL Conv; ``GlobalAveragePooling1D`` and ``Dense(softmax)``.
* ``pattern_tf2onnx_mlp.onnx``: MatMul+Add+Relu twice, then
  MatMul+Add+Softmax -- as tf2onnx writes ``Dense`` layers.

The tests only rely on onnxruntime running the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "onnx"


def _init(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def _model(nodes, inits, inp, out, opset, producer):
    graph = helper.make_graph(nodes, producer, [inp], [out], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer)
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def torch_conv1d(rng, c=4, steps=16, classes=3):
    f1, f2, k = 6, 5, 3
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", c, steps])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])
    inits = [
        _init("conv1.weight", rng.standard_normal((f1, c, k)) * 0.5),
        _init("conv1.bias", rng.standard_normal(f1) * 0.1),
        _init("bn1.weight", rng.uniform(0.5, 1.5, f1)),
        _init("bn1.bias", rng.standard_normal(f1) * 0.1),
        _init("bn1.running_mean", rng.standard_normal(f1) * 0.2),
        _init("bn1.running_var", rng.uniform(0.5, 2.0, f1)),
        _init("conv2.weight", rng.standard_normal((f2, f1, k)) * 0.4),
        _init("conv2.bias", rng.standard_normal(f2) * 0.1),
        _init("fc.weight", rng.standard_normal((classes, f2))),
        _init("fc.bias", rng.standard_normal(classes) * 0.1),
    ]
    conv = dict(kernel_shape=[k], pads=[0, 0], strides=[1], dilations=[1], group=1)
    nodes = [
        helper.make_node(
            "Conv", ["input", "conv1.weight", "conv1.bias"], ["/conv1/Conv_output_0"], "/conv1/Conv", **conv
        ),
        helper.make_node(
            "BatchNormalization",
            ["/conv1/Conv_output_0", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"],
            ["/bn1/BatchNormalization_output_0"],
            "/bn1/BatchNormalization",
            epsilon=1e-5,
        ),
        helper.make_node("Relu", ["/bn1/BatchNormalization_output_0"], ["/relu1/Relu_output_0"], "/relu1/Relu"),
        helper.make_node(
            "Conv",
            ["/relu1/Relu_output_0", "conv2.weight", "conv2.bias"],
            ["/conv2/Conv_output_0"],
            "/conv2/Conv",
            kernel_shape=[k],
            pads=[0, 0],
            strides=[2],
            dilations=[1],
            group=1,
        ),
        helper.make_node("Relu", ["/conv2/Conv_output_0"], ["/relu2/Relu_output_0"], "/relu2/Relu"),
        helper.make_node(
            "GlobalAveragePool",
            ["/relu2/Relu_output_0"],
            ["/pool/GlobalAveragePool_output_0"],
            "/pool/GlobalAveragePool",
        ),
        helper.make_node(
            "Flatten", ["/pool/GlobalAveragePool_output_0"], ["/flatten/Flatten_output_0"], "/flatten/Flatten", axis=1
        ),
        helper.make_node(
            "Gemm",
            ["/flatten/Flatten_output_0", "fc.weight", "fc.bias"],
            ["logits"],
            "/fc/Gemm",
            alpha=1.0,
            beta=1.0,
            transB=1,
        ),
    ]
    return _model(nodes, inits, inp, out, 17, "pytorch-pattern")


def torch_mlp(rng, d=6, classes=3):
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", d])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])
    sizes = [d, 10, 8, classes]
    inits, nodes, cur = [], [], "input"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        inits += [
            _init(f"fc{i}.weight", rng.standard_normal((b, a)) / np.sqrt(a)),
            _init(f"fc{i}.bias", rng.standard_normal(b) * 0.1),
        ]
        last = i == len(sizes) - 2
        g_out = "logits" if last else f"/fc{i}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [cur, f"fc{i}.weight", f"fc{i}.bias"], [g_out], f"/fc{i}/Gemm", transB=1))
        if not last:
            nodes.append(helper.make_node("Relu", [g_out], [f"/act{i}/Relu_output_0"], f"/act{i}/Relu"))
            cur = f"/act{i}/Relu_output_0"
    return _model(nodes, inits, inp, out, 17, "pytorch-pattern")


def keras_conv1d(rng, c=4, steps=16, classes=3):
    f1, k = 6, 3
    inp = helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__0", steps, c])
    out = helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["unk__1", classes])
    inits = [
        _init("conv1d/kernel", rng.standard_normal((f1, c, k)) * 0.5),
        _init("conv1d/bias", rng.standard_normal(f1) * 0.1),
        _init("dense/kernel", rng.standard_normal((f1, classes))),
        _init("dense/bias", rng.standard_normal(classes) * 0.1),
    ]
    nodes = [
        helper.make_node("Transpose", ["input_1"], ["conv1d__6:0"], "conv1d__6", perm=[0, 2, 1]),
        helper.make_node(
            "Conv",
            ["conv1d__6:0", "conv1d/kernel", "conv1d/bias"],
            ["conv1d/BiasAdd:0"],
            "conv1d/Conv",
            kernel_shape=[k],
            strides=[1],
            dilations=[1],
            group=1,
        ),
        helper.make_node("Relu", ["conv1d/BiasAdd:0"], ["conv1d/Relu:0"], "conv1d/Relu"),
        helper.make_node("Transpose", ["conv1d/Relu:0"], ["conv1d__8:0"], "conv1d__8", perm=[0, 2, 1]),
        helper.make_node(
            "ReduceMean",
            ["conv1d__8:0"],
            ["global_average_pooling1d/Mean:0"],
            "global_average_pooling1d/Mean",
            axes=[1],
            keepdims=0,
        ),
        helper.make_node(
            "MatMul", ["global_average_pooling1d/Mean:0", "dense/kernel"], ["dense/MatMul:0"], "dense/MatMul"
        ),
        helper.make_node("Add", ["dense/MatMul:0", "dense/bias"], ["dense/BiasAdd:0"], "dense/BiasAdd"),
        helper.make_node("Softmax", ["dense/BiasAdd:0"], ["dense"], "dense/Softmax", axis=-1),
    ]
    return _model(nodes, inits, inp, out, 13, "tf2onnx-pattern")


def keras_mlp(rng, d=6, classes=3):
    inp = helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["unk__0", d])
    out = helper.make_tensor_value_info("dense_2", TensorProto.FLOAT, ["unk__1", classes])
    sizes = [d, 12, 8, classes]
    inits, nodes, cur = [], [], "input_1"
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        name = f"dense_{i}" if i else "dense"
        inits += [
            _init(f"{name}/kernel", rng.standard_normal((a, b)) / np.sqrt(a)),
            _init(f"{name}/bias", rng.standard_normal(b) * 0.1),
        ]
        nodes.append(helper.make_node("MatMul", [cur, f"{name}/kernel"], [f"{name}/MatMul:0"], f"{name}/MatMul"))
        nodes.append(
            helper.make_node("Add", [f"{name}/MatMul:0", f"{name}/bias"], [f"{name}/BiasAdd:0"], f"{name}/BiasAdd")
        )
        last = i == len(sizes) - 2
        act, out_name = ("Softmax", "dense_2") if last else ("Relu", f"{name}/Relu:0")
        nodes.append(helper.make_node(act, [f"{name}/BiasAdd:0"], [out_name], f"{name}/{act}"))
        cur = out_name
    return _model(nodes, inits, inp, out, 13, "tf2onnx-pattern")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    names = ["pattern_torch_conv1d", "pattern_torch_mlp", "pattern_tf2onnx_conv1d", "pattern_tf2onnx_mlp"]
    for i, (fn, name) in enumerate(zip([torch_conv1d, torch_mlp, keras_conv1d, keras_mlp], names)):
        model = fn(np.random.default_rng(100 + i))
        path = OUT / f"{name}.onnx"
        onnx.save(model, str(path))
        print(f"wrote {path.name} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
