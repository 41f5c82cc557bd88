"""Recordings shorter than the window (issue 25 item 4): ``window.pad`` (resample | edge | zero),
the host reference ``windowing.to_window``, the generated ``<prefix>_to_window`` (C, under
ASan/UBSan) and ``Pipeline.to_window`` (MicroPython, CPython and the real interpreter) giving the
host's bits, and on JapaneseVowels (7 to 29 samples) the default no longer biasing mean and std."""

from __future__ import annotations

import importlib
import re
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.codegen.micropython import export as mp_export
from sensorflow.config import loads
from sensorflow.datasets import Dataset
from sensorflow.errors import ConfigError, DataError
from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare
from sensorflow.windowing import PAD_MODES, to_window

RUNTIME_C = Path(__file__).resolve().parents[2] / "sensorflow" / "runtime" / "c" / "sf_pad.h"


def _recordings(rng, length: int, channels: int) -> list[np.ndarray]:
    """Every length from 1 to length + 2 frames, values of mixed sign and scale."""
    return [
        (rng.standard_normal((n, channels)) * rng.uniform(0.1, 100.0)).astype(np.float32) for n in range(1, length + 3)
    ]


def test_modes_on_a_hand_example():
    x = np.array([[1.0, -2.0], [3.0, 4.0], [5.0, 0.0]], np.float32)
    assert np.array_equal(to_window(x, 5, "zero"), [[1, -2], [3, 4], [5, 0], [0, 0], [0, 0]])
    assert np.array_equal(to_window(x, 5, "edge"), [[1, -2], [3, 4], [5, 0], [5, 0], [5, 0]])
    assert np.array_equal(to_window(x, 5, "resample"), [[1, -2], [2, 1], [3, 4], [4, 2], [5, 0]])
    for mode in PAD_MODES:  # a long recording: its first window; one frame: repeated (or zeros after it)
        assert np.array_equal(to_window(np.arange(8.0)[:, None], 5, mode), np.arange(5.0)[:, None])
    assert np.array_equal(to_window([[7.0]], 3, "resample"), [[7.0]] * 3)
    with pytest.raises(DataError, match="unknown pad mode 'wrap'"):
        to_window(x, 5, "wrap")
    with pytest.raises(DataError, match="n_samples >= 1"):
        to_window(np.zeros((0, 2)), 5)


def test_resample_is_linear_interpolation(rng):
    """Oracle: numpy.interp in float64 at positions i (n - 1) / (length - 1); float32 rounding only."""
    for n, length in [(2, 29), (7, 29), (15, 29), (28, 29), (5, 100), (99, 100)]:
        x = rng.standard_normal((n, 3)).astype(np.float32)
        pos = np.arange(length) * (n - 1) / (length - 1)
        ref = np.stack([np.interp(pos, np.arange(n), x[:, c].astype(np.float64)) for c in range(3)], axis=1)
        np.testing.assert_allclose(to_window(x, length, "resample"), ref, rtol=0, atol=4e-7 * np.abs(x).max())


def test_pad_modes_keep_the_c_enum_order():
    text = RUNTIME_C.read_text()
    enum = re.search(r"typedef enum \{([^}]*)\} sf_pad_mode;", text).group(1)
    names = [m.group(1).lower() for m in re.finditer(r"SF_PAD_(\w+) = (\d+)", enum)]
    values = [int(m.group(2)) for m in re.finditer(r"SF_PAD_(\w+) = (\d+)", enum)]
    assert names == list(PAD_MODES) and values == list(range(len(PAD_MODES)))


def test_dataset_windows_follow_the_pad_mode():
    ds = Dataset([np.arange(30.0)[:, None], np.ones((120, 1))], ["a", "b"], ["1", "2"], 100.0, ["m"], ["s", "l"])
    notes = []
    w = ds.windows(50, 50, note=notes.append)  # default: resample
    assert len(w.y) == 3 and np.array_equal(w.recording, [0, 1, 1])
    assert w.X[0, 0, 0] == 0 and w.X[0, -1, 0] == 29 and np.all(np.diff(w.X[0, :, 0]) > 0)
    assert "1 of 2 recordings are shorter than one window" in notes[0] and "resampled" in notes[0]
    assert np.array_equal(ds.windows(50, 50, "edge").X[0, 30:, 0], [29.0] * 20)
    assert ds.windows(50, 50, "zero").X[0, 30:].sum() == 0
    assert len(ds.windows(50, 50, None).y) == 2  # None drops the short recording


PIPE = "name: p\nsensor: {{kind: {kind}, sample_rate: 10, channels: [a]}}\nwindow: {{length: 8{pad}}}\nstages: [{{type: stats}}]\n"


@pytest.mark.parametrize(
    ("kind", "pad", "want"),
    [("imu", "", "resample"), ("generic", "", "resample"), ("audio", "", "zero"), ("audio", ", pad: edge", "edge")],
)
def test_default_pad_by_sensor_kind(kind, pad, want):
    assert Pipeline.from_string(PIPE.format(kind=kind, pad=pad)).pad == want


def test_bad_pad_is_a_one_line_error_with_the_line():
    with pytest.raises(ConfigError) as err:
        loads(PIPE.format(kind="imu", pad=", pad: wrap"), shown="p.yaml")
    msg = str(err.value)
    assert msg.startswith("p.yaml:3: window.pad") and "resample" in msg and "\n" not in msg


def _fitted(pad: str, length: int = 29, channels: int = 3):
    text = (
        f"name: p\nsensor: {{kind: generic, sample_rate: 10, channels: [{', '.join(f'c{i}' for i in range(channels))}]}}\n"
        f"window: {{length: {length}, pad: {pad}}}\nstages: [{{type: stats, functions: [mean, std]}}, {{type: logistic}}]\n"
    )
    pipe = Pipeline.from_string(text)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, length, channels)).astype(np.float32)
    return pipe.fit(X, np.arange(30) % 3)


@pytest.mark.parametrize("pad", PAD_MODES)
def test_c_to_window_equals_the_host_bit_for_bit(pad, rng, tmp_path):
    need_tools("cc")
    pipe = _fitted(pad)
    assert pipe.pad == pad
    h = ccompare.build(pipe, tmp_path, sanitize=True)
    recs = _recordings(rng, 29, 3)
    got = h.to_window(recs)
    want = np.stack([pipe.to_window(r) for r in recs])
    assert got.shape == (len(recs), 29, 3)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))  # same bits (signed zeros too)
    assert f"SF_PAD_{pad.upper()}" in (tmp_path / "sf_model.h").read_text()


MP_CODE = """
from array import array
import sf_model as m
p = m.Pipeline()
f = open('/in.bin', 'rb')
raw = f.read()
f.close()
out = open('/out.bin', 'wb')
pos = 0
while pos < len(raw):
    n = int.from_bytes(raw[pos:pos + 4], 'little')
    pos += 4
    rec = array('f', raw[pos:pos + 4 * n * m.N_CHANNELS])
    pos += 4 * n * m.N_CHANNELS
    out.write(p.to_window(rec))
out.close()
"""


@pytest.mark.parametrize("pad", PAD_MODES)
def test_micropython_to_window_equals_the_host_bit_for_bit(pad, rng, tmp_path, monkeypatch):
    pipe = _fitted(pad)
    mp_export(pipe, {"content_hash": "0" * 64}, None, tmp_path, mpy=False)
    recs = _recordings(rng, 29, 3)
    want = np.stack([pipe.to_window(r) for r in recs])
    monkeypatch.syspath_prepend(str(tmp_path))  # CPython: the module as generated
    for name in ("sf_model", "sf_runtime"):
        sys.modules.pop(name, None)
    mod = importlib.import_module("sf_model")
    p = mod.Pipeline()
    from array import array

    got = np.stack([np.frombuffer(bytes(p.to_window(array("f", r.ravel().tobytes()))), "<f4") for r in recs])
    assert np.array_equal(got.reshape(want.shape).view(np.uint32), want.view(np.uint32))
    for name in ("sf_model", "sf_runtime"):
        sys.modules.pop(name, None)

    from sensorflow.mpy import available, interp

    if available() is not None:
        pytest.skip(available())
    payload = b"".join(struct.pack("<i", len(r)) + r.astype("<f4").tobytes() for r in recs)
    files = {f"/lib/{f.name}": f.read_bytes() for f in tmp_path.glob("*.py")}
    res = interp.run(MP_CODE, files={**files, "/in.bin": payload}, collect=["/out.bin"])
    got = np.frombuffer(res.files["/out.bin"], "<f4").reshape(want.shape)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


@pytest.mark.slow
def test_japanese_vowels_default_keeps_mean_and_std():
    """Against the statistics of each recording itself: the default (resample) moves the mean by a
    few hundredths of a standard deviation where zero padding moves it by most of one (measured:
    median 0.016 vs 0.708, docs/experiments/2026-12-06-gesture-cnn-and-padding.md)."""
    pytest.importorskip("aeon.datasets")

    pipe = Pipeline.from_yaml(Path(__file__).resolve().parents[2] / "pipelines" / "japanese_vowels.yaml")
    assert Pipeline.from_string(PIPE.format(kind="generic", pad="")).pad == "resample"  # the default here
    ds = pipe.load_data(None)
    shift = {m: [] for m in PAD_MODES}
    ratio = {m: [] for m in PAD_MODES}
    for s in ds.signals:
        sd = np.maximum(s.std(0, dtype=np.float64), 1e-9)
        for m in PAD_MODES:
            w = to_window(s, pipe.window_length, m).astype(np.float64)
            shift[m].append(np.abs(w.mean(0) - s.mean(0, dtype=np.float64)) / sd)
            ratio[m].append(w.std(0) / sd)
    med = {m: float(np.median(shift[m])) for m in PAD_MODES}
    assert med["resample"] < 0.05 and med["zero"] > 0.5 and med["edge"] > 0.3
    assert 0.9 < float(np.median(ratio["resample"])) <= 1.0
    assert float(np.percentile(ratio["zero"], 95)) > 2.0  # zero padding inflates std far more
