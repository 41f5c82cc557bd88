"""The ``svm`` stage against ``sklearn.svm.SVC``: decision function to float64 rounding, labels
exactly (libsvm's one-vs-one vote, ties to the lowest class index; ``break_ties`` as
scikit-learn's), the scores' argmax always the label, and the generated C (host cc,
ASan/UBSan) within 1e-5 of SVC's decision function with its labels exactly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn_cases import dataset, split

from sensorflow import registry
from sensorflow.errors import ArtifactError, ConfigError
from sensorflow.spec import Spec
from sensorflow.stages.models.svm import ovo_votes

CONFIGS = {
    "rbf": {},
    "rbf_auto": {"gamma": "auto", "C": 3.0},
    "rbf_float": {"gamma": 0.05, "C": 10.0},
    "linear": {"kernel": "linear", "C": 0.1},
    "poly": {"kernel": "poly", "degree": 2, "coef0": 1.0, "gamma": "scale"},
    "break_ties": {"break_ties": True},
}
DATA = ["iris", "wine", "digits", "synthetic", "binary"]


def _standardised(name):
    X, y = dataset(name)
    if name != "wine":  # wine stays unscaled (features up to 1680): the float32 C is tested on it
        X = ((X - X.mean(0)) / (X.std(0) + 1e-6)).astype(np.float32)
    return split(X, y)


def _fit_both(data, config):
    Xtr, ytr, Xte, _ = _standardised(data)
    params = CONFIGS[config]
    if data == "wine" and params.get("kernel") in ("linear", "poly"):
        pytest.skip("libsvm's linear / poly on unscaled wine does not converge in reasonable time")
    ours = registry.stage("svm", **params)
    ours.bind(Spec.vector([f"f{i}" for i in range(Xtr.shape[1])]))
    ours.fit(Xtr, ytr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ours.estimator().fit(Xtr, ytr)
    return ours, ref, Xtr, ytr, Xte


def _probe(Xtr, ytr, n=400, seed=0):
    """Vectors spread beyond the training cloud, and means of three training vectors of three
    classes (where one-vs-one votes go round in a circle: ties)."""
    rng = np.random.default_rng(seed)
    lo, hi = Xtr.min(0), Xtr.max(0)
    wide = lo + (hi - lo) * rng.uniform(-0.3, 1.3, (n // 2, Xtr.shape[1]))
    classes = np.unique(ytr)
    picks = [rng.choice(np.flatnonzero(ytr == c), n - n // 2) for c in classes[:3]]
    mixed = np.mean([Xtr[i] for i in picks], axis=0)
    return np.concatenate([wide, mixed]).astype(np.float32)


def _ties(stage, X):
    votes = ovo_votes(stage.ovo_decision(X), stage.n_classes)
    return (votes == votes.max(1, keepdims=True)).sum(1) > 1


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("data", DATA)
def test_decision_function_and_labels_equal_svc(data, config):
    ours, ref, Xtr, ytr, Xte = _fit_both(data, config)
    for X in (Xte, _probe(Xtr, ytr)):
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        d_ref = ref.decision_function(X)
        np.testing.assert_allclose(ours.decision_function(X), d_ref, rtol=1e-9, atol=1e-9)
        scores = ours.transform(X)
        assert scores.dtype == X.dtype
        np.testing.assert_array_equal(np.asarray(ours.classes_)[np.argmax(scores, axis=1)], ref.predict(X))
        if ours.n_classes == 2:
            np.testing.assert_allclose(scores, np.stack([-d_ref, d_ref], 1), rtol=1e-5, atol=1e-5)
            continue
        tie = _ties(ours, X)
        plain = ~tie | bool(ours.params.break_ties)
        np.testing.assert_allclose(scores[plain], d_ref[plain], rtol=1e-5, atol=1e-5)
        if plain.all():
            continue
        # at a vote tie the tied classes after the lowest one are one vote lower
        diff = d_ref[~plain] - ours.predict_proba(X[~plain])
        assert np.all(np.isclose(diff, 0.0, atol=1e-9) | np.isclose(diff, 1.0, atol=1e-9))


def test_vote_ties_go_to_the_lowest_class_index_as_libsvm():
    ours, ref, Xtr, ytr, _ = _fit_both("synthetic", "rbf")
    X = _probe(Xtr, ytr, 6000, seed=1)
    tie = _ties(ours, X)
    assert tie.sum() >= 10, "the wide sample should hold vote ties"
    votes = ovo_votes(ours.ovo_decision(X[tie]), ours.n_classes)
    first_top = np.argmax(votes == votes.max(1, keepdims=True), axis=1)
    np.testing.assert_array_equal(ours._predict_index(X[tie]), first_top)
    np.testing.assert_array_equal(ours.predict(X[tie]), ref.predict(X[tie]))
    # break_ties: the argmax of the (ovr) decision function, as SVC(break_ties=True)
    bt = ref.set_params(break_ties=True)
    assert np.any(bt.predict(X[tie]) != ours.predict(X[tie]))
    ours.params = ours.params.model_copy(update={"break_ties": True})
    np.testing.assert_array_equal(ours.predict(X), bt.predict(X))


def test_bad_gamma_and_learned_arrays_are_named():
    with pytest.raises(ConfigError, match="gamma"):
        registry.stage("svm", gamma=-1.0)
    ours, *_ = _fit_both("iris", "rbf")
    values = ours.learned()
    ours.check_learned(values)
    with pytest.raises(ArtifactError, match="n_support_"):
        ours.check_learned({**values, "n_support_": values["n_support_"] + 1})
    with pytest.raises(ArtifactError, match="dual_coef_"):
        ours.check_learned({**values, "dual_coef_": values["dual_coef_"][:, 1:]})
    with pytest.raises(ArtifactError, match="gamma_"):
        ours.check_learned({**values, "gamma_": 0.0})


@pytest.mark.slow
@pytest.mark.parametrize("config", ["rbf", "linear", "poly", "break_ties"])
@pytest.mark.parametrize("data", DATA)
def test_c_equals_svc(data, config, tmp_path):
    from conftest import need_tools

    from sensorflow.testing import ccompare

    need_tools("cc")
    ours, ref, Xtr, ytr, Xte = _fit_both(data, config)
    X = np.concatenate([Xte, _probe(Xtr, ytr, 400)])
    labels, scores = ccompare.run_stage(ours, X, tmp_path)
    np.testing.assert_array_equal(np.asarray(ours.classes_)[labels], ref.predict(X))
    np.testing.assert_allclose(scores, ours.predict_proba(X), rtol=0, atol=1e-5)
    d_ref = ref.decision_function(X)
    d_ref = np.stack([-d_ref, d_ref], 1) if d_ref.ndim == 1 else d_ref
    tie = _ties(ours, X) if ours.n_classes > 2 else np.zeros(len(X), dtype=bool)
    if data in ("iris", "digits", "synthetic"):
        assert tie.sum() > 0, "the probe should hold vote ties, so the C's tie rule is checked"
    plain = ~tie | bool(ours.params.break_ties)
    np.testing.assert_allclose(scores[plain], d_ref[plain], rtol=0, atol=1e-5)


def test_bad_gamma_in_yaml_is_one_line_naming_the_key():
    from sensorflow.pipeline import Pipeline

    text = (
        "name: bad\nsensor: {kind: generic, sample_rate: 10.0, channels: [a, b]}\nwindow: {length: 4}\n"
        "stages:\n  - type: stats\n    functions: [mean]\n  - type: svm\n    gamma: -2\n"
    )
    with pytest.raises(ConfigError) as err:
        Pipeline.from_string(text, source="p.yaml")
    msg = str(err.value)
    assert "stages[1].gamma" in msg and "positive number" in msg and "\n" not in msg


@pytest.mark.slow
@pytest.mark.parametrize("data,config", [("binary", "poly"), ("synthetic", "rbf"), ("digits", "linear")])
def test_micropython_in_float32_equals_svc(data, config, tmp_path):
    """The MicroPython export computed as a float32 port (ESP32) does (tests/micropython/f32sim.py):
    labels exact, decision values within 1e-5 (compensated sums, as the C)."""
    import sys
    from pathlib import Path

    import yaml

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
    import f32sim

    from sensorflow.codegen.micropython import export
    from sensorflow.pipeline import Pipeline

    Xtr, ytr, Xte, _ = _standardised(data)
    d = Xtr.shape[1]
    cfg = {  # windows of two equal samples whose mean is the vector: the model sees chosen vectors
        "name": "f32svm",
        "sensor": {"kind": "generic", "sample_rate": 10.0, "channels": [f"c{i}" for i in range(d)]},
        "window": {"length": 2},
        "stages": [{"type": "stats", "functions": ["mean"]}, {"type": "svm", **CONFIGS[config]}],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg)).fit(np.repeat(Xtr[:, None, :], 2, axis=1), ytr)
    W = np.repeat(Xte[:, None, :], 2, axis=1)
    export(pipe, {}, None, tmp_path, mpy=False)
    labels, _, scores = f32sim.run(tmp_path, W)
    np.testing.assert_array_equal(np.asarray(pipe.classes_)[labels], pipe.predict(W))
    np.testing.assert_allclose(scores, pipe.predict_proba(W), rtol=0, atol=1e-5)
