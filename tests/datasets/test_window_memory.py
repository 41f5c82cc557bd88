"""The windows of a dataset are refused before framing when they would take more than half of
this process's memory; the wake-word corpus (1.4 GiB of windows) fits a normal machine."""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.datasets import Dataset
from sensorflow.datasets import dataset as dataset_mod
from sensorflow.errors import DataError


def _ds(n_samples=10_000):
    return Dataset([np.zeros((n_samples, 2), np.float32)], ["a"], ["g"], 100.0, ("x", "y"), ["rec"])


def test_limit_is_half_the_smaller_of_memory_and_address_space(monkeypatch):
    monkeypatch.setattr(dataset_mod.os, "sysconf", lambda name: {"SC_PHYS_PAGES": 1000, "SC_PAGE_SIZE": 4096}[name])
    resource = pytest.importorskip("resource")
    monkeypatch.setattr(resource, "getrlimit", lambda which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    assert dataset_mod.window_memory_limit() == 1000 * 4096 // 2
    monkeypatch.setattr(resource, "getrlimit", lambda which: (1_000_000, resource.RLIM_INFINITY))
    assert dataset_mod.window_memory_limit() == 500_000


def test_windows_over_the_limit_are_refused_before_framing(monkeypatch):
    monkeypatch.setattr(dataset_mod, "window_memory_limit", lambda: 1 << 20)
    ds = _ds()
    ds.windows(100, 100)  # 100 windows x 100 x 2 floats: 80 KB
    with pytest.raises(DataError, match=r"over the 0\.0 GiB limit .*raise window\.hop"):
        ds.windows(100, 1)  # 9,901 windows: 7.6 MB


def test_a_machine_with_memory_admits_the_wakeword_corpus():
    """23,578 windows of 16,000 samples (1.4 GiB): the fixed 1 GiB limit refused `make demo`."""
    import os

    if os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") < 4 * 2**30:
        pytest.skip("this machine has under 4 GiB of memory")
    assert dataset_mod.window_memory_limit() >= int(1.5 * 2**30)
