"""`sensorflow train` / `eval` with a regression model: the shaft speed of the vibration recipe
(small options), split by held-out operating condition. MAE, RMSE and R² in the JSON equal
scikit-learn's metrics on the artifact's own predictions; eval writes the residual plot."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error
from speedpipe import speed_pipeline

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.errors import DataError

PIPE = speed_pipeline("speed_small", "{length: 4096, hop: 4096}", "  - type: scaler\n  - type: ridge\n", cv_folds=2)


def _json(capsys, argv):
    rc = main(argv)
    return rc, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("speed")
    (d / "speed.yaml").write_text(PIPE)
    return d


def test_train_and_eval_report_regression_metrics(trained, capsys):
    rc, res = _json(capsys, ["train", str(trained / "speed.yaml"), "--out", str(trained / "art"), "--json", "-q"])
    assert rc == 0 and res["task"] == "regression"
    pipe, _ = artifact.load(trained / "art")
    X = artifact.load_array(trained / "art", "test_windows")
    y = artifact.load_array(trained / "art", "test_labels")
    pred = pipe.predict(X)
    assert res["mae"] == pytest.approx(mean_absolute_error(y, pred))
    assert res["rmse"] == pytest.approx(root_mean_squared_error(y, pred))
    assert res["r2"] == pytest.approx(r2_score(y, pred))
    assert set(res["per_group"]) == {"1650rpm"}  # the held-out speed (at a load not trained on either)
    assert res["cv"]["folds"] == 2 and res["cv"]["mae_mean"] > 0
    assert 1400 < y.min() and y.max() < 1900  # shaft rpm, not fault classes

    rc, ev = _json(capsys, ["eval", str(trained / "art"), "--out", str(trained / "ev"), "--json", "-q"])
    assert rc == 0 and ev["mae"] == pytest.approx(res["mae"]) and ev["per_group"] == res["per_group"]
    assert (trained / "ev" / "residuals.png").stat().st_size > 1000
    saved = json.loads((trained / "ev" / "metrics.json").read_text())
    assert len(saved["residuals"]["true"]) == len(y)


def test_a_regression_model_refuses_class_labels(tmp_path):
    from sensorflow.pipeline import Pipeline
    from sensorflow.training import train

    pipe = Pipeline.from_string(PIPE.replace("target: shaft_rpm", "target: fault"))
    with pytest.raises(DataError, match="'normal' .* is not a number"):
        train(pipe, pipe.load_data(), progress=False)


def test_regression_metrics_per_group():
    from sensorflow.regression_metrics import regression_metrics

    m = regression_metrics([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.0, 4.0], ["a", "a", "b", "b"])
    assert m["mae"] == pytest.approx(0.375) and m["per_group"]["a"]["mae"] == pytest.approx(0.25)
    assert m["per_group"]["b"]["bias"] == pytest.approx(-0.5)
    assert regression_metrics([2.0, 2.0], [1.0, 3.0])["r2"] is None  # undefined for a constant truth
    assert np.isfinite(m["rmse"])


def test_tune_refuses_a_regression_model_by_name(tmp_path, capsys):
    path = tmp_path / "speed.yaml"
    path.write_text(PIPE)
    assert main(["tune", str(path), "--board", "qemu-mps2-an386", "--trials", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    line = PIPE.splitlines().index("  - type: ridge") + 1
    assert (
        len(err) == 1 and "stages[3].type: 'ridge' is a regression model" in err[0] and f"speed.yaml:{line}:" in err[0]
    )
