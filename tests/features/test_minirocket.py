"""minirocket against aeon's MiniRocket (its fitted parameters loaded into the stage: features
equal, bit for bit), its fitting rules against aeon's helpers, pruning (``keep``), and
ridge_classifier against scikit-learn's RidgeClassifierCV (predictions exact)."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.dsp import minirocket as mr
from sensorflow.errors import ConfigError, DataError
from sensorflow.stages.minirocket import MiniRocket, detach
from sensorflow.stages.models.linear import RidgeClassifier

DATASETS = ("GunPoint", "JapaneseVowels", "ACSF1", "BasicMotions")


def aeon_minirocket():
    return pytest.importorskip("aeon.transformations.collection.convolution_based._minirocket")


def load(name, split):
    """(n, channels, length) float32, shorter recordings zero-padded at the end (JapaneseVowels)."""
    from aeon.datasets import load_classification

    X, y = load_classification(name, split=split)
    L = 29 if name == "JapaneseVowels" else max(x.shape[-1] for x in X)  # longest recording of both splits
    X = np.stack([np.pad(np.asarray(x, dtype=np.float32), ((0, 0), (0, L - x.shape[-1]))) for x in X])
    return X, np.asarray(y)


def _stage_from_aeon(tr, length, channels):
    stage = MiniRocket(n_features=tr.n_kernels_, sample_rate=1.0)
    from sensorflow.spec import Spec

    stage.load_learned(mr.from_aeon_parameters(tr.parameters))
    stage.bind(Spec.signal(length, channels, 1.0))
    return stage


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n_kernels", [84, 1000])
def test_features_equal_aeon(name, n_kernels):
    aeon_mr = aeon_minirocket()
    Xtr, _ = load(name, "train")
    Xte, _ = load(name, "test")
    tr = aeon_mr.MiniRocket(n_kernels=n_kernels, random_state=1).fit(Xtr)
    want = tr.transform(Xte)
    stage = _stage_from_aeon(tr, Xte.shape[2], Xte.shape[1])
    got = stage.transform(np.transpose(Xte, (0, 2, 1)))
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_features_equal_aeon_10000(name):
    aeon_mr = aeon_minirocket()
    Xtr, _ = load(name, "train")
    tr = aeon_mr.MiniRocket(random_state=0).fit(Xtr)
    stage = _stage_from_aeon(tr, Xtr.shape[2], Xtr.shape[1])
    np.testing.assert_array_equal(stage.transform(np.transpose(Xtr, (0, 2, 1))), tr.transform(Xtr))


@pytest.mark.parametrize("length,n_features,max_d", [(150, 10_000, 32), (29, 10_000, 32), (1460, 840, 32), (9, 84, 1)])
def test_dilations_and_quantiles_as_aeon(length, n_features, max_d):
    aeon_mr = aeon_minirocket()
    d, n = mr.fit_dilations(length, n_features, max_d)
    d2, n2 = aeon_mr._fit_dilations(length, n_features, max_d)
    np.testing.assert_array_equal(d, d2)
    np.testing.assert_array_equal(n, n2)
    np.testing.assert_array_equal(mr.quantiles(500), aeon_mr._quantiles(500))


def test_own_fit_biases_are_the_paper_quantiles():
    """Each bias is the stated quantile of one training window's convolution output."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5, 40, 2)).astype(np.float32)
    learned = mr.fit(X, 840, 32, seed=7)
    q = mr.quantiles(len(learned["bias_"]))
    F = mr.transform(X, learned)  # PPV over the full length of that window ~ 1 - q
    full = learned["padding_"] == 1
    best = np.min(np.abs(F[:, full] - (1 - q[full])), axis=0)
    assert np.max(best) <= 1 / 40 + 1e-6
    again = mr.fit(X, 840, 32, seed=7)
    for k, v in learned.items():
        np.testing.assert_array_equal(again[k], v)
    assert set(np.diff(learned["combination_offsets_"])) <= {1, 2, 3}  # floor(2^U(0, log2(3)))


def test_keep_computes_only_the_kept_columns():
    rng = np.random.default_rng(0)
    y = np.arange(40) % 3
    X = (rng.standard_normal((40, 60, 2)) + np.sin(np.arange(60) * (0.1 + 0.2 * y[:, None]))[:, :, None]).astype(
        np.float32
    )
    full = MiniRocket(n_features=840, random_state=2).fit(X)
    pruned = MiniRocket(n_features=840, random_state=2, keep=37).fit(X, y)
    assert pruned.transform(X).shape == (40, 37) and pruned.output_spec_.shape == (37,)
    np.testing.assert_array_equal(pruned.transform(X), full.transform(X)[:, pruned.selected_])
    np.testing.assert_array_equal(pruned.selected_, detach(full.transform(X), y, 37))
    assert len(pruned.combination_offsets_) - 1 == len(np.unique(pruned.combination_))


def test_detach_keeps_the_informative_columns():
    rng = np.random.default_rng(1)
    y = np.arange(80) % 2
    F = rng.standard_normal((80, 200))
    F[:, [17, 123]] += 3.0 * y[:, None]
    assert set(detach(F, y, 2)) == {17, 123}


def test_bad_input_one_line_errors():
    with pytest.raises(ConfigError, match="kernels need 9"):
        MiniRocket(sample_rate=1.0).fit(np.zeros((3, 8, 1), np.float32))
    with pytest.raises(DataError, match="keep needs labels"):
        MiniRocket(n_features=84, keep=5, sample_rate=1.0).fit(np.ones((3, 20, 1), np.float32))
    with pytest.raises(ConfigError):
        MiniRocket(n_features=50)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_ridge_classifier_equals_sklearn(n_classes):
    from sklearn.linear_model import RidgeClassifierCV

    rng = np.random.default_rng(n_classes)
    y = np.array([f"c{i % n_classes}" for i in range(90)])
    X = (rng.standard_normal((90, 30)) + 0.3 * (np.arange(90) % n_classes)[:, None]).astype(np.float32)
    Xt = rng.standard_normal((200, 30)).astype(np.float32) * 2
    stage = RidgeClassifier().fit(X, y)
    est = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(X, y)
    np.testing.assert_array_equal(stage.predict(Xt), est.predict(Xt))
    np.testing.assert_array_equal(stage.decision_function(Xt), est.decision_function(Xt))
    assert stage.alpha_ == est.alpha_
    p = stage.predict_proba(Xt)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert np.array_equal(np.argmax(p, axis=1), np.searchsorted(stage.classes_, stage.predict(Xt)))


def test_pipeline_yaml_and_artifact_round_trip(tmp_path):
    """minirocket (pruned) -> scaler -> ridge_classifier from YAML, saved and loaded (JSON + .npy):
    the loaded pipeline predicts the same labels and scores."""
    from sensorflow import artifact
    from sensorflow.pipeline import Pipeline

    text = """name: mr
sensor: {kind: generic, sample_rate: 50, channels: [a, b]}
window: {length: 60}
stages:
  - type: minirocket
    n_features: 840
    keep: 40
  - type: scaler
  - type: ridge_classifier
"""
    rng = np.random.default_rng(4)
    y = np.array(["slow", "fast"])[np.arange(48) % 2]
    f = np.where(y == "fast", 0.5, 0.2)[:, None, None]
    X = (np.sin(np.arange(60)[None, :, None] * f) + 0.5 * rng.standard_normal((48, 60, 2))).astype(np.float32)
    pipe = Pipeline.from_string(text, source="<mr>").fit(X[:36], y[:36])
    assert pipe.transform(X).shape == (48, 40)
    artifact.save(pipe, tmp_path / "art")
    again, _ = artifact.load(tmp_path / "art")
    np.testing.assert_array_equal(again.predict(X[36:]), pipe.predict(X[36:]))
    np.testing.assert_array_equal(again.predict_proba(X[36:]), pipe.predict_proba(X[36:]))
    assert np.mean(pipe.predict(X[36:]) == y[36:]) >= 0.9
