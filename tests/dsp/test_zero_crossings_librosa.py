"""zero_crossings against its oracle, librosa.feature.zero_crossing_rate, for every example
parameter set, on noise with runs of exact zeros and a channel below the threshold."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

import sensorflow
from sensorflow import registry


@pytest.mark.parametrize("params", registry.get("zero_crossings").examples())
def test_zero_crossings_match_librosa(params):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((4, 256, 2)).astype(np.float32)
    X[0, 10:30, 0] = 0.0
    X[1, :, 1] *= 1e-11  # all inside librosa's default threshold: no crossings
    X[2, :, 0] = np.sin(2 * np.pi * 5 * np.arange(256) / 256)
    st = sensorflow.stage("zero_crossings", sample_rate=100.0, **params)
    got = st.transform(X).reshape(len(X), 2, -1)
    p = st.params
    ref = np.stack(
        [
            [
                librosa.feature.zero_crossing_rate(
                    X[i, :, c],
                    frame_length=p.frame_length,
                    hop_length=p.hop_length,
                    center=p.center,
                    threshold=p.threshold,
                )[0]
                for c in range(2)
            ]
            for i in range(len(X))
        ]
    )
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=0)
    assert np.any(got > 0) and np.all(got[1, 1] == 0)
