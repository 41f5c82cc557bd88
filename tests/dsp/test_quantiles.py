"""``quantiles`` against numpy: every interval's quantiles equal ``numpy.quantile`` (method
"linear", float64) within float32 rounding, on random windows, on windows with ties, and on
ACSF1 training windows (aeon, offline). The device paths are the generated conformance checks."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.spec import Spec
from sensorflow.stages.quantiles import Quantiles, interval_edges


def numpy_reference(X: np.ndarray, depth: int, q: int, diff: bool) -> np.ndarray:
    cols = []
    for c in range(X.shape[2]):
        x = X[:, :, c].astype(np.float64)
        reps = [x, np.diff(x, axis=1)] if diff else [x]
        for v in reps:
            for lv in range(depth):
                e = interval_edges(v.shape[1], lv)
                for a, b in zip(e[:-1], e[1:]):
                    cols.append(np.quantile(v[:, a:b], np.arange(q + 1) / q, axis=1).T)
    return np.concatenate(cols, axis=1)


def stage(length, channels, **params) -> Quantiles:
    s = Quantiles(**params)
    s.bind(Spec.signal(length, channels, 1.0, [f"c{i}" for i in range(channels)]))
    return s


@pytest.mark.parametrize(
    "params", [{}, {"n_quantiles": 1, "depth": 1, "diff": False}, {"n_quantiles": 7, "depth": 5}, {"n_quantiles": 16}]
)
@pytest.mark.parametrize("length", [33, 100])
def test_equals_numpy_quantile(params, length):
    rng = np.random.default_rng(length)
    X = rng.normal(size=(6, length, 2)).astype(np.float32)
    X[0] = np.round(X[0])  # ties
    s = stage(length, 2, **params)
    p = s.params
    got = s.transform(X)
    want = numpy_reference(X, p.depth, p.n_quantiles, p.diff)
    assert got.shape == want.shape == (6, len(s.output_spec(s.input_spec_).names))
    np.testing.assert_allclose(got, want, rtol=2e-7, atol=4e-7 * np.abs(want).max())


def test_names_and_shortest_window():
    s = stage(5, 1, n_quantiles=2, depth=3)
    names = list(s.output_spec(s.input_spec_).names)
    assert names[:4] == ["c0_x_l0i0_q0", "c0_x_l0i0_q1", "c0_x_l0i0_q2", "c0_x_l1i0_q0"]
    assert names[-1] == "c0_dx_l2i3_q2" and len(names) == 2 * 7 * 3
    with pytest.raises(Exception, match="depth"):
        stage(4, 1, depth=3)  # the difference has 3 samples for 4 intervals


def test_acsf1_windows_equal_numpy():
    aeon = pytest.importorskip("aeon.datasets")
    X, _ = aeon.load_classification("ACSF1", split="train")
    X = np.transpose(np.asarray(X[:20], dtype=np.float32), (0, 2, 1))
    s = stage(X.shape[1], 1)
    want = numpy_reference(X, 3, 4, True)
    np.testing.assert_allclose(s.transform(X), want, rtol=2e-7, atol=4e-7 * np.abs(want).max())
