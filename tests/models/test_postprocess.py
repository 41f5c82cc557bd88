"""Post stages: batch vs streaming with arbitrary chunking (exactly equal), smoothing against
an independent numpy oracle, threshold and refractory semantics, the wake-word chain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorflow import registry
from sensorflow.errors import ConfigError
from sensorflow.pipeline import Pipeline


def _stream(stage, S, cuts):
    state = stage.init_state()
    outs, i = [], 0
    for c in list(cuts) + [len(S)]:
        c = min(max(c, i), len(S))
        state, o = stage.process(state, S[i:c])
        outs.append(o)
        i = c
    return np.concatenate(outs)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.lists(st.integers(0, 60), max_size=8), st.integers(0, 2**31 - 1))
def test_smooth_streaming_equals_batch_and_oracle(n, cuts, seed):
    rng = np.random.default_rng(seed)
    S = rng.dirichlet(np.ones(4), size=60).astype(np.float32)
    stage = registry.stage("smooth", windows=n)
    batch = stage.transform(S)
    np.testing.assert_array_equal(_stream(stage, S, sorted(cuts)), batch)
    # oracle: mean of the last n rows that exist
    oracle = np.array([S[max(0, t - n + 1) : t + 1].astype(np.float64).mean(axis=0) for t in range(len(S))])
    np.testing.assert_allclose(batch, oracle, rtol=1e-6, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 6), st.booleans(), st.lists(st.integers(0, 80), max_size=8), st.integers(0, 2**31 - 1))
def test_refractory_streaming_equals_batch(hold, per_class, cuts, seed):
    rng = np.random.default_rng(seed)
    S = (rng.random((80, 3)) > 0.7).astype(np.float32)
    stage = registry.stage("refractory", windows=hold, per_class=per_class)
    batch = stage.transform(S)
    np.testing.assert_array_equal(_stream(stage, S, sorted(cuts)), batch)
    # after any passed detection, that class (or all) is silent for `hold` windows
    for t in np.flatnonzero(batch.any(axis=1)):
        cols = np.flatnonzero(batch[t]) if per_class else slice(None)
        assert not batch[t + 1 : t + 1 + hold][:, cols].any()
    # nothing is invented: every output is an input detection
    assert np.all(batch <= S)


def test_refractory_example():
    S = np.array([[0, 1], [0, 1], [0, 1], [0, 0], [0, 1], [1, 1]], dtype=np.float32)
    out = registry.stage("refractory", windows=2).transform(S)
    np.testing.assert_array_equal(out, [[0, 1], [0, 0], [0, 0], [0, 0], [0, 1], [1, 0]])
    out = registry.stage("refractory", windows=2, per_class=False).transform(S)
    np.testing.assert_array_equal(out, [[0, 1], [0, 0], [0, 0], [0, 0], [0, 1], [0, 0]])


def test_threshold_per_class_and_target():
    S = np.array([[0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.7, 0.2, 0.1]], dtype=np.float32)
    t = registry.stage("threshold", threshold=0.5)
    np.testing.assert_array_equal(t.transform(S), [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    t = registry.stage("threshold", threshold=0.25, target="1")
    np.testing.assert_array_equal(t.transform(S), [[0, 1, 0], [0, 1, 0], [0, 0, 0]])
    t = registry.stage("threshold", threshold={"0": 0.65, "2": 0.3})
    np.testing.assert_array_equal(t.transform(S), [[0, 0, 1], [0, 0, 1], [1, 0, 0]])


WAKE = """
name: wake
sensor: {kind: audio, sample_rate: 100, channels: [mic]}
window: {length: 10, hop: 5}
stages:
  - type: stats
    functions: [mean, std]
  - type: logistic
  - type: smooth
    windows: 2
  - type: threshold
    threshold: 0.6
    target: "yes"
  - type: refractory
    seconds: 0.98
"""


def _wake_pipeline():
    pipe = Pipeline.from_string(WAKE)
    rng = np.random.default_rng(0)
    quiet = rng.standard_normal((200, 10, 1)).astype(np.float32) * 0.1
    loud = rng.standard_normal((200, 10, 1)).astype(np.float32) * 0.1 + 1.0
    X = np.concatenate([quiet, loud])
    y = np.array(["_background"] * 200 + ["yes"] * 200)
    return pipe.fit(X, y)


def test_wake_word_chain_turns_scores_into_single_events():
    pipe = _wake_pipeline()
    assert pipe.steps[-1].stages[0].hold_windows() == 20  # 0.98 s at 20 windows/s, rounded up
    rng = np.random.default_rng(1)
    signal = rng.standard_normal((1000, 1)).astype(np.float32) * 0.1
    signal[300:360] += 1.0  # one "yes", 0.6 s long
    signal[700:740] += 1.0  # another
    chunks = [signal[i : i + 37] for i in range(0, len(signal), 37)]
    recs = list(pipe.stream(chunks))
    events = [r["time"] for r in recs if r["post"].any()]
    assert len(events) == 2
    assert 2.9 <= events[0] <= 3.6 and 6.9 <= events[1] <= 7.4
    # the same with batch transforms over the whole window sequence
    scores = pipe.predict_proba(pipe.frame(signal))
    post = scores
    for s in pipe.post_stages():
        post = s.transform(post)
    np.testing.assert_array_equal(np.concatenate([r["post"][None] for r in recs]), post)


def test_threshold_target_must_be_a_class():
    bad = WAKE.replace('target: "yes"', 'target: "yess"')
    pipe = Pipeline.from_string(bad)
    with pytest.raises(ConfigError, match="class 'yess' is not one of the model's classes"):
        rng = np.random.default_rng(0)
        X = rng.standard_normal((40, 10, 1)).astype(np.float32)
        pipe.fit(X, np.array(["a", "yes"] * 20))


def test_refractory_needs_windows_or_seconds():
    with pytest.raises(ConfigError, match="exactly one of 'windows' or 'seconds'"):
        registry.stage("refractory")


def test_threshold_accepts_integer_class_names():
    S = np.array([[0.2, 0.8], [0.9, 0.1]], dtype=np.float32)
    t = registry.stage("threshold", threshold={1: 0.5}, target=[1])
    np.testing.assert_array_equal(t.transform(S), [[0, 1], [0, 0]])
