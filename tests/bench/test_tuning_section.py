"""The tuning section of ``sensorflow bench``: the benchmark's JSON (from its subprocess) becomes
the accuracy, memory and speed-up tables and the issue's targets, judged against MiniRocket."""

from __future__ import annotations

import json
import subprocess

from sensorflow.bench import tuning_section
from sensorflow.bench.report import render_markdown


def _row(name, tuned, minirocket):
    return {
        "dataset": name,
        "board": "stm32f411",
        "trials": 24,
        "feasible": 20,
        "accuracy_cv": tuned,
        "accuracy_test": tuned,
        "minirocket_accuracy": minirocket,
        "gap_points": 100 * (minirocket - tuned),
        "flash_bytes": 30000,
        "ram_bytes": 4000,
        "instructions_per_inference": 900000,
        "measured": True,
        "pipeline": "minirocket + scaler + ridge_classifier",
        "search_seconds": 600.0,
        "tune_seconds": 590.0,
        "minirocket_seconds": 3.0,
        "differs": ["instructions: model 1.2e6, measured 9e5"],
    }


RESULT = {
    "table": [
        _row("GunPoint", 0.98, 0.993),
        {
            **_row("ACSF1", 0.80, 0.91),
            "filled": {
                "param": "n_estimators",
                "from": 20,
                "to": 126,
                "searched": {"accuracy_cv": 0.729, "accuracy_test": 0.78, "flash_bytes": 12184},
            },
        },
    ],
    "boards": [_row("GunPoint", 0.98, 0.993), {**_row("GunPoint", 0.9, 0.993), "board": "esp32-c3"}],
    "memory": {
        "n_windows": 1000,
        "n_features": 30,
        "workers": 2,
        "chunks": 4,
        "seconds": 2.0,
        "raw_windows_bytes": 1_200_000,
        "worker_peak_rss_bytes": [250e6, 251e6],
        "worker_rss_before_bytes": [100e6, 101e6],
        "worker_peak_rss_after_one_chunk_bytes": [250e6, 251e6],
    },
    "speedups": {
        "featurise_seconds": {"1": 10.0, "2": 5.5},
        "featurise_speedup": 10 / 5.5,
        "tune_seconds": {"1": 40.0, "2": 30.0},
        "tune_speedup": 40 / 30,
        "n_windows": 1000,
        "featurise_pipeline": "catch22 (3 channels, 100 samples)",
        "dataset": "BasicMotions",
        "trials": 8,
        "cpu_control": {"featurise": [1.95, 1.9, 1.925], "tune": [1.5, 1.3, 1.4]},
        "load_average_after_part": {"featurise": 0.5, "tune": 2.4},
        "load_average_before": [0.4, 0.5, 0.6],
    },
}


def test_section_judges_each_set_against_minirocket(monkeypatch):
    def fake_run(cmd, **kw):
        assert cmd[1:3] == ["-m", "sensorflow.tune.benchmark"] and "--quick" in cmd
        return subprocess.CompletedProcess(cmd, 0, "progress line\n" + json.dumps(RESULT) + "\n", "")

    monkeypatch.setattr(tuning_section.subprocess, "run", fake_run)
    sec = tuning_section.run(quick=True)
    status = {t.name.split(":")[0] + ("/time" if "time" in t.name else ""): t.status for t in sec.targets}
    assert status["GunPoint"] == "pass"  # 0.98 >= min(0.97, 0.993 - 0.02)
    assert status["ACSF1"] == "short"  # 0.80 < 0.89
    assert status["GunPoint/time"] == "pass"
    assert [t.status for t in sec.targets[-2:]] == ["pass", "short"]  # 1.82x featurise, 1.33x tune
    md = render_markdown([sec], [])
    assert "minirocket + scaler + ridge_classifier" in md and "differ by more than 10%" in md
    assert "featurise 1,000 windows: catch22" in md and "esp32-c3" in md
    # a forest filled to the budget names the searched size and its scores
    assert (
        "ACSF1: n_estimators filled from 20 to 126 within the budget; the searched size: CV 0.729, held-out 0.780" in md
    )
    # the control beside each ratio, and the efficiency: speed-up / mean control
    assert "| 1.82 | 1.95 / 1.90 / 1.93 | 0.94 | 0.5 |" in md  # 1.818 / 1.925
    assert "| 1.33 | 1.50 / 1.30 / 1.40 | 0.95 | 2.40 |" in md  # 1.333 / 1.4


def test_a_failed_benchmark_is_reported_not_hidden(monkeypatch):
    monkeypatch.setattr(
        tuning_section.subprocess,
        "run",
        lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1, "", "Traceback...\nValueError: boom\n"),
    )
    sec = tuning_section.run(quick=False)
    assert not sec.available and "ValueError: boom" in sec.reason
