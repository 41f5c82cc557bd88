"""The DSP stages inside a YAML pipeline: binding from the sensor's sample rate, parallel
feature groups, names prefixed by stage, the scaler fitted on the training features."""

from __future__ import annotations

import numpy as np

import sensorflow

YAML = """
name: vib
sensor: {kind: vibration, sample_rate: 1000, channels: [ax, ay]}
window: {length: 256}
stages:
  - type: butter
    cutoff: 300
  - type: stats
    functions: [rms, kurtosis]
  - type: band_energy
    n_bands: 4
  - type: spectral
    features: [centroid]
    n_peaks: 1
  - type: scaler
  - type: logistic
"""


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.arange(256) / 1000.0
    f = np.where(y == 0, 50.0, 200.0)[:, None, None]
    X = np.sin(2 * np.pi * f * t[None, :, None]) + 0.3 * rng.standard_normal((n, 256, 2))
    return X.astype(np.float32), y


def test_dsp_stages_in_a_pipeline():
    pipe = sensorflow.Pipeline.from_string(YAML, "vib.yaml")
    X, y = _data()
    pipe.fit(X, y)
    feats = pipe.transform(X)
    names = pipe.feature_spec.names
    assert feats.shape == (60, len(names)) == (60, 2 * 2 + 2 * 4 + 2 * 3)
    assert names[:3] == ("stats.ax_rms", "stats.ax_kurtosis", "stats.ay_rms")
    assert "band_energy.ay_band3" in names and "spectral.ax_peak1_freq" in names
    np.testing.assert_allclose(feats.mean(axis=0), 0, atol=1e-4)  # the scaler saw the training features
    assert pipe.score(*_data(seed=1)) > 0.9
    # every stage was bound at the sensor's rate
    assert all(s.input_spec_.sample_rate == 1000.0 for s in pipe.stages[:4])
