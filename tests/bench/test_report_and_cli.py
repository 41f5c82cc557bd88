"""Benchmark report rendering, the threshold-input generator and the CLI (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.bench.report import Section, Table, Target, not_available, render_json, render_markdown
from sensorflow.bench.tree_data import summary_features, threshold_vectors
from sensorflow.bench.tree_exporters import c_literal


def test_target_status_and_not_available_rendering():
    assert Target("a", 900, 1000).status == "pass"
    assert Target("a", 1100, 1000).status == "short"
    assert Target("a", 0.96, 0.95, at_least=True).status == "pass"
    assert Target("a", None, 1000, reason="no export").status == "not available"
    sec = Section(
        "x", "X section", tables=[Table("t", ["a", "b"], [[1, None], ["p|q", 2.5]])], targets=[Target("limit", 5, 4)]
    )
    md = render_markdown([sec, not_available("y", "Y section", "module missing")], ["header"])
    assert "| 1 | – |" in md and "p\\|q" in md
    assert "not available: module missing" in md and "**short**" in md
    data = json.loads(render_json([sec], {"quick": True}))
    assert data["sections"][0]["targets"][0]["status"] == "short"


def test_summary_features_and_c_literals():
    X = [np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])]
    f = summary_features(X)
    assert f.dtype == np.float32 and f.shape == (1, 12)
    assert f[0, :6].tolist() == pytest.approx([2.0, np.std([1, 2, 3]), 1.0, 3.0, 1.0, 3.0])
    assert c_literal(1.0, "float") == "1.0f" and c_literal(np.float32(0.1), "float") == "0.100000001f"
    assert c_literal(2.0, "double") == "2.0" and c_literal(-3, "int16_t") == "-3"


def test_threshold_vectors_bracket_each_split():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 5)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 3] > 0).astype(int)
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
    V = threshold_vectors(model, X, max_vectors=1000)
    n_internal = int(np.sum(model.tree_.children_left >= 0))
    assert len(V) == 2 * n_internal
    lo, hi = V[0::2], V[1::2]
    diff = np.flatnonzero(lo[0] != hi[0])
    assert len(diff) == 1
    f = diff[0]
    assert np.nextafter(lo[0, f], np.float32(np.inf)) == hi[0, f]
    # scikit-learn sends the lower value left and the upper value right at that node
    thr = model.tree_.threshold[model.tree_.feature == f]
    assert np.any((lo[0, f] <= thr) & (hi[0, f] > thr))


def test_unknown_section_is_a_one_line_user_error():
    proc = subprocess.run(
        [sys.executable, "-m", "sensorflow", "bench", "--only", "nope"], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "unknown benchmark section 'nope'" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.emulator
@pytest.mark.slow
def test_quick_trees_section_runs_end_to_end(tmp_path):
    need_tools("arm-none-eabi-gcc", "qemu-system-arm")
    pytest.importorskip("emlearn")
    pytest.importorskip("m2cgen")
    pytest.importorskip("aeon")
    proc = subprocess.run(
        [sys.executable, "-m", "sensorflow", "bench", "--quick", "--only", "trees", "--out", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    sec = result["sections"][0]
    assert sec["available"], sec["reason"]
    rows = {r[0]: r for r in sec["tables"][0]["rows"]}
    assert {"m2cgen", "emlearn inline float (leaf_bits 8)"} <= set(rows)
    # m2cgen evaluates in double exactly as scikit-learn: no mismatches on either input set
    cols = sec["tables"][0]["columns"]
    test_col, thr_col = cols.index("test mismatches"), cols.index("threshold mismatches")
    assert rows["m2cgen"][test_col].startswith("0 /") and rows["m2cgen"][thr_col].startswith("0 /")
    assert (tmp_path / "benchmarks.md").read_text().startswith("# sensorflow benchmarks")
    assert json.loads((tmp_path / "benchmarks.json").read_text())["meta"]["quick"] is True


def test_report_text_carries_no_machine_paths(tmp_path):
    import tempfile
    from pathlib import Path

    import sensorflow
    from sensorflow.bench.report import scrub

    repo = Path(sensorflow.__file__).resolve().parents[1]
    text = scrub(
        f"cannot import ({repo}/sensorflow/bench/x.py) at {tempfile.gettempdir()}/sf-bench-abc/lib/m.c:5; "
        "board on /dev/pts/12 did not answer"
    )
    assert str(repo) not in text and tempfile.gettempdir() + "/" not in text and "/dev/" not in text
    assert "sensorflow/bench/x.py" in text and "<tmp>/lib/m.c:5" in text and "board on <pty> did" in text
