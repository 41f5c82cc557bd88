"""``SVC`` in and out of sensorflow, with scikit-learn and onnxruntime as oracles: ``from_sklearn``
and skl2onnx's SVMClassifier map to the ``svm`` stage (labels identical to SVC's and
onnxruntime's, decision function within 1e-5 of onnxruntime's float32 graph), ``export --lang
onnx`` of an ``svm`` runs in onnxruntime and imports back, the C and MicroPython exports of an
imported SVM give onnxruntime's answers, and the emulated boards agree with the host on every
held-out window."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import yaml
from onnxcases import data, fitted, run_ort
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from test_interop_onnx_import import PIPE, features, make_import_case, windows

import sensorflow
from sensorflow.errors import ConfigError
from sensorflow.interop.onnx_export import to_onnx as sf_to_onnx
from sensorflow.interop.onnx_import import from_model
from sensorflow.pipeline import Pipeline
from sensorflow.stages.models.svm import ovo_votes

KERNELS = {
    "linear": lambda: SVC(kernel="linear", C=0.5),
    "rbf": lambda: SVC(kernel="rbf", C=2.0),
    "rbf_gamma": lambda: SVC(kernel="rbf", gamma=0.2),
    "poly": lambda: SVC(kernel="poly", degree=2, coef0=1.0),
}


def to_onnx(est, X):
    """skl2onnx's graph of an SVC (or a pipeline ending in one), scores as a tensor (no ZipMap)."""
    skl2onnx = pytest.importorskip("skl2onnx")
    last = est.steps[-1][1] if hasattr(est, "steps") else est
    return skl2onnx.to_onnx(est, X[:1], options={id(last): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})


def _probe(X, y, n=600, seed=0):
    """Held-out-like vectors and means of three training vectors of three classes (vote ties)."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    if len(classes) < 3:
        return X
    picks = [rng.choice(np.flatnonzero(y == c), n) for c in classes[:3]]
    return np.concatenate([X, np.mean([X[i] for i in picks], axis=0)]).astype(np.float32)


def _ties(stage, X):
    if stage.n_classes == 2:
        return np.zeros(len(X), dtype=bool)
    v = ovo_votes(stage.ovo_decision(X), stage.n_classes)
    return (v == v.max(1, keepdims=True)).sum(1) > 1


def _ort_scores_as_stage(scores, k):
    """onnxruntime's SVC scores in the stage's layout: its two-class columns are [d, -d]."""
    return scores[:, ::-1] if k == 2 else scores


@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("kind", list(KERNELS))
def test_from_sklearn_equals_svc(kind, n_classes):
    X, y = data(n_classes)
    est = fitted(KERNELS[kind](), X[:200], y[:200])
    stage = sensorflow.from_sklearn(est)
    assert stage.name == "svm" and stage.params.kernel == est.kernel
    Xt = _probe(X[200:], y[200:])
    np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    np.testing.assert_allclose(stage.decision_function(Xt), est.decision_function(Xt), rtol=1e-9, atol=1e-9)


def test_from_sklearn_string_labels_break_ties_and_refusals():
    X, y = data(3)
    names = np.array(["idle", "walk", "run"])[y]
    est = fitted(SVC(break_ties=True), X[:200], names[:200])
    stage = sensorflow.from_sklearn(est)
    assert stage.classes_ == ["idle", "run", "walk"] and stage.params.break_ties
    Xt = _probe(X[200:], y[200:])
    np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    with pytest.raises(ConfigError, match="SVC\\(kernel='sigmoid'\\) has no stage"):
        sensorflow.from_sklearn(fitted(SVC(kernel="sigmoid"), X[:200], y[:200]))


def test_from_sklearn_into_a_pipeline(tmp_path):
    W, y = windows(150)
    F = features(W)
    est = fitted(SVC(), F[:100], y[:100])
    base = dict(PIPE, stages=[PIPE["stages"][0], {"type": "decision_tree"}])
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(base))
    pipe = sensorflow.from_sklearn(est, pipeline=tmp_path / "p.yaml").fit(W[:100], y[:100])
    assert [s.name for s in pipe.stages] == ["stats", "svm"]
    np.testing.assert_array_equal(pipe.predict(W[100:]), est.predict(F[100:]))


@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("kind", list(KERNELS))
def test_skl2onnx_svm_classifier_equals_onnxruntime(kind, n_classes):
    X, y = data(n_classes)
    est = fitted(KERNELS[kind](), X[:200], y[:200])
    model = to_onnx(est, X)
    Xt = _probe(X[200:], y[200:])
    label, scores = run_ort(model, Xt)[:2]
    stage = from_model(model).model
    assert stage.name == "svm" and not stage.params.break_ties
    np.testing.assert_array_equal(stage.predict(Xt), label)
    np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    ours = stage.predict_proba(Xt)
    ort = _ort_scores_as_stage(scores, n_classes)
    d = est.decision_function(Xt)
    sk = np.stack([-d, d], 1) if n_classes == 2 else d
    # onnxruntime's SVMClassifier sums in float32: it is within 1e-5 of scikit-learn relative
    # to the largest |decision value| (measured up to 1.5e-5 absolute on values ~2); the stage
    # computes in float64 from the graph's float32 parameters (measured within 1.1e-6 of
    # scikit-learn), so the two differ by onnxruntime's rounding
    tol = 1e-5 * max(1.0, float(np.abs(sk).max()))
    plain = ~_ties(stage, Xt)
    np.testing.assert_allclose(ort, sk, rtol=0, atol=tol)
    np.testing.assert_allclose(ours[plain], sk[plain], rtol=0, atol=1e-5)
    np.testing.assert_allclose(ours[plain], ort[plain], rtol=0, atol=tol)
    if n_classes > 2:
        # at a vote tie onnxruntime's (and scikit-learn's) ovr scores may put another class first;
        # the stage's are one vote lower for the tied classes after the lowest (its label's rule)
        np.testing.assert_allclose(stage.decision_function(Xt), sk, rtol=0, atol=1e-5)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # SVC(probability=True) is deprecated in scikit-learn 1.9
def test_skl2onnx_scaler_then_svm_and_named_errors():
    X, y = data(3)
    est = fitted(make_pipeline(StandardScaler(), SVC()), X[:200], y[:200])
    imported = from_model(to_onnx(est, X))
    assert [s.name for s in imported.pre] == ["scaler"] and imported.model.name == "svm"
    Z = imported.pre[0].transform(X[200:])
    np.testing.assert_array_equal(imported.model.predict(Z), run_ort(to_onnx(est, X), X[200:])[0])
    with pytest.raises(ConfigError, match=r"\(SVMClassifier\): kernel SIGMOID: the svm stage has LINEAR, RBF"):
        from_model(to_onnx(fitted(SVC(kernel="sigmoid"), X[:200], y[:200]), X))
    with pytest.raises(ConfigError, match=r"\(SVMClassifier\): Platt-scaled probabilities"):
        from_model(to_onnx(fitted(SVC(probability=True, random_state=0), X[:200], y[:200]), X))


SVM_STAGES = [
    {"type": "svm"},
    {"type": "svm", "kernel": "linear", "C": 0.3},
    {"type": "svm", "kernel": "poly", "degree": 2, "coef0": 1.0},
    {"type": "svm", "break_ties": True},
]


@pytest.mark.parametrize("labels", [None, ["a", "b", "c", "d"]])
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("model", SVM_STAGES, ids=lambda m: m.get("kernel", "rbf") + str(m.get("break_ties", "")))
def test_onnx_export_runs_in_onnxruntime_and_round_trips(model, n_classes, labels):
    from test_interop_onnx_export import fitted_pipeline

    from sensorflow.pipeline import run_steps

    pipe, W = fitted_pipeline(model, "standard", n_classes, labels=labels[:n_classes] if labels else None)
    onnx_model, outside = sf_to_onnx(pipe)
    assert outside == ["stats"]
    F = run_steps(pipe.steps[:1], W)
    label, proba = run_ort(onnx_model, F)
    np.testing.assert_array_equal(label, pipe.predict(W))
    np.testing.assert_allclose(proba, pipe.predict_proba(W), rtol=0, atol=1e-5)
    back = from_model(onnx_model)
    assert back.model.name == "svm"
    assert back.model.params.break_ties == (model.get("break_ties", False) and n_classes > 2)
    Z = back.pre[0].transform(F)
    np.testing.assert_array_equal(back.model.predict(Z), pipe.predict(W))
    np.testing.assert_allclose(back.model.predict_proba(Z), pipe.predict_proba(W), rtol=0, atol=1e-5)


def test_onnx_export_keeps_the_tie_rule():
    """On vectors where the one-vs-one votes tie, onnxruntime's export gives the stage's labels
    (the lowest tied class) and scores."""
    X, y = data(4, n=400)
    s = sensorflow.from_sklearn(fitted(SVC(), X[:300], y[:300]))
    Xt = _probe(X[300:], y[300:], n=3000, seed=3)
    assert _ties(s, Xt).sum() > 0
    label, proba = run_ort(sf_to_onnx(s)[0], Xt)
    np.testing.assert_array_equal(label, s.predict(Xt))
    np.testing.assert_allclose(proba, s.predict_proba(Xt), rtol=0, atol=1e-5)


# ---------------------------------------------------------------------- C, MicroPython, boards
IMPORT_MODELS = {
    "svm_rbf": lambda: make_pipeline(StandardScaler(), SVC(C=3.0)),
    "svm_linear": lambda: make_pipeline(StandardScaler(), SVC(kernel="linear")),
}


def _imported(tmp_path, kind):
    W, y = windows(150)
    F = features(W)
    est = fitted(IMPORT_MODELS[kind](), F[:100], y[:100])
    model = to_onnx(est, F)
    (tmp_path / "model.onnx").write_bytes(model.SerializeToString())
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(PIPE))
    pipe = Pipeline.from_yaml(tmp_path / "p.yaml").fit(W[:100], y[:100])
    assert [s.name for s in pipe.stages] == ["stats", "scaler", "svm"]
    return pipe, model, W[100:], F[100:]


def _check_against_ort(pipe, model, F, labels, scores):
    ort_labels, ort_scores = run_ort(model, F)[:2]
    np.testing.assert_array_equal(pipe.classes_[labels], ort_labels)
    plain = ~_ties(pipe.model, _scaled(pipe, F))
    np.testing.assert_allclose(np.asarray(scores)[plain], ort_scores[plain], rtol=0, atol=1e-5)


def _scaled(pipe, F):
    return [s for s in pipe.stages if s.name == "scaler"][0].transform(F)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(IMPORT_MODELS))
def test_c_export_of_imported_svm_gives_onnxruntime_answers(tmp_path, kind):
    from conftest import need_tools

    from sensorflow.testing import ccompare

    need_tools("cc")
    pipe, model, W, F = _imported(tmp_path, kind)
    labels, scores, _ = ccompare.build(pipe, tmp_path / "c").infer(W)
    _check_against_ort(pipe, model, F, labels, scores)
    np.testing.assert_array_equal(pipe.classes_[labels], pipe.predict(W))


@pytest.mark.slow
@pytest.mark.emulator
@pytest.mark.parametrize("kind", list(IMPORT_MODELS))
def test_micropython_export_of_imported_svm_gives_onnxruntime_answers(tmp_path, kind):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
    from mphelp import export_and_run, need_micropython

    need_micropython()
    pipe, model, W, F = _imported(tmp_path, kind)
    run, _ = export_and_run(pipe, W, tmp_path / "mp")
    _check_against_ort(pipe, model, F, run.labels, run.scores)


@pytest.fixture(scope="module", params=["onnx_import", "yaml_trained"])
def svm_artifact(request, tmp_path_factory):
    """An SVM artifact with 50 held-out windows: `sensorflow import` of a skl2onnx scaler + RBF
    SVC, or `sensorflow train` of a YAML pipeline with a linear-kernel `svm` stage (3 classes)."""
    from sensorflow import artifact
    from sensorflow.cli import main

    tmp = tmp_path_factory.mktemp(request.param)
    base, onnx_path, est, F, y = make_import_case(tmp, IMPORT_MODELS["svm_rbf"])
    if request.param == "onnx_import":
        assert main(["import", str(onnx_path), "--pipeline", str(base), "--out", str(tmp / "art")]) == 0
    else:
        cfg = yaml.safe_load(base.read_text())
        cfg["stages"] = [cfg["stages"][0], {"type": "scaler"}, {"type": "svm", "kernel": "linear"}]
        (tmp / "svm.yaml").write_text(yaml.safe_dump(cfg))
        assert main(["train", str(tmp / "svm.yaml"), "--out", str(tmp / "art"), "--no-progress"]) == 0
    pipe, _ = artifact.load(tmp / "art")
    assert pipe.model.name == "svm"
    Xt = artifact.load_array(tmp / "art", "test_windows")
    if request.param == "onnx_import":
        np.testing.assert_array_equal(pipe.predict(Xt), run_ort(onnx.load(str(onnx_path)), F[100:])[0])
    return tmp / "art"


@pytest.mark.slow
@pytest.mark.emulator
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_svm_on_emulated_board(svm_artifact, board, tmp_path, capsys):
    from conftest import need_tools

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hil"))
    from hilfix import BOARD_TOOLS

    from sensorflow.cli import main

    need_tools(*BOARD_TOOLS[board])
    capsys.readouterr()
    status = main(["hil", str(svm_artifact), "--board", board, "--json", "--build-dir", str(tmp_path / "b")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["n"] == 50
    assert result["agreement"] == 1.0 and result["passed"] and not result["out_of_tolerance"]
    assert result["max_abs_score_error"] < 1e-5


def _helper_svm(**attrs):
    from onnx import TensorProto, helper

    base = dict(
        classlabels_ints=[0, 1, 2],
        coefficients=[1.0] * 8,
        kernel_params=[0.5, 0.0, 3.0],
        kernel_type="RBF",
        post_transform="NONE",
        rho=[0.1, 0.2, 0.3],
        support_vectors=[0.0, 1.0, 1.0, 0.0, 2.0, 2.0, -1.0, 0.5],
        vectors_per_class=[1, 2, 1],
    )
    base = {k: v for k, v in {**base, **attrs}.items() if v is not None}
    node = helper.make_node("SVMClassifier", ["x"], ["label", "scores"], domain="ai.onnx.ml", **base)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 3]),
        ],
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    m.ir_version = 8
    return m


def test_helper_built_svm_classifier_equals_onnxruntime_and_malformed_ones_are_named():
    X = np.random.default_rng(0).standard_normal((300, 2)).astype(np.float32)
    for labels in ([0, 1, 2], None):
        model = _helper_svm(classlabels_ints=labels)
        stage = from_model(model).model
        assert stage.classes_ == [0, 1, 2]
        if labels is not None:
            np.testing.assert_array_equal(stage.predict(X), run_ort(model, X)[0])
    for attrs, why in (
        ({"rho": [0.1]}, "need 8 coefficients, 3 rho values"),
        ({"coefficients": [1.0] * 5}, "got 5, 3, 8"),
        ({"vectors_per_class": [1, 3]}, "without vectors_per_class"),
        ({"kernel_params": [0.0, 0.0, 3.0]}, "a positive gamma"),
    ):
        with pytest.raises(ConfigError, match=rf"node '.*' \(SVMClassifier\): .*{why}.*; supported operators"):
            from_model(_helper_svm(**attrs))
