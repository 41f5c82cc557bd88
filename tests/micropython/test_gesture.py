"""CI proof for the MicroPython export: the gesture pipeline (BasicMotions, stats + random
band_energy + random forest, as pipelines/gesture.yaml says), trained here and exported with `sensorflow export --lang micropython`, gives the
host's label on every held-out window on the real MicroPython interpreter (from .py and
from .mpy, per window and streamed through push), over the raw REPL of an emulated
MicroPython board, and type-checks against the ESP32 MicroPython stubs."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import REPO
from mphelp import assert_agrees, need_micropython

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.codegen.micropython.typecheck import check
from sensorflow.mpy.compare import export_files, run_module

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def gesture(tmp_path_factory):
    root = tmp_path_factory.mktemp("mp-gesture")
    art = root / "artifact"
    assert main(["train", str(REPO / "pipelines" / "gesture.yaml"), "--out", str(art)]) == 0
    out = root / "export"
    assert main(["export", str(art), "--board", "esp32", "--lang", "micropython", "--out", str(out)]) == 0
    pipe, meta = artifact.load(art)
    X = np.load(art / "test_windows.npy")
    return pipe, meta, X, art, out


def test_export_report(gesture):
    pipe, meta, X, art, out = gesture
    report = json.loads((out / "export_report.json").read_text())
    assert report["lang"] == "micropython" and report["board"] == "esp32"
    assert report["pipeline_hash"] == meta["content_hash"][:16]
    assert report["n_features"] == pipe.feature_spec.size and report["n_classes"] == 4
    assert 0 < report["table_bytes"] < report["ram_bytes"] <= report["budget"]["ram_bytes"]
    assert {"sf_model.py", "sf_runtime.py", "sf_model.mpy", "sf_runtime.mpy"} <= set(report["files"])
    assert all((out / f).exists() for f in report["files"])


@pytest.mark.parametrize("use_mpy", [False, True], ids=["py", "mpy"])
def test_same_labels_as_host_on_every_held_out_window(gesture, use_mpy):
    need_micropython()
    pipe, meta, X, art, out = gesture
    assert len(X) == 40
    t0 = time.perf_counter()
    run = run_module(
        export_files(out, use_mpy=use_mpy),
        X,
        n_features=pipe.feature_spec.size,
        n_classes=4,
        stream_chunks=None if use_mpy else (1, 6, 599, 250, 13),
    )
    elapsed = time.perf_counter() - t0
    errors = assert_agrees(pipe, X, run)
    host = np.argmax(pipe.predict_proba(X), axis=1)
    if not use_mpy:  # the streamed path once is enough; the .mpy run checks the compiled module
        np.testing.assert_array_equal(run.stream_labels, host)
    assert 0 < run.heap_bytes_pipeline < 64 * 1024
    print(
        f"gesture on MicroPython ({'mpy' if use_mpy else 'py'}): {errors}, heap {run.heap_bytes_pipeline} B, "
        f"{elapsed:.2f} s for 40 windows + stream"
    )


@pytest.mark.parametrize("use_mpy", [False, True], ids=["py", "mpy"])
def test_raw_repl_hil_on_emulated_board(gesture, use_mpy):
    need_micropython()
    from sensorflow.hil.micropython import run_micropython_hil

    pipe, meta, X, art, out = gesture
    result = run_micropython_hil(art, export_dir=out, board="esp32", use_mpy=use_mpy)
    assert result["n"] == 40 and result["agreement"] == 1.0 and result["passed"], result
    assert result["pipeline_hash"] == meta["content_hash"][:16]
    assert "raw-paste" in result["firmware"]
    from sensorflow.hil.report import format_table

    table = format_table(result)
    assert "100.00 %" in table and "PASS" in table
    print(
        "HIL",
        "mpy" if use_mpy else "py",
        json.dumps(
            {
                k: result[k]
                for k in (
                    "n",
                    "agreement",
                    "max_abs_score_error",
                    "max_abs_feature_error",
                    "latency_ms_median",
                    "boot_ms",
                    "upload_seconds",
                    "heap_bytes",
                )
            }
        ),
    )


def test_generated_module_type_checks_against_esp32_stubs(gesture, tmp_path):
    pipe, meta, X, art, out = gesture
    files = {p.name: p.read_text() for p in out.glob("*.py")}
    assert check(files, tmp_path) == []
