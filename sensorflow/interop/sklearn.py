"""Fitted scikit-learn estimators -> sensorflow model stages with the same learned arrays.

Each supported estimator maps onto the stage that reproduces it (``sensorflow/stages/models``):
trees and forests -> ``decision_tree`` / ``random_forest`` / ``extra_trees`` (thresholds rounded
to float32 as the stages do), ``KNeighborsClassifier`` -> ``knn``, ``GaussianNB`` ->
``gaussian_nb``, ``LogisticRegression`` -> ``logistic``, ``MLPClassifier`` -> ``mlp``, ``SVC``
(linear, rbf, poly kernels) -> ``svm`` (its support vectors, dual coefficients, intercepts and
resolved gamma; labels as ``SVC.predict``, scores its ``decision_function``). Linear
classifiers without probabilities (``LinearSVC``, ``RidgeClassifier``, ``SGDClassifier``) ->
``logistic`` with their ``coef_``/``intercept_``:
``predict`` is the same (argmax / sign of the decision function); the stage's probabilities are
the logistic (softmax) of that decision function, which those estimators do not define.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..stages.models.trees import threshold_float32

SUPPORTED = (
    "DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier, KNeighborsClassifier, GaussianNB, "
    "LogisticRegression, LinearSVC, SVC (linear, rbf, poly kernels), RidgeClassifier, SGDClassifier, MLPClassifier"
)


def from_sklearn(estimator, pipeline=None):
    """The sensorflow stage equal to a fitted scikit-learn ``estimator``; with ``pipeline`` (a
    Pipeline or a YAML path) a new Pipeline whose model stage is that stage (``fit`` of that
    pipeline then fits its feature stages and keeps the estimator's model)."""
    stage = to_stage(estimator)
    if pipeline is None:
        return stage
    import types

    from ..pipeline import Pipeline
    from ..stages.models.imported import _keep
    from .place import with_model

    stage.fit = types.MethodType(_keep, stage)

    if not isinstance(pipeline, Pipeline):
        pipeline = Pipeline.from_yaml(pipeline)
    return with_model(pipeline, stage)


def to_stage(est):
    from ..registry import stage as make

    kind = type(est).__name__
    if not hasattr(est, "classes_"):
        raise ConfigError(f"{kind} is not a fitted classifier; fit it first (supported: {SUPPORTED})")
    classes = np.asarray(est.classes_).tolist()
    if kind in ("DecisionTreeClassifier", "RandomForestClassifier", "ExtraTreesClassifier"):
        name = {"DecisionTreeClassifier": "decision_tree", "RandomForestClassifier": "random_forest"}.get(
            kind, "extra_trees"
        )
        params = {"n_estimators": len(est.estimators_)} if name != "decision_tree" else {}
        s = make(name, max_depth=est.max_depth, **params)
        _fill_trees(s, getattr(est, "estimators_", [est]))
    elif kind == "KNeighborsClassifier":
        metric = est.effective_metric_
        p = float(est.effective_metric_params_.get("p", 2.0))
        if metric not in ("euclidean", "manhattan", "chebyshev", "minkowski") or est.weights not in (
            "uniform",
            "distance",
        ):
            raise ConfigError(f"KNeighborsClassifier with metric={metric!r}, weights={est.weights!r} has no stage")
        s = make("knn", n_neighbors=est.n_neighbors, weights=est.weights, metric=metric, p=p)
        s.fit_X_ = np.array(est._fit_X)
        s.fit_y_ = np.asarray(est._y, dtype=np.int32)
    elif kind == "GaussianNB":
        s = make("gaussian_nb", var_smoothing=est.var_smoothing)
        s.theta_, s.var_, s.class_prior_ = np.asarray(est.theta_), np.asarray(est.var_), np.asarray(est.class_prior_)
    elif kind == "SVC":
        s = _svm(est, make)
    elif kind in ("LogisticRegression", "LinearSVC", "RidgeClassifier", "SGDClassifier"):
        if kind == "LogisticRegression" and len(classes) > 2 and getattr(est, "multi_class", "auto") == "ovr":
            raise ConfigError("LogisticRegression(multi_class='ovr') has no stage; use the default (multinomial)")
        s = make("logistic")
        s.coef_ = np.atleast_2d(np.asarray(est.coef_))
        s.intercept_ = np.atleast_1d(np.asarray(est.intercept_))
    elif kind == "MLPClassifier":
        if est.out_activation_ not in ("softmax", "logistic") or (est.out_activation_ == "logistic") != (
            len(classes) == 2
        ):
            raise ConfigError("MLPClassifier with multi-label output has no stage")
        s = make("mlp", hidden_layer_sizes=list(est.hidden_layer_sizes), activation=est.activation)
        s.layer_sizes_ = [int(est.coefs_[0].shape[0])] + [int(W.shape[1]) for W in est.coefs_]
        s.weights_ = np.concatenate([W.ravel() for W in est.coefs_])
        s.biases_ = np.concatenate([b.ravel() for b in est.intercepts_])
    else:
        raise ConfigError(f"no sensorflow stage mirrors {kind}; supported: {SUPPORTED}")
    s.classes_ = classes
    _bind_vector(s, int(est.n_features_in_))
    return s


def _svm(est, make):
    if not isinstance(est.kernel, str) or est.kernel not in ("linear", "rbf", "poly"):
        raise ConfigError(f"SVC(kernel={est.kernel!r}) has no stage; the svm stage has linear, rbf and poly kernels")
    gamma = est.gamma if isinstance(est.gamma, str) else float(est.gamma)
    s = make(
        "svm",
        kernel=est.kernel,
        C=float(est.C),
        gamma=gamma,
        degree=int(est.degree),
        coef0=float(est.coef0),
        break_ties=bool(est.break_ties),
    )
    s.load_estimator(est)
    return s


def _fill_trees(s, trees) -> None:
    feats, thrs, lefts, rights, values, offsets = [], [], [], [], [], [0]
    for t in trees:
        tr = t.tree_
        feats.append(tr.feature.astype(np.int32))
        thrs.append(threshold_float32(tr.threshold))
        lefts.append(tr.children_left.astype(np.int32))
        rights.append(tr.children_right.astype(np.int32))
        v = np.asarray(tr.value[:, 0, :], dtype=np.float64)
        values.append(v / v.sum(axis=1, keepdims=True))  # counts (older scikit-learn) or fractions
        offsets.append(offsets[-1] + tr.node_count)
    s.feature_, s.threshold_ = np.concatenate(feats), np.concatenate(thrs)
    s.left_, s.right_ = np.concatenate(lefts), np.concatenate(rights)
    s.value_ = np.concatenate(values)
    s.offsets_ = np.asarray(offsets, dtype=np.int64)


def _bind_vector(stage, n: int) -> None:
    from ..spec import Spec

    stage.bind(Spec.vector([f"f{i}" for i in range(n)]))
