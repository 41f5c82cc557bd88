"""Smoke test of the host DSP benchmark (numbers only; no timing assertions)."""

from __future__ import annotations

import pytest

pytest.importorskip("librosa")

from sensorflow.bench import host_dsp  # noqa: E402


def _check(out, fresh):
    assert set(out["configs"]) == set(host_dsp.CONFIGS)
    for cfg in out["configs"].values():
        assert cfg["max_abs_diff_mfcc"] < 1e-3 and cfg["max_abs_diff_log_mel_db"] < 1e-3
        assert cfg["warm_ms"]["sensorflow_mfcc"] > 0 and cfg["speedup_vs_librosa_mfcc"] > 0
        assert ("fresh_process" in cfg) == fresh
    assert out["tables"][0]["rows"]


def test_bench_runs_on_one_second():
    _check(host_dsp.run(seconds=1, repeats=1, fresh_process=False), fresh=False)


@pytest.mark.slow
def test_bench_with_fresh_processes():
    out = host_dsp.run(seconds=1, repeats=1, fresh_process=True)
    _check(out, fresh=True)
    first = out["configs"]["kws"]["fresh_process"]["sensorflow_mfcc"]
    assert first is not None and first["first_call_s"] > 0
