"""ONNX import: each graph maps onto an existing stage whose numpy outputs equal onnxruntime's
(probabilities within 1e-5, labels exactly) on unseen inputs; unsupported graphs are one-line
errors naming the node, the operator and the supported list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper
from onnxcases import apply, data, fitted, run_ort, to_onnx
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from sensorflow.errors import ConfigError
from sensorflow.interop.onnx_import import SUPPORTED, from_model, load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "onnx"

SKLEARN = {
    "decision_tree": (lambda: DecisionTreeClassifier(max_depth=6, random_state=0), "decision_tree"),
    "forest": (lambda: RandomForestClassifier(6, random_state=0), "random_forest"),
    "extra_trees": (lambda: ExtraTreesClassifier(4, random_state=0), "random_forest"),
    "logistic": (lambda: LogisticRegression(max_iter=2000), "logistic"),
    "linear_svc": (lambda: LinearSVC(), "logistic"),
    "mlp_relu": (lambda: MLPClassifier((8,), max_iter=400, random_state=0), "mlp"),
    "mlp_tanh": (lambda: MLPClassifier((8, 5), activation="tanh", max_iter=400, random_state=0), "mlp"),
    "scaler+logistic": (lambda: make_pipeline(StandardScaler(), LogisticRegression()), "logistic"),
    "scaler+forest": (
        lambda: make_pipeline(StandardScaler(), RandomForestClassifier(3, random_state=0)),
        "random_forest",
    ),
}


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", list(SKLEARN))
def test_skl2onnx_graph_equals_onnxruntime(kind, n_classes):
    make, stage_name = SKLEARN[kind]
    X, y = data(n_classes)
    est = fitted(make(), X[:200], y[:200])
    model = to_onnx(est, X)
    label, scores = run_ort(model, X[200:])[:2]
    imported = from_model(model)
    assert imported.model.name == stage_name
    assert [s.name for s in imported.pre] == (["scaler"] if kind.startswith("scaler") else [])
    labels, proba = apply(imported, X[200:])
    np.testing.assert_array_equal(labels, label)
    np.testing.assert_array_equal(labels, est.predict(X[200:]))
    if hasattr(est, "predict_proba"):  # LinearSVC's scores are decision values, not probabilities
        np.testing.assert_allclose(proba, scores, rtol=0, atol=1e-5)


def test_svm_classifier_maps_to_the_svm_stage():
    """Linear and RBF SVMClassifier graphs map onto ``svm`` (details: test_interop_svm.py)."""
    X, y = data(3)
    for kernel in ("linear", "rbf"):
        est = fitted(SVC(kernel=kernel), X[:200], y[:200])
        model = to_onnx(est, X)
        imported = from_model(model)
        assert imported.model.name == "svm" and imported.model.params.kernel == kernel
        labels, _ = apply(imported, X[200:])
        np.testing.assert_array_equal(labels, run_ort(model, X[200:])[0])


def _softmax(z):
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "name,stage,logits",
    [
        ("torch_conv1d", "conv1d", True),
        ("torch_mlp", "mlp", True),
        ("keras_conv1d", "conv1d", False),
        ("keras_mlp", "mlp", False),
    ],
)
def test_network_fixtures_equal_onnxruntime(name, stage, logits):
    """Graphs in the op patterns of torch.onnx.export / tf2onnx (built with onnx.helper, see
    scripts/make_onnx_fixtures.py; not exported by those frameworks)."""
    import onnx

    path = FIXTURES / f"{name}.onnx"
    imported = load(path)
    assert imported.model.name == stage
    rng = np.random.default_rng(3)
    if stage == "conv1d":
        frames = rng.standard_normal((80, 16, 4)).astype(np.float32)  # (n, steps, channels)
        feed = frames.transpose(0, 2, 1) if name.startswith("torch") else frames
        vectors = frames.reshape(len(frames), -1)
    else:
        vectors = feed = rng.standard_normal((80, 6)).astype(np.float32)
    out = run_ort(onnx.load(str(path)), feed)[0]
    labels, proba = apply(imported, vectors)
    np.testing.assert_array_equal(labels, np.argmax(out, axis=1))
    np.testing.assert_allclose(proba, _softmax(out.astype(np.float64)) if logits else out, rtol=0, atol=1e-5)


# ---------------------------------------------------------------------- graphs built here
def _graph(nodes, inits, d=5, k=3, opset=17, out="y"):
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", d])
    outv = helper.make_tensor_value_info(out, TensorProto.FLOAT, ["n", k])
    tensors = [numpy_helper.from_array(np.asarray(v, dtype=np.float32), n) for n, v in inits.items()]
    g = helper.make_graph(nodes, "g", [inp], [outv], tensors)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def _dense_graph(act_nodes, rng, d=5, h=7, k=3, final="Softmax", bn=False):
    inits = {
        "W1": rng.standard_normal((d, h)),
        "b1": rng.standard_normal(h),
        "W2": rng.standard_normal((k, h)),
        "b2": rng.standard_normal(k),
        "c": [0.5],
    }
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["m1"]), helper.make_node("Add", ["m1", "b1"], ["a1"])]
    cur = "a1"
    if bn:
        inits |= {
            "g": rng.uniform(0.5, 2, h),
            "be": rng.standard_normal(h),
            "mu": rng.standard_normal(h),
            "v": rng.uniform(0.5, 2, h),
        }
        nodes.append(helper.make_node("BatchNormalization", [cur, "g", "be", "mu", "v"], ["bn"], epsilon=1e-3))
        cur = "bn"
    for i, node in enumerate(act_nodes):
        nodes.append(helper.make_node(node[0], [cur, *node[1:]], [f"h{i}"]))
        cur = f"h{i}"
    last = "y" if final is None else "z"
    nodes.append(helper.make_node("Gemm", [cur, "W2", "b2"], [last], transB=1, alpha=0.9))
    if final:
        nodes.append(helper.make_node(final, ["z"], ["y"]))
    return _graph(nodes, inits, d=d, k=k)


@pytest.mark.parametrize(
    "acts,final,bn",
    [
        ([("Relu",)], "Softmax", True),
        ([("Tanh",)], "Softmax", False),
        ([("Sigmoid",)], None, False),
        ([("Clip", "", "")], "Softmax", False),
        ([("Mul", "c"), ("Relu",)], "Softmax", True),
    ],
)
def test_helper_built_dense_graphs(acts, final, bn):
    rng = np.random.default_rng(len(acts) + bn)
    if acts[0][0] == "Clip":  # Clip(0, inf) as relu, bounds as inputs (opset >= 11)
        model = _dense_graph([("Clip", "lo")], rng, final=final)
        model.graph.initializer.append(numpy_helper.from_array(np.float32(0.0), "lo"))
    else:
        model = _dense_graph(acts, rng, final=final, bn=bn)
    X = rng.standard_normal((60, 5)).astype(np.float32)
    out = run_ort(model, X)[0]
    imported = from_model(model)
    labels, proba = apply(imported, X)
    np.testing.assert_array_equal(labels, np.argmax(out, axis=1))
    np.testing.assert_allclose(proba, out if final else _softmax(out.astype(np.float64)), rtol=0, atol=1e-5)


def _err(model, *parts):
    with pytest.raises(ConfigError) as info:
        from_model(model, source="m.onnx")
    text = str(info.value)
    assert "\n" not in text
    for p in parts:
        assert p in text, text
    return text


def test_unsupported_operator_names_node_operator_and_supported_list(rng):
    model = _graph([helper.make_node("Erf", ["x"], ["y"], name="the_erf")], {}, k=5)
    _err(model, "m.onnx: node 'the_erf' (Erf)", f"supported operators: {SUPPORTED}")
    clip6 = _dense_graph([("Clip", "lo", "hi")], rng)
    clip6.graph.initializer.extend(
        [numpy_helper.from_array(np.float32(0), "lo"), numpy_helper.from_array(np.float32(6), "hi")]
    )
    _err(clip6, "(Clip)", "Clip(0.0, 6.0) has no mlp activation")
    two = _dense_graph([("Relu",)], rng)
    two.graph.node.insert(0, helper.make_node("Add", ["x", "x"], ["xx"], name="twice"))
    two.graph.node[1].input[0] = "xx"
    _err(two, "node 'twice' (Add)", "computed inputs")


def test_structure_errors_are_one_line(rng):
    text = _err(_dense_graph([("Relu",), ("Gemm", "W2")], rng), "m.onnx")
    assert "supported" in text or "activation" in text
    padded = onnx_conv_graph(pads=[1, 1])
    _err(padded, "(Conv)", "padding")


def onnx_conv_graph(pads=(0, 0), pool="GlobalMaxPool"):
    rng = np.random.default_rng(5)
    inp = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, 12])
    outv = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])
    inits = {
        "W": rng.standard_normal((4, 3, 3)),
        "b": rng.standard_normal(4),
        "F": rng.standard_normal((2, 4)),
        "fb": rng.standard_normal(2),
    }
    nodes = [
        helper.make_node("Conv", ["x", "W", "b"], ["c"], name="conv", kernel_shape=[3], pads=list(pads)),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node(pool, ["r"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "F", "fb"], ["y"], transB=1),
    ]
    tensors = [numpy_helper.from_array(np.asarray(v, dtype=np.float32), n) for n, v in inits.items()]
    return helper.make_model(
        helper.make_graph(nodes, "c", [inp], [outv], tensors), opset_imports=[helper.make_opsetid("", 17)]
    )


def test_global_max_pool_conv_network():
    model = onnx_conv_graph()
    frames = np.random.default_rng(0).standard_normal((40, 12, 3)).astype(np.float32)
    out = run_ort(model, frames.transpose(0, 2, 1))[0]
    imported = from_model(model)
    assert imported.model.params.pool == "max"
    labels, proba = apply(imported, frames.reshape(40, -1))
    np.testing.assert_array_equal(labels, np.argmax(out, axis=1))
    np.testing.assert_allclose(proba, _softmax(out.astype(np.float64)), rtol=0, atol=1e-5)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(ConfigError, match="no such ONNX file"):
        load(tmp_path / "none.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"\x00garbage")
    with pytest.raises(ConfigError, match="not a readable ONNX model"):
        load(tmp_path / "bad.onnx")


# ---------------------------------------------------------------------- in a pipeline
PIPE = {
    "name": "imp",
    "sensor": {"kind": "generic", "sample_rate": 100.0, "channels": ["a", "b"]},
    "window": {"length": 64},
    "stages": [{"type": "stats", "functions": ["mean", "std", "rms"]}, {"type": "onnx", "path": "model.onnx"}],
}


def windows(n=150, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    W = (rng.standard_normal((n, 64, 2)) * (1 + 0.5 * y[:, None, None]) + 0.3 * y[:, None, None]).astype(np.float32)
    return W, y


def features(W):
    from sensorflow.pipeline import Pipeline, run_steps

    cfg = dict(PIPE, stages=[PIPE["stages"][0], {"type": "decision_tree"}])
    return run_steps(Pipeline.from_string(yaml.safe_dump(cfg)).steps, W)


def test_type_onnx_in_yaml_trains_and_saves_arrays_not_the_file(tmp_path):
    from sensorflow import artifact
    from sensorflow.pipeline import Pipeline

    W, y = windows()
    F = features(W)
    est = fitted(make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=500, random_state=0)), F[:100], y[:100])
    model = to_onnx(est, F)
    (tmp_path / "model.onnx").write_bytes(model.SerializeToString())
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(PIPE))
    pipe = Pipeline.from_yaml(tmp_path / "p.yaml")
    assert [s.name for s in pipe.stages] == ["stats", "scaler", "mlp"]  # the ONNX Scaler is a scaler stage
    pipe.fit(W[:100], y[:100])  # fits the feature stages; the imported weights stay
    ort_labels, ort_proba = run_ort(model, F[100:])[:2]
    np.testing.assert_array_equal(pipe.predict(W[100:]), ort_labels)
    np.testing.assert_allclose(pipe.predict_proba(W[100:]), ort_proba, rtol=0, atol=1e-5)
    art = artifact.save(pipe, tmp_path / "art")
    assert not list(art.glob("*.onnx"))
    (tmp_path / "model.onnx").unlink()
    again, _ = artifact.load(art)
    np.testing.assert_array_equal(again.predict(W[100:]), ort_labels)


def test_type_onnx_width_mismatch_is_located(tmp_path):
    from sensorflow.pipeline import Pipeline

    W, y = windows(60)
    F = features(W)
    est = fitted(LogisticRegression(), F[:, :4], y)
    (tmp_path / "model.onnx").write_bytes(to_onnx(est, F[:, :4]).SerializeToString())
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(PIPE))
    with pytest.raises(
        ConfigError, match=r"p\.yaml:\d+: .*model\.onnx takes 4 features but the stages before it compute 6"
    ):
        Pipeline.from_yaml(tmp_path / "p.yaml")
    PIPE2 = dict(PIPE, stages=[PIPE["stages"][0], {"type": "onnx", "path": "nope.onnx"}])
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(PIPE2))
    with pytest.raises(ConfigError, match=r"q\.yaml:\d+: stages\[1\]\.path: .*nope\.onnx: no such ONNX file"):
        Pipeline.from_yaml(tmp_path / "q.yaml")


def make_import_case(tmp_path, est_factory, n=150):
    """BASE pipeline with an npz dataset (predefined split) and an ONNX model trained on its
    features of the training part. Returns (base yaml, onnx path, est, features, labels)."""
    W, y = windows(n)
    F = features(W)
    fold = np.where(np.arange(n) < 100, "train", "test")
    np.savez(tmp_path / "d.npz", X=W, y=y, fold=fold)
    cfg = dict(PIPE, stages=[PIPE["stages"][0], {"type": "decision_tree"}])
    cfg["dataset"] = {"loader": "npz", "path": str(tmp_path / "d.npz"), "split": {"by": "predefined"}}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(cfg))
    est = fitted(est_factory(), F[:100], y[:100])
    (tmp_path / "model.onnx").write_bytes(to_onnx(est, F).SerializeToString())
    return tmp_path / "base.yaml", tmp_path / "model.onnx", est, F, y


def test_import_command_builds_an_artifact_with_held_out_windows(tmp_path, capsys):
    import json

    from sensorflow import artifact
    from sensorflow.cli import main

    base, onnx_path, est, F, y = make_import_case(
        tmp_path, lambda: RandomForestClassifier(5, max_depth=5, random_state=0)
    )
    rc = main(["import", str(onnx_path), "--pipeline", str(base), "--out", str(tmp_path / "art"), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert rc == 0, result
    assert result["stage"] == "random_forest"
    assert result["accuracy"] == pytest.approx(float(np.mean(est.predict(F[100:]) == y[100:])))
    pipe, meta = artifact.load(tmp_path / "art")
    Xt = artifact.load_array(tmp_path / "art", "test_windows")
    assert len(Xt) == 50
    np.testing.assert_array_equal(pipe.predict(Xt), est.predict(F[100:]))
    rc = main(["import", str(tmp_path / "nope.onnx"), "--pipeline", str(base), "--out", str(tmp_path / "x")])
    assert rc == 2


def test_train_command_on_a_type_onnx_pipeline_keeps_the_model(tmp_path, capsys):
    import json

    from sensorflow.cli import main

    base, onnx_path, est, F, y = make_import_case(tmp_path, lambda: LogisticRegression(max_iter=2000))
    cfg = yaml.safe_load(base.read_text())
    cfg["stages"][1] = {"type": "onnx", "path": onnx_path.name}
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(cfg))
    rc = main(["train", str(tmp_path / "p.yaml"), "--out", str(tmp_path / "art"), "--json", "--no-progress"])
    result = json.loads(capsys.readouterr().out)
    assert rc == 0, result
    assert result["cv"] is None  # cross-validation would re-fit a fresh logistic, not the imported one
    assert result["accuracy"] == pytest.approx(float(np.mean(run_ort(to_onnx(est, F), F[100:])[0] == y[100:])))


def test_regressors_and_quantised_graphs_are_named_errors():
    from sklearn.ensemble import RandomForestRegressor

    X, y = data(2)
    reg = fitted(RandomForestRegressor(3, max_depth=3, random_state=0), X, y.astype(float))
    _err(to_onnx(reg, X), "(TreeEnsembleRegressor)", "no regression stage yet")
    q = _graph([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], name="q")], {"s": 0.1}, k=5)
    q.graph.initializer.append(numpy_helper.from_array(np.uint8(0), "z"))
    _err(q, "node 'q' (QuantizeLinear)", "no integer model path")
