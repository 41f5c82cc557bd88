import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorflow.windowing import Windower, frame


def test_frame_shapes_and_content():
    sig = np.arange(20, dtype=np.float32).reshape(10, 2)
    w = frame(sig, 4, 3)
    assert w.shape == (3, 4, 2)
    np.testing.assert_array_equal(w[1], sig[3:7])


def test_frame_short_signal_gives_no_window():
    assert frame(np.zeros((3, 1)), 4, 1).shape == (0, 4, 1)


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(1, 40),
    hop=st.integers(1, 60),
    n=st.integers(0, 300),
    cuts=st.lists(st.integers(1, 50), min_size=1, max_size=30),
)
def test_windower_equals_frame_for_any_chunking(length, hop, n, cuts):
    sig = np.random.default_rng(n).standard_normal((n, 3)).astype(np.float32)
    w = Windower(length, hop, 3)
    outs, i, k = [], 0, 0
    while i < n:
        c = cuts[k % len(cuts)]
        outs.append(w.push(sig[i : i + c]))
        i += c
        k += 1
    got = np.concatenate(outs) if outs else np.empty((0, length, 3), np.float32)
    np.testing.assert_array_equal(got, frame(sig, length, hop))


def test_training_says_when_recordings_are_shorter_than_a_window():
    from sensorflow.datasets import Dataset
    from sensorflow.pipeline import Pipeline
    from sensorflow.training import dataset_windows

    yaml = """
name: short
sensor: {kind: imu, sample_rate: 10, channels: [ax]}
window: {length: %d}
stages:
  - type: stats
    functions: [rms]
  - type: decision_tree
"""
    rng = np.random.default_rng(0)
    ds = Dataset(
        [rng.standard_normal((n, 1)) for n in (30, 50, 80)],
        ["a", "b", "a"],
        ["g1", "g2", "g3"],
        10,
        ["ax"],
        ["r1", "r2", "r3"],
    )
    notes = []
    w = dataset_windows(Pipeline.from_string(yaml % 60), ds, notes.append)
    assert len(w.X) == 3 and notes == [
        "2 of 3 recordings are shorter than one window (60 samples; shortest 30, "
        "longest 50): resampled to one window (window.pad); check window.length"
    ]
    notes.clear()
    dataset_windows(Pipeline.from_string(yaml % 30), ds, notes.append)
    assert notes == []
