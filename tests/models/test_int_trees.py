"""Exact integer trees (``stages.models.int_trees``): every integer threshold gives the same
decision as scikit-learn's float compare for every representable code (exhaustive over int16),
and the integer forest's labels equal scikit-learn's on test rows and on rows just below,
exactly at and just above every threshold."""

from __future__ import annotations

import numpy as np
import pytest
from int_tree_cases import integer_case, odd_codes, quantised_case

from sensorflow.errors import ConfigError, DataError
from sensorflow.stages.models.int_trees import (
    boundary_codes,
    code_thresholds,
    fit_codes,
    integer_codes,
    integer_forest,
)

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int64)


def sklearn_labels(stage, values) -> np.ndarray:
    """What scikit-learn's estimator (the stage's trees, float32 input) says for ``values``."""
    return np.argmax(stage.predict_proba(np.asarray(values, np.float32)), axis=1)


@pytest.mark.parametrize("case", ["integer", "quantised", "deep"])
def test_threshold_decision_is_exact_for_every_int16_code(case):
    stage, codes, _ = {"integer": integer_case, "quantised": quantised_case}.get(
        case, lambda: quantised_case(deep=True)
    )()
    checked = 0
    for tree in stage.trees():
        inner = tree["left"] >= 0
        feats, thr = tree["feature"][inner], tree["threshold"][inner]
        T = code_thresholds(codes, feats, thr)
        for f, t, tt in zip(feats, thr, T):
            left = codes.dequantize(ALL_INT16, np.full(len(ALL_INT16), f)) <= t
            assert np.array_equal(left, ALL_INT16 <= tt), (f, t, tt)
            checked += 1
    assert checked > 20


def test_integer_features_floor_the_threshold():
    stage, codes, _ = integer_case()
    for tree in stage.trees():
        inner = tree["left"] >= 0
        T = code_thresholds(codes, tree["feature"][inner], tree["threshold"][inner])
        assert np.array_equal(T, np.floor(tree["threshold"][inner].astype(np.float64)).astype(np.int64))


def test_odd_scale_and_zero_point_exhaustive():
    codes = odd_codes()
    rng = np.random.default_rng(3)
    for f in range(3):
        values = codes.dequantize(ALL_INT16, np.full(len(ALL_INT16), f))
        # thresholds on representable values, between them, and outside the range
        cands = np.concatenate([rng.choice(values, 30), rng.choice(values, 30) + np.float32(1e-7), values[[0, -1]]])
        cands = np.concatenate([cands, [values[0] - 1, values[-1] + 1]]).astype(np.float32)
        T = code_thresholds(codes, np.full(len(cands), f), cands)
        for t, tt in zip(cands, T):
            assert np.array_equal(values <= t, ALL_INT16 <= tt)


@pytest.mark.parametrize("case", ["integer", "quantised", "deep", "int32"])
def test_forest_equals_sklearn_on_test_and_boundary_rows(case):
    if case == "integer":
        stage, codes, X = integer_case()
        Q = X
    else:
        stage, codes, X = quantised_case(dtype="int32" if case == "int32" else "int16", deep=case == "deep")
        Q = codes.quantize(X)
    forest = integer_forest(stage, codes)
    B = boundary_codes(forest, Q[:50])
    assert len(B) == 3 * forest.n_nodes
    for rows in (Q, B):
        want = sklearn_labels(stage, codes.dequantize(rows))
        assert np.array_equal(forest.predict(rows), want)
    # the integer sums are the float kernel's (probabilities within the leaf rounding)
    sums = forest.sums(Q)
    proba = stage.predict_proba(codes.dequantize(Q))
    assert np.allclose(sums / (len(forest.trees) * forest.leaf_scale), proba, atol=1e-4)


def test_constant_nodes_are_removed():
    """A split outside the code range (values the codes cannot reach) decides nothing."""
    stage, _, X = quantised_case()
    narrow = fit_codes(X[:, :], "int16", margin=0.0)
    tight = type(narrow)(narrow.scale, narrow.zero_point - 32000, "int16")  # most values saturate high
    forest = integer_forest(stage, tight)
    assert forest.collapsed > 0
    Q = tight.quantize(X)
    assert np.array_equal(forest.predict(Q), sklearn_labels(stage, tight.dequantize(Q)))


def test_bad_codes_are_refused():
    stage, _, _ = integer_case()
    with pytest.raises(ConfigError, match="codes describe 3 features"):
        integer_forest(stage, integer_codes(3))
    with pytest.raises(ConfigError, match="int16 or int32"):
        integer_codes(3, "int8")
    with pytest.raises(ConfigError, match="finite"):
        fit_codes(np.array([[np.nan]]))
    with pytest.raises(DataError, match="NaN"):
        integer_codes(2).quantize(np.array([[1.0, np.nan]]))
    assert integer_codes(2).quantize(np.array([[np.inf, -np.inf]])).tolist() == [[32767, -32768]]
