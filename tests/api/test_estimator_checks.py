"""scikit-learn's own estimator checks (``sklearn.utils.estimator_checks``) on ``Pipeline``.

Every check feeds 2-D data ``X (n_samples, n_features)`` of its own width. A pipeline takes
windows of a fixed shape, so each check runs on a pipeline whose windows fit its data: one
sample of ``n_features`` channels (``stats: mean`` then passes the values through, so the
model sees the check's features). CHECK_WIDTH is the width each check's data has; the
checks that do not apply at any width are in NOT_APPLICABLE, with the reason, and run as
expected failures (scikit-learn's ``expected_failed_checks``)."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import _check_name, estimator_checks_generator

from sensorflow.pipeline import Pipeline

YAML = """name: columns
sensor: {kind: generic, sample_rate: 100, channels: [%s]}
window: {length: 1}
stages:
  - type: stats
    functions: [mean]
  - type: decision_tree
    max_depth: 4
"""

# the n_features of the data each check builds (checks not listed work at any width: run at 3)
CHECK_WIDTH = {
    "check_fit2d_1feature": 1,
    "check_estimators_overwrite_params": 2,
    "check_estimators_fit_returns_self": 2,
    "check_readonly_memmap_input": 2,
    "check_classifier_data_not_an_array": 2,
    "check_classifiers_classes": 2,
    "check_classifiers_train": 2,
    "check_fit_idempotent": 2,
    "check_fit_check_is_fitted": 2,
    "check_n_features_in": 2,
    "check_n_features_in_after_fitting": 4,
    "check_positive_only_tag_during_fit": 4,
    "check_estimators_dtypes": 5,
    "check_dtype_object": 10,
}
DEFAULT_WIDTH = 3

NOT_APPLICABLE = {
    "check_fit2d_1sample": (
        "fitting one window fails as it should (a classifier stage needs two classes), but with "
        "sensorflow's message ('needs at least two classes to learn'), not one of the phrases the check "
        "looks for ('1 sample', 'one class'...)"
    ),
}


def columns_pipeline(width: int) -> Pipeline:
    """Windows of one sample over ``width`` channels: a plain ``(n, width)`` feature matrix."""
    return Pipeline.from_string(YAML % ", ".join(f"c{i}" for i in range(width)), source=f"columns{width}.yaml")


def _cases():
    seen: dict[str, int] = {}
    for width in sorted(set(CHECK_WIDTH.values()) | {DEFAULT_WIDTH}):
        for case in estimator_checks_generator(
            columns_pipeline(width), legacy=True, expected_failed_checks=NOT_APPLICABLE, mark="xfail"
        ):
            estimator, check = case.values if hasattr(case, "values") else case
            name = _check_name(check)
            if CHECK_WIDTH.get(name, DEFAULT_WIDTH) != width:
                continue
            seen[name] = seen.get(name, 0) + 1
            marks = case.marks if hasattr(case, "marks") else ()
            yield pytest.param(estimator, check, marks=marks, id=f"{name}[{seen[name]}]-width{width}")


CASES = list(_cases())


@pytest.mark.parametrize("estimator, check", CASES)
def test_sklearn_check(estimator, check):
    check(estimator)


def test_every_check_runs_once_at_least():
    names = {c.id.split("[")[0] for c in CASES}
    assert set(CHECK_WIDTH) <= names
    assert set(NOT_APPLICABLE) <= names
    assert {"check_estimators_pickle", "check_fit_idempotent", "check_classifiers_train"} <= names
    assert len(names) > 50  # the whole suite, not a few


def test_windows_pipeline_tags():
    """A multi-channel pipeline over windows of many samples takes only 3-D input: its tags say so."""
    pipe = Pipeline.from_string(
        "name: imu\nsensor: {kind: imu, sample_rate: 50, channels: [ax, ay]}\nwindow: {length: 20}\n"
        "stages:\n  - type: stats\n    functions: [mean, std]\n  - type: decision_tree\n"
    )
    tags = pipe.__sklearn_tags__()
    assert (tags.input_tags.two_d_array, tags.input_tags.three_d_array) == (False, True)
    assert tags.estimator_type == "classifier"
    one_channel = Pipeline.from_string(
        "name: mono\nsensor: {kind: audio, sample_rate: 100, channels: [x]}\nwindow: {length: 20}\n"
        "stages:\n  - type: stats\n    functions: [mean, std]\n  - type: decision_tree\n"
    )
    assert one_channel.__sklearn_tags__().input_tags.two_d_array  # (n, length)
