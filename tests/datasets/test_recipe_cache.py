"""The recipe cache: entries are reused by options, written atomically, and a failed write
(full disk, read-only folder) costs the cache, not the data."""

from __future__ import annotations

import numpy as np

from sensorflow.datasets.recipes import cache


def _builder(calls):
    def build():
        calls.append(1)
        return {"X": np.arange(6.0).reshape(2, 3)}, {"n": 2}

    return build


def test_second_call_reads_the_entry_and_options_key_it(tmp_path):
    calls = []
    a = cache.load_or_build("demo", 1, {"k": 1}, _builder(calls), tmp_path)
    b = cache.load_or_build("demo", 1, {"k": 1}, _builder(calls), tmp_path)
    cache.load_or_build("demo", 1, {"k": 2}, _builder(calls), tmp_path)
    assert len(calls) == 2
    np.testing.assert_array_equal(a[0]["X"], b[0]["X"])
    assert b[1] == {"n": 2}


def test_failed_write_logs_one_line_and_returns_the_data(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.np, "save", full_disk)
    said = []
    arrays, info = cache.load_or_build("demo", 1, {}, _builder([]), tmp_path, log=said.append)
    np.testing.assert_array_equal(arrays["X"], np.arange(6.0).reshape(2, 3))
    assert info == {"n": 2}
    assert list(tmp_path.iterdir()) == []  # no half-written entry left behind
    assert len(said) == 2 and "\n" not in said[-1]
    assert "could not cache" in said[-1] and "No space left on device" in said[-1] and "SENSORFLOW_CACHE" in said[-1]
