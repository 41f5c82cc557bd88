"""The goal-datasets bench section assembles its table and targets from the measured figures
(training, the emulator and the aeon peers replaced by recorded inputs; no timing)."""

from __future__ import annotations

import pytest

from sensorflow.bench import goals_section as gs
from sensorflow.bench.runner import SECTIONS
from sensorflow.errors import SensorflowError

MEASURED = {
    "gunpoint": {"accuracy": 1.0, "flash": 9_000, "ram": 2_500, "instr_infer": 290_000, "agree": 8, "k": 8},
    "japanese_vowels": {
        "accuracy": 0.989,
        "flash": 340_000,
        "ram": 4_000,
        "instr_infer": 1_500_000,
        "agree": 8,
        "k": 8,
    },
    "acsf1": {"accuracy": 0.91, "flash": 30_000, "ram": 20_000, "instr_infer": 11_000_000, "agree": 3, "k": 3},
}
PEERS = {
    "GunPoint": {"minirocket": 0.993, "catch22_rf": 0.947},
    "JapaneseVowels": {"minirocket": 0.989, "catch22_rf": 0.954},
    "ACSF1": {"minirocket": 0.91, "catch22_rf": 0.86},
    "BasicMotions": {"minirocket": 1.0, "catch22_rf": 1.0},
}


@pytest.fixture
def measured(monkeypatch):
    calls = []

    def fake_sensorflow(pipeline, work):
        calls.append(pipeline)
        if pipeline == "gesture":
            raise SensorflowError("no emulator for this test")
        return MEASURED[pipeline]

    monkeypatch.setattr(gs.qh, "tools_available", lambda board: None)
    monkeypatch.setattr(gs, "sensorflow_result", fake_sensorflow)
    monkeypatch.setattr(gs, "peer_accuracy", lambda name: PEERS[name])
    monkeypatch.setattr(gs, "budget", lambda: (524_288, 131_072))
    return calls


def test_goals_table_rows_come_from_the_measured_figures(measured):
    sec = gs.run(quick=False)
    assert measured == ["gunpoint", "japanese_vowels", "acsf1", "gesture"]
    table = sec.tables[0]
    assert table.columns[:8] == [
        "dataset",
        "pipeline",
        "sensorflow accuracy",
        "MiniRocket",
        "catch22-RF",
        "flash bytes",
        "RAM bytes",
        "M4F instructions / inference",
    ]
    rows = {r[0]: r for r in table.rows}
    assert rows["ACSF1"] == ["ACSF1", "pipelines/acsf1.yaml", 0.91, 0.91, 0.86, 30_000, 20_000, 11_000_000, "3 / 3"]
    assert rows["GunPoint"][2:5] == [1.0, 0.993, 0.947]
    # a pipeline that could not be measured keeps its peers and says why
    assert rows["BasicMotions"][2:5] == [None, 1.0, 1.0] and rows["BasicMotions"][5:] == [None] * 4
    assert any("BasicMotions: not measured: sensorflow: SensorflowError: no emulator" in n for n in table.notes)


def test_goals_targets_compare_with_the_issue_goals_and_the_board_budget(measured):
    sec = gs.run(quick=False)
    status = {t.name: t.status for t in sec.targets}
    assert status["GunPoint: held-out accuracy"] == "pass"  # 1.0 >= 0.98
    assert status["JapaneseVowels: held-out accuracy"] == "pass"  # 0.989 >= 0.98
    assert status["ACSF1: held-out accuracy"] == "pass"  # 0.91 >= 0.90
    assert status["ACSF1 on M4F: instructions per inference"] == "short"  # 11 M > 10 M
    assert status["ACSF1 on M4F: RAM"] == "pass"
    assert status["BasicMotions: held-out accuracy"] == "not available"
    limits = {t.name: t.limit for t in sec.targets}
    assert limits["GunPoint on M4F: flash"] == 524_288 and limits["GunPoint on M4F: RAM"] == 131_072


def test_goals_quick_runs_gunpoint_only(measured):
    sec = gs.run(quick=True)
    assert measured == ["gunpoint"] and [r[0] for r in sec.tables[0].rows] == ["GunPoint"]


def test_goals_section_is_registered_and_says_why_without_the_emulator(monkeypatch):
    assert SECTIONS["goals"][0] == "sensorflow.bench.goals_section"
    monkeypatch.setattr(gs.qh, "tools_available", lambda board: "qemu-system-arm not found")
    sec = gs.run(quick=True)
    assert not sec.available and "qemu-system-arm" in sec.reason
