"""scaler against scikit-learn's StandardScaler / MinMaxScaler."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import sensorflow
from sensorflow.errors import DataError, NotFittedError


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((80, 6)) * [1, 10, 0.01, 100, 1, 1] + [0, 5, -3, 1e3, 0, 0]
    X[:, 4] = 7.0  # constant feature
    return X.astype(np.float32)


def test_standard_matches_sklearn():
    X, Xt = _data(0), _data(1)
    stage = sensorflow.stage("scaler").fit(X)
    ref = StandardScaler().fit(X.astype(np.float64))
    np.testing.assert_allclose(stage.mean_, ref.mean_, rtol=1e-12)
    np.testing.assert_allclose(stage.scale_, ref.scale_, rtol=1e-12)
    out = stage.transform(Xt)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref.transform(Xt.astype(np.float64)), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("feature_range,clip", [((0.0, 1.0), False), ((-1.0, 1.0), True)])
def test_minmax_matches_sklearn(feature_range, clip):
    X, Xt = _data(2), _data(3)
    stage = sensorflow.stage("scaler", method="minmax", feature_range=feature_range, clip=clip).fit(X)
    ref = MinMaxScaler(feature_range=feature_range, clip=clip).fit(X.astype(np.float64))
    for k in ("data_min_", "data_max_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(stage, k), getattr(ref, k), rtol=1e-12)
    np.testing.assert_allclose(stage.transform(Xt), ref.transform(Xt.astype(np.float64)), rtol=1e-5, atol=1e-5)


def test_learned_attributes_are_arrays_and_refit_drops_the_other_method():
    stage = sensorflow.stage("scaler").fit(_data())
    assert set(stage.learned()) == {"mean_", "var_", "scale_"}
    assert all(isinstance(v, np.ndarray) for v in stage.learned().values())
    stage.set_params(method="minmax")
    stage.fit(_data())
    assert set(stage.learned()) == {"data_min_", "data_max_", "scale_", "min_"}


def test_unfitted_and_mismatched_inputs_are_refused():
    with pytest.raises(NotFittedError, match="scaler"):
        sensorflow.stage("scaler").transform(_data())
    stage = sensorflow.stage("scaler").fit(_data())
    with pytest.raises(DataError, match="scaler"):
        stage.transform(_data()[:, :4])
