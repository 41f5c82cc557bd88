"""Train small networks with the real frameworks on BasicMotions and export them to ONNX with the
frameworks' own exporters, as tests/fixtures/onnx/{torch,keras,keras_tf}_{mlp,conv1d}.onnx.

Made with torch 2.13.0+cpu (``torch.onnx.export(..., dynamo=True)``, its default exporter, with
onnxscript 0.7.2) and Keras 3.15.1 on its torch backend (``model.export(path, format="onnx")``,
which for a model with a free batch size calls torch's TorchScript exporter), onnx 1.23.2, in a
throwaway venv, never sensorflow's own (neither framework is a sensorflow dependency)::

    python3 -m venv fw
    fw/bin/pip install torch==2.13.0 keras==3.15.1 onnx onnxscript \
        numpy scipy scikit-learn pyyaml pydantic pyserial cobs pyelftools matplotlib
    KERAS_BACKEND=torch PYTHONPATH=. fw/bin/python scripts/make_framework_onnx.py --data DIR

(the torch used was its CPU build, ``2.13.0+cpu``). With TensorFlow instead (Keras 3.15.1 on TensorFlow 2.21.0, whose ONNX export is tf2onnx 1.17.0),
the same Keras models become ``keras_tf_{mlp,conv1d}.onnx`` (the MLP with its Normalization folded
into the first Dense layer: see ``fold_normalization``)::

    python3 -m venv tf
    tf/bin/pip install tensorflow==2.21.0 tf2onnx==1.17.0 onnx \
        scipy scikit-learn pyyaml pydantic pyserial cobs pyelftools matplotlib
    KERAS_BACKEND=tensorflow PYTHONPATH=. tf/bin/python scripts/make_framework_onnx.py --data DIR

``DIR`` holds BasicMotions_TRAIN.ts and BasicMotions_TEST.ts (aeon ships them in
``aeon/datasets/data/BasicMotions``; the default when aeon is importable). Only the training part
(40 recordings) is used to train; the tests replay the test part.

The stack traces torch stores in node metadata are dropped (they hold the paths of the machine
that ran this). Running it again writes the same bytes for the torch and Keras-on-torch files;
tf2onnx writes the same weights but numbers its folded constants differently on each run.

* ``*_mlp.onnx``: on the 60 features of the ``gesture`` pipeline's feature stages (stats +
  band_energy); standardisation by the training features' mean and std inside the network
  (torch: a ``(x - mean) / std`` module; Keras: a ``Normalization`` layer), two ReLU hidden
  layers (16, 12), 4 outputs (torch: logits; Keras: softmax).
* ``*_conv1d.onnx``: on the raw window (``gesture_cnn``'s ``frames`` stage): three valid Conv1d
  (16 filters, kernel 5, strides 1, 2, 2) with ReLU, global average pooling over time, a dense
  layer to 4 outputs. torch reads ``(N, 6, 100)`` (channels first; the first conv has a
  BatchNorm1d, which the exporter folds into it), Keras ``(N, 100, 6)``.

Classes are in sorted order: badminton, running, standing, walking.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import yaml

os.environ.setdefault("KERAS_BACKEND", "torch")
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "onnx"
GESTURE = ROOT / "sensorflow" / "resources" / "pipelines" / "gesture.yaml"
SEED = 0


def load(data: Path):
    """(raw windows (n, 100, 6), features (n, 60), labels 0..3, is-train mask) of BasicMotions."""
    from sensorflow.pipeline import Pipeline, run_steps

    cfg = yaml.safe_load(GESTURE.read_text())
    cfg["stages"] = [*cfg["stages"][:-1], {"type": "decision_tree"}]
    pipe = Pipeline.from_string(yaml.safe_dump(cfg))
    ds = pipe.load_data(str(data))
    w = ds.windows(100, 100)
    classes = sorted(set(w.y.tolist()))
    y = np.array([classes.index(v) for v in w.y.tolist()])
    train = np.asarray(ds.fold)[w.recording] == "train"
    X = np.asarray(w.X, dtype=np.float32)
    return X, np.asarray(run_steps(pipe.steps, X), dtype=np.float32), y, train, classes


def drop_stack_traces(path: Path) -> None:
    """torch's exporter stores each node's Python stack trace (file paths of the machine that
    made it) as node metadata; drop those, keep the graph and the other metadata."""
    import onnx

    model = onnx.load(str(path))
    for node in model.graph.node:
        keep = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
        del node.metadata_props[:]
        node.metadata_props.extend(keep)
    onnx.save(model, str(path))


def torch_models(X, F, y, train):
    import torch
    from torch import nn

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    class Standardize(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.register_buffer("mean", torch.tensor(mean))
            self.register_buffer("std", torch.tensor(std))

        def forward(self, x):
            return (x - self.mean) / self.std

    Ft = F[train]
    mlp = nn.Sequential(
        Standardize(Ft.mean(0), Ft.std(0) + 1e-6),
        nn.Linear(F.shape[1], 16),
        nn.ReLU(),
        nn.Linear(16, 12),
        nn.ReLU(),
        nn.Linear(12, 4),
    )
    conv = nn.Sequential(
        nn.Conv1d(6, 16, 5),
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Conv1d(16, 16, 5, stride=2),
        nn.ReLU(),
        nn.Conv1d(16, 16, 5, stride=2),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(16, 4),
    )
    frames = X.transpose(0, 2, 1).copy()  # (N, C, L)
    out = {}
    for name, model, inputs, epochs in [("torch_mlp", mlp, F, 300), ("torch_conv1d", conv, frames, 200)]:
        xt, yt = torch.tensor(inputs[train]), torch.tensor(y[train])
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        model.train()
        for _ in range(epochs):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pred = model(torch.tensor(inputs)).argmax(1).numpy()
        path = OUT / f"{name}.onnx"
        torch.onnx.export(
            model,
            (torch.tensor(inputs[:2]),),
            str(path),
            input_names=["input"],
            output_names=["logits"],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            dynamo=True,
            external_data=False,  # weights inside the .onnx (torch writes a .onnx.data beside it by default)
            verbose=False,
        )
        drop_stack_traces(path)
        out[name] = (pred, path)
    return out


def keras_models(X, F, y, train, prefix="keras"):
    import keras

    keras.utils.set_random_seed(SEED)
    norm = keras.layers.Normalization()
    norm.adapt(F[train])
    mlp = keras.Sequential(
        [
            keras.Input((F.shape[1],), name="features"),
            norm,
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(12, activation="relu"),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    conv = keras.Sequential(
        [
            keras.Input((100, 6), name="frames"),
            keras.layers.Conv1D(16, 5, activation="relu"),
            keras.layers.Conv1D(16, 5, strides=2, activation="relu"),
            keras.layers.Conv1D(16, 5, strides=2, activation="relu"),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    out = {}
    for name, model, inputs, epochs in [(f"{prefix}_mlp", mlp, F, 300), (f"{prefix}_conv1d", conv, X, 200)]:
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
        model.fit(inputs[train], y[train], epochs=epochs, batch_size=40, verbose=0, shuffle=False)
        if name == "keras_tf_mlp":
            model = fold_normalization(keras, model)
        pred = np.argmax(model.predict(inputs, verbose=0), axis=1)
        path = OUT / f"{name}.onnx"
        model.export(str(path), format="onnx", verbose=False)
        out[name] = (pred, path)
    return out


def fold_normalization(keras, model):
    """The same network with its Normalization folded into the first Dense layer. Through
    tf2onnx 1.17 (Keras 3.15 on TensorFlow 2.21) the Normalization's mean stays an extra graph
    input that nobody feeds (onnxruntime asks for it), so the TensorFlow MLP is exported folded."""
    norm, first, *rest = model.layers
    mean = np.asarray(norm.mean, dtype=np.float64).ravel()
    std = np.maximum(np.sqrt(np.asarray(norm.variance, dtype=np.float64).ravel()), 1e-7)  # as Keras divides
    W, b = (np.asarray(v, dtype=np.float64) for v in first.get_weights())
    dense = keras.layers.Dense(W.shape[1], activation=first.activation)
    folded = keras.Sequential([keras.Input((len(mean),), name="features"), dense, *rest])
    dense.set_weights([(W / std[:, None]).astype(np.float32), (b - (mean / std) @ W).astype(np.float32)])
    return folded


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="folder with BasicMotions_TRAIN.ts / _TEST.ts (default: aeon's copy)")
    args = ap.parse_args()
    data = args.data
    if data is None:
        import aeon.datasets

        data = Path(aeon.datasets.__file__).parent / "data" / "BasicMotions"
    X, F, y, train, classes = load(data)
    print(f"BasicMotions: {train.sum()} training / {(~train).sum()} test windows, classes {classes}")
    OUT.mkdir(parents=True, exist_ok=True)
    if os.environ["KERAS_BACKEND"] == "tensorflow":
        made = keras_models(X, F, y, train, prefix="keras_tf")
    else:
        made = {**torch_models(X, F, y, train), **keras_models(X, F, y, train)}
    for pred, path in made.values():
        acc_tr, acc_te = (float(np.mean(pred[m] == y[m])) for m in (train, ~train))
        print(f"{path.name}: {path.stat().st_size} bytes, accuracy train {acc_tr:.3f} test {acc_te:.3f}")


if __name__ == "__main__":
    main()
