"""ONNX import of skl2onnx regressors (TreeEnsembleRegressor, LinearRegressor, SVMRegressor):
the mapped regression stage's values equal onnxruntime's within 1e-5 relative (both read
float32 weights), and its C export gives the same values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import ensemble, linear_model, svm, tree
from speedpipe import speed_pipeline

from sensorflow.errors import ConfigError

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

CASES = {
    "decision_tree": (lambda: tree.DecisionTreeRegressor(max_depth=5, random_state=0), "decision_tree_regressor"),
    "random_forest": (
        lambda: ensemble.RandomForestRegressor(7, max_depth=5, random_state=0),
        "random_forest_regressor",
    ),
    "extra_trees": (lambda: ensemble.ExtraTreesRegressor(5, random_state=0), "random_forest_regressor"),
    "linear": (lambda: linear_model.LinearRegression(), "linear"),
    "ridge": (lambda: linear_model.Ridge(alpha=3.0), "linear"),
    "svr_rbf": (lambda: svm.SVR(C=10.0), "svr"),
    "svr_linear": (lambda: svm.SVR(kernel="linear"), "svr"),
    "svr_poly": (lambda: svm.SVR(kernel="poly", degree=2, coef0=1.0), "svr"),
}


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4)).astype(np.float32)
    return X, 30.0 + 6.0 * X[:, 0] - 2.0 * X[:, 1] * X[:, 3] + 0.3 * rng.standard_normal(n)


def _onnx(est, X):
    from skl2onnx import to_onnx

    return to_onnx(est, X[:1], target_opset={"": 17, "ai.onnx.ml": 3})


@pytest.mark.parametrize("kind", sorted(CASES))
def test_skl2onnx_regressor_equals_onnxruntime(kind, tmp_path):
    from sensorflow.stages.models.onnx_mapping import from_model
    from sensorflow.testing import ccompare

    make, name = CASES[kind]
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = make().fit(X, y)
    model = _onnx(est, X)
    imported = from_model(model)
    stage = imported.model
    assert stage.name == name and stage.classes_ == ["value"] and not imported.pre
    Xt = _data(200, seed=1)[0]
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run(None, {sess.get_inputs()[0].name: Xt})[0].ravel()
    got = stage.predict(Xt)
    scale = float(np.abs(want).max())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * scale)
    try:
        ccompare.host_cc()
    except Exception:
        return
    _, out = ccompare.run_stage(stage, Xt, tmp_path)
    np.testing.assert_allclose(out[:, 0], want, rtol=1e-5, atol=1e-5 * scale)


def test_two_targets_are_a_named_error():
    from sensorflow.stages.models.onnx_mapping import from_model

    X, y = _data()
    est = linear_model.LinearRegression().fit(X, np.stack([y, -y], axis=1))
    with pytest.raises(ConfigError, match="LinearRegressor.*several targets"):
        from_model(_onnx(est, X))


BASE = speed_pipeline("imp_speed", "{length: 4096, hop: 4096}")


def test_import_command_scores_a_regressor(tmp_path, capsys):
    """`sensorflow import` of a skl2onnx forest regressor on BASE's features: MAE, RMSE and R² of
    the held-out windows, and an artifact whose model is the mapped regression stage."""
    import json

    from sensorflow import artifact
    from sensorflow.cli import main
    from sensorflow.graph import run_steps
    from sensorflow.pipeline import Pipeline
    from sensorflow.training import dataset_windows

    (tmp_path / "base.yaml").write_text(BASE)
    base = Pipeline.from_yaml(tmp_path / "base.yaml")
    w = dataset_windows(base, base.load_data())
    F = run_steps(base.steps, base.check_windows(w.X))
    est = ensemble.RandomForestRegressor(5, max_depth=4, random_state=0).fit(F, [float(v) for v in w.y])
    (tmp_path / "rf.onnx").write_bytes(_onnx(est, F.astype(np.float32)).SerializeToString())
    argv = ["import", str(tmp_path / "rf.onnx"), "--pipeline", str(tmp_path / "base.yaml")]
    assert main([*argv, "--out", str(tmp_path / "art"), "--json", "-q"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["stage"] == "random_forest_regressor" and res["mae"] > 0 and res["rmse"] >= res["mae"]
    pipe, _ = artifact.load(tmp_path / "art")
    assert pipe.task == "regression"
