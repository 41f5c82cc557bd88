"""The Python API a notebook uses: Pipeline as a scikit-learn estimator (clone,
cross_val_score, GridSearchCV over a stage parameter, pickling) and the top-level functions
(load_pipeline, load_windows, train, save, load_artifact, export, run_hil)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO, need_tools
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier

import sensorflow as sf
from sensorflow.errors import ConfigError
from sensorflow.pipeline import Pipeline

IMU = """name: imu
sensor: {kind: imu, sample_rate: 50, channels: [ax, ay, az]}
window: {length: 32}
stages:
  - type: stats
    functions: [mean, std, min, max]
  - type: decision_tree
    max_depth: 1
"""


@pytest.fixture
def windows():
    """Three classes told apart by the level of one axis and the spread of another."""
    rng = np.random.default_rng(7)
    y = np.repeat(np.array(["rest", "walk", "run"]), 30)
    X = rng.normal(0, 0.1, size=(len(y), 32, 3)).astype(np.float32)
    X[y == "walk", :, 0] += 1.0
    X[y == "run", :, 1] *= 20.0
    groups = np.arange(len(y)) % 10
    return X, y, groups


def test_clone_keeps_params_and_is_unfitted(windows):
    X, y, _ = windows
    pipe = Pipeline.from_string(IMU).fit(X, y)
    c = clone(pipe)
    assert c.get_params()["decision_tree__max_depth"] == 1
    assert c.config == pipe.config and c.config is not pipe.config
    assert not c.__sklearn_is_fitted__() and pipe.__sklearn_is_fitted__()
    with pytest.raises(sf.NotFittedError):
        c.predict(X)
    assert is_classifier(pipe)


def test_cross_val_score_matches_the_same_model_on_the_same_features(windows):
    """The pipeline's CV scores equal scikit-learn's tree on the features the pipeline computes."""
    X, y, groups = windows
    pipe = Pipeline.from_string(IMU)
    ours = cross_val_score(pipe, X, y, groups=groups, cv=GroupKFold(5))
    F = pipe.transform(X)  # stats need no fit
    ref = cross_val_score(DecisionTreeClassifier(max_depth=1, random_state=0), F, y, groups=groups, cv=GroupKFold(5))
    np.testing.assert_allclose(ours, ref)


def test_grid_search_over_a_stage_parameter(windows):
    X, y, groups = windows
    search = GridSearchCV(Pipeline.from_string(IMU), {"decision_tree__max_depth": [1, 3]}, cv=GroupKFold(3))
    search.fit(X, y, groups=groups)
    # a depth-1 tree separates two of the three classes at most: depth 3 must win
    assert search.best_params_ == {"decision_tree__max_depth": 3}
    assert search.cv_results_["mean_test_score"][0] <= 2 / 3 + 1e-9 < search.best_score_
    assert search.best_estimator_.config.stages[1].max_depth == 3
    assert search.score(X, y) == 1.0


def test_set_params_errors():
    pipe = Pipeline.from_string(IMU, source="imu.yaml")
    with pytest.raises(ValueError, match="Invalid parameter 'forest'.*stats, decision_tree"):
        pipe.set_params(forest__max_depth=2)
    with pytest.raises(ValueError, match="Invalid parameter 'depth' for stage 'decision_tree'"):
        pipe.set_params(decision_tree__depth=2)
    with pytest.raises(ConfigError, match=r"^imu.yaml:8: stages\[1\].max_depth"):
        pipe.set_params(decision_tree__max_depth=-1)  # validated again, located in the file


def test_repeated_stage_types_are_numbered():
    yaml = IMU.replace("  - type: decision_tree", "  - type: stats\n    functions: [rms]\n  - type: decision_tree")
    params = Pipeline.from_string(yaml).get_params()
    assert params["stats-1__functions"] == ["mean", "std", "min", "max"]
    assert params["stats-2__functions"] == ["rms"]


def test_config_as_dict_and_pickle_round_trip(windows, tmp_path):
    X, y, _ = windows
    import yaml

    pipe = Pipeline(yaml.safe_load(IMU)).fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict_proba(X), pipe.predict_proba(X))
    assert again.get_params()["decision_tree__max_depth"] == 1
    loaded = sf.load_artifact(sf.save(pipe, tmp_path / "art"))  # saved as JSON + .npy, not pickled
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert not list((tmp_path / "art").glob("*.pkl"))


def test_fit_forgets_an_earlier_fit(windows):
    X, y, _ = windows
    pipe = Pipeline.from_string(IMU)
    first = pipe.fit(X, y).predict_proba(X)
    pipe.fit(X[y != "run"], y[y != "run"])
    assert pipe.classes_.tolist() == ["rest", "walk"]
    np.testing.assert_array_equal(pipe.fit(X, y).predict_proba(X), first)


def test_matplotlib_backend_is_left_alone(tmp_path):
    """Importing sensorflow, fitting and drawing the confusion matrix keep the user's backend."""
    code = f"""
import matplotlib
matplotlib.use("svg")
import numpy as np
import sensorflow as sf
from sensorflow.training import evaluate, save_confusion_png
pipe = sf.Pipeline.from_string({IMU!r})
rng = np.random.default_rng(0)
X = rng.normal(size=(20, 32, 3)); y = np.repeat(["a", "b"], 10); X[y == "b"] += 1
pipe.fit(X, y)
save_confusion_png(evaluate(pipe, X, y), __import__("pathlib").Path({str(tmp_path / "cm.png")!r}))
print(matplotlib.get_backend())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "svg"
    assert (tmp_path / "cm.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("module", ["sensorflow", "sensorflow.cli", "sensorflow.commands.validate"])
def test_import_is_light(module):
    """The CLI starts without scikit-learn, scipy or matplotlib (``--help`` under 0.3 s)."""
    code = f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'sklearn', 'scipy', 'matplotlib'}}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_validate_imports_no_sklearn():
    code = (
        "import sys; from sensorflow.cli import main; "
        f"rc = main(['validate', {str(REPO / 'pipelines' / 'gesture.yaml')!r}]); "
        "print(rc, sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'matplotlib'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"


@pytest.mark.slow
def test_notebook_flow(tmp_path):
    """The README's example: load, windows, cross-validate, fit, score, save, export, HIL on the host."""
    need_tools("cc")
    pipe = sf.load_pipeline(REPO / "pipelines" / "gesture.yaml")
    w = sf.load_windows(pipe)
    assert w.X.shape == (80, 100, 6)
    test = np.arange(len(w.y)) % 2 == 1  # every other recording held out
    train = ~test
    assert cross_val_score(pipe, w.X[train], w.y[train], cv=3).mean() > 0.8
    pipe.fit(w.X[train], w.y[train])
    assert pipe.score(w.X[test], w.y[test]) > 0.85
    art = sf.save(pipe, tmp_path / "gesture", X_test=w.X[test][:4], y_test=w.y[test][:4])
    loaded = sf.load_artifact(art)
    np.testing.assert_array_equal(loaded.predict(w.X[test]), pipe.predict(w.X[test]))
    assert loaded.meta_["pipeline"] == "gesture"
    report = sf.export(art, board="host", out=tmp_path / "c", no_measure=True)
    assert report["ok"] and (tmp_path / "c" / "sf_model.h").is_file()
    result = sf.run_hil(art, board="host", build_dir=tmp_path / "hil")
    assert result["ok"] and result["passed"] and result["n"] == 4 and result["agreement"] == 1.0
    with pytest.raises(sf.ConfigError, match="sensorflow hil: unrecognized arguments: --colour red"):
        sf.run_hil(art, board="host", colour="red")
    json.dumps(result)  # what --json would print
