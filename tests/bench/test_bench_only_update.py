"""`sensorflow bench --only NAME --out DIR` replaces those sections in DIR's report and keeps the
others with their own dates (fake sections: nothing is measured)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

from sensorflow.bench import runner
from sensorflow.bench.report import Section, Table, Target
from sensorflow.errors import ConfigError

OLD_DATE = "2026-01-02 03:04 UTC"


@pytest.fixture
def fake_sections(monkeypatch):
    """Three sections a, b, c whose run() returns `value[name]` in a one-cell table and a target."""
    value = {"a": 1, "b": 2, "c": 3}
    sections = {}
    for name in value:
        mod = types.ModuleType(f"fake_bench_{name}")
        mod.run = lambda quick, name=name: Section(
            name,
            name.upper(),
            tables=[Table("t", ["v"], [[value[name]]])],
            targets=[Target(f"{name} limit", value[name], 5)],
        )
        monkeypatch.setitem(sys.modules, mod.__name__, mod)
        sections[name] = (mod.__name__, name.upper())
    monkeypatch.setattr(runner, "SECTIONS", sections)
    return value


def _age(out_dir):
    """Make every stored section look measured by an older run."""
    path = out_dir / "benchmarks.json"
    data = json.loads(path.read_text())
    for s in data["sections"]:
        s["measured_on"] = OLD_DATE
    data["meta"]["runs"][0]["date"] = OLD_DATE
    path.write_text(json.dumps(data))


def test_only_replaces_its_sections_and_keeps_the_others(tmp_path, fake_sections):
    runner.run(None, out_dir=tmp_path)
    _age(tmp_path)
    fake_sections.update(a=10, b=20, c=30)

    runner.run(["b"], quick=True, out_dir=tmp_path)

    data = json.loads((tmp_path / "benchmarks.json").read_text())
    by_name = {s["name"]: s for s in data["sections"]}
    assert [s["name"] for s in data["sections"]] == ["a", "b", "c"]  # the bench's order, not the run's
    assert by_name["a"]["tables"][0]["rows"] == [[1]] and by_name["c"]["tables"][0]["rows"] == [[3]]
    assert by_name["b"]["tables"][0]["rows"] == [[20]] and by_name["b"]["quick"] is True
    assert by_name["a"]["measured_on"] == OLD_DATE and by_name["b"]["measured_on"] != OLD_DATE
    runs = data["meta"]["runs"]
    assert [r["sections"] for r in runs] == [["a", "c"], ["b"]]
    assert runs[1]["command"] == "sensorflow bench --quick --only b"

    md = (tmp_path / "benchmarks.md").read_text()
    assert f"_section `a`: measured {OLD_DATE} in" in md and f"_section `c`: measured {OLD_DATE} in" in md
    assert f"_section `b`: measured {by_name['b']['measured_on']} (--quick) in" in md
    assert "| 20 |" in md and "| 1 |" in md and "| 30 |" not in md
    assert "| b limit | 20 | ≤ 5 | **short** |" in md and "| a limit | 1 | ≤ 5 | **pass** |" in md
    assert f"- {OLD_DATE}, `sensorflow bench`" in md and "`sensorflow bench --quick --only b`" in md

    # re-running the last old section retires the old run from the header
    runner.run(["a", "c"], out_dir=tmp_path)
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    assert OLD_DATE not in {r["date"] for r in data["meta"]["runs"]}
    assert OLD_DATE not in (tmp_path / "benchmarks.md").read_text()


def test_a_full_run_starts_afresh_and_reads_reports_without_runs(tmp_path, fake_sections):
    # a report written before sections had dates: its meta is the one run of every section
    old = {
        "meta": {"date": OLD_DATE, "quick": False, "python": "3.11", "machine": "x", "packages": {}, "tools": {}},
        "sections": [
            {"name": "a", "title": "A", "available": False, "reason": "no tool"},
            {"name": "gone", "title": "G", "available": True},
        ],
    }
    (tmp_path / "benchmarks.json").write_text(json.dumps(old))
    notes = []
    runner.run(["c"], out_dir=tmp_path, note=notes.append)
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    assert [(s["name"], s["measured_on"] == OLD_DATE) for s in data["sections"]] == [("a", True), ("c", False)]
    assert any("dropped stored section 'gone'" in n for n in notes)
    assert "not available: no tool" in (tmp_path / "benchmarks.md").read_text()

    runner.run(None, out_dir=tmp_path)
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    assert len(data["meta"]["runs"]) == 1 and [s["name"] for s in data["sections"]] == ["a", "b", "c"]


def test_a_report_that_cannot_be_kept_is_refused_before_measuring(tmp_path, fake_sections, monkeypatch):
    monkeypatch.setattr(runner, "run_section", lambda *a, **k: pytest.fail("measured before refusing"))
    (tmp_path / "benchmarks.md").write_text("# hand-made\n")
    with pytest.raises(ConfigError, match="no benchmarks.json beside it"):
        runner.run(["a"], out_dir=tmp_path)
    (tmp_path / "benchmarks.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read the sections to keep"):
        runner.run(["a"], out_dir=tmp_path)


def test_cli_refuses_an_unreadable_report_in_one_line(tmp_path):
    (tmp_path / "benchmarks.json").write_text("[]")
    proc = subprocess.run(
        [sys.executable, "-m", "sensorflow", "bench", "--only", "trees", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "cannot read the sections to keep" in proc.stderr


def test_a_stopped_run_keeps_the_sections_it_measured(tmp_path, fake_sections, monkeypatch):
    runner.run(None, out_dir=tmp_path)
    _age(tmp_path)
    fake_sections.update(a=10)

    def stop(quick):
        raise KeyboardInterrupt

    monkeypatch.setattr(sys.modules["fake_bench_b"], "run", stop)
    with pytest.raises(KeyboardInterrupt):
        runner.run(None, out_dir=tmp_path)
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    by_name = {s["name"]: s for s in data["sections"]}
    assert by_name["a"]["tables"][0]["rows"] == [[10]] and by_name["a"]["measured_on"] != OLD_DATE
    assert by_name["b"]["measured_on"] == OLD_DATE and by_name["c"]["measured_on"] == OLD_DATE
    assert not list(tmp_path.glob(".*.tmp"))
