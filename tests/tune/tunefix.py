"""Shared fixtures of the tune tests (imported by the test modules: a conftest.py here would shadow
tests/conftest.py): a small BasicMotions search (aeon ships the data)."""

from __future__ import annotations

import pytest

pytest.importorskip("optuna")
pytest.importorskip("distributed")
pytest.importorskip("aeon")

SMALL = """\
name: bm_tune
sensor:
  kind: imu
  sample_rate: 10
  channels: [ax, ay, az, gx, gy, gz]
window:
  length: 100
dataset:
  loader: aeon
  name: BasicMotions
  split:
    by: predefined
train:
  cv_folds: 2
search:
  window:
    length: [50, 100]
  features: [stats, band_energy]
  models: [decision_tree, gaussian_nb, random_forest]
  params:
    random_forest.n_estimators: {low: 2, high: 6}
"""


@pytest.fixture
def small_pipeline(tmp_path):
    path = tmp_path / "bm.yaml"
    path.write_text(SMALL)
    return path
