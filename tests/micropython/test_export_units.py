"""Fast checks of the MicroPython exporter (no interpreter needed): exact float32 tables,
integer typecodes, every stage has an emitter and an interpreter test, the report and the
budget refusal, the stub type check, and the generated module run under CPython (which has
``array`` and ``math`` too) as a quick smoke test beside the real-interpreter tests."""

from __future__ import annotations

import importlib.util
import json
import sys
from array import array

import numpy as np
import pytest
from mphelp import make_pipeline, synthetic

from sensorflow import registry
from sensorflow.codegen.c import registry as c_registry
from sensorflow.codegen.micropython import CODE_HEAP_FACTOR, export
from sensorflow.codegen.micropython import registry as mp_registry
from sensorflow.codegen.micropython.fragment import f32_bytes_literal, int_literal, int_typecode
from sensorflow.device import boards
from sensorflow.errors import BudgetExceededError, CodegenError, ToolMissingError


def test_float_tables_are_bit_exact():
    v = np.array([0.0, -0.0, 1e-45, -3.4028235e38, 0.1, 1 / 3, 2.5e-39, 7.0], dtype=np.float32)
    v = np.concatenate([v, np.random.default_rng(0).standard_normal(300).astype(np.float32)])
    got = np.array(eval(f32_bytes_literal(v), {"array": array}), dtype=np.float32)
    assert got.tobytes() == v.tobytes()
    with pytest.raises(CodegenError, match="NaN or Inf"):
        f32_bytes_literal([1.0, np.nan])


def test_integer_typecodes():
    assert int_typecode([0, 255]) == ("B", 1)
    assert int_typecode([-1, 100]) == ("b", 1)
    assert int_typecode([0, 65535]) == ("H", 2)
    assert int_typecode([-40000, 1]) == ("i", 4)
    assert eval(int_literal(list(range(-5, 300))), {"array": array}).tolist() == list(range(-5, 300))


def _shipped() -> dict:
    """The package's stages that export (``onnx`` resolves into other stages)."""
    return {
        n: cls
        for n, cls in registry.all_stages().items()
        if cls.__module__.startswith("sensorflow.") and not hasattr(cls, "resolve")
    }


def test_every_stage_has_an_emitter():
    """Every shipped stage exports to C, and to MicroPython unless its class says
    ``emit_pending = True`` (MicroPython emitter not written yet; no stage sets it now); the compares on
    CPython and on the real interpreter are generated for it by tests/test_conformance.py
    (sensorflow.testing). A stage that gets its MicroPython emitter must drop the flag."""
    shipped = _shipped()
    assert set(shipped) <= set(c_registry.names()), sorted(set(shipped) - set(c_registry.names()))
    pending = {n for n, cls in shipped.items() if getattr(cls, "emit_pending", False)}
    mp = set(mp_registry.names())
    assert set(shipped) - pending <= mp, sorted(set(shipped) - pending - mp)
    assert not pending & mp, f"{sorted(pending & mp)} have a MicroPython emitter: remove emit_pending"


def test_unknown_emitter_is_one_clear_error():
    with pytest.raises(CodegenError, match="no MicroPython emitter.*--lang c"):
        mp_registry.get("not_a_stage")


def _fitted(stages=None):
    pipe = make_pipeline(
        stages
        or [
            {"type": "stats", "functions": ["mean", "std", "ptp"]},
            {"type": "random_forest", "n_estimators": 4, "max_depth": 4},
        ]
    )
    X, y = synthetic(30, 64, 3, 3, seed=2)
    pipe.fit(X, y)
    return pipe, X


def test_export_report_and_files(tmp_path):
    pipe, X = _fitted()
    report = export(pipe, {"content_hash": "ab" * 32}, boards.get("esp32"), tmp_path)
    on_disk = json.loads((tmp_path / "export_report.json").read_text())
    assert on_disk == report
    assert report["pipeline_hash"] == "ab" * 8 and report["lang"] == "micropython"
    # the module keeps its literals (counted in table_bytes): the code is the .mpy files less their payload
    code = sum(report["mpy_bytes"].values()) - report["literal_bytes"]
    assert report["code_heap_bytes"] == int(CODE_HEAP_FACTOR * code) > 0
    assert report["ram_bytes"] == (
        report["table_bytes"] + report["state_bytes"] + report["scratch_bytes"] + report["code_heap_bytes"]
    )
    assert {r["type"] for r in report["stages"]} == {"stats", "random_forest"}
    text = (tmp_path / "sf_model.py").read_text()
    assert "import numpy" not in text and "PIPELINE_HASH = 'abababababababab'" in text


def test_budget_refusal_names_the_board(tmp_path):
    pipe, X = _fitted()
    tiny = boards.get("esp32").model_copy(update={"ram_bytes": 2048})
    with pytest.raises(BudgetExceededError, match="board 'esp32' has 2.0 KB"):
        export(pipe, {}, tiny, tmp_path, mpy=False)


def test_prefix_clash_refused(tmp_path):
    pipe, X = _fitted()
    with pytest.raises(CodegenError, match="clashes"):
        export(pipe, {}, None, tmp_path, prefix="sf_runtime")


def test_generated_module_under_cpython_matches_host(tmp_path):
    pipe, X = _fitted(
        [
            {"type": "butter", "cutoff": 20.0, "order": 2},
            {"type": "stats"},
            {"type": "scaler"},
            {"type": "knn", "n_neighbors": 3},
        ]
    )
    export(pipe, {}, None, tmp_path, mpy=False, prefix="cpy_model")
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop("sf_runtime", None)
        spec = importlib.util.spec_from_file_location("cpy_model", tmp_path / "cpy_model.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        p = mod.Pipeline()
        labels = [p.infer(array("f", w.ravel().tolist()))[0] for w in X]
        feats = np.array([list(p.features(array("f", w.ravel().tolist()))) for w in X])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("sf_runtime", None)
    np.testing.assert_array_equal(labels, np.argmax(pipe.predict_proba(X), axis=1))
    host = pipe.transform(X)
    np.testing.assert_allclose(feats, host, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(host).max()))


def test_stub_check_flags_what_esp32_lacks(tmp_path):
    from sensorflow.codegen.micropython.typecheck import check

    errors = check(
        {"bad.py": "import numpy\nimport statistics\nfrom array import array\nimport math\nx = math.sqrt(2.0)\n"},
        tmp_path,
    )
    text = "\n".join(errors)
    assert "numpy" in text and "statistics" in text and "math" not in text


def test_missing_interpreter_is_a_clear_error(monkeypatch, tmp_path):
    from sensorflow.mpy import find_wasm

    monkeypatch.setenv("SENSORFLOW_MICROPYTHON_WASM", str(tmp_path / "nowhere"))
    with pytest.raises(ToolMissingError, match="SENSORFLOW_MICROPYTHON_WASM=.*sensorflow setup micropython"):
        find_wasm()


def test_runtime_pruned_to_what_the_module_calls(tmp_path):
    from sensorflow.codegen.micropython import runtime_source, summary

    pipe, X = _fitted()
    report = export(pipe, {}, None, tmp_path / "pruned", mpy=False)
    pruned = (tmp_path / "pruned" / "sf_runtime.py").read_text()
    assert "def stats(" in pruned and "def forest(" in pruned and "def argmax(" in pruned
    assert "def cfft(" not in pruned and "def knn(" not in pruned
    compile(pruned, "sf_runtime.py", "exec")
    export(pipe, {}, None, tmp_path / "full", mpy=False, prune_runtime=False)
    assert (tmp_path / "full" / "sf_runtime.py").read_text() == runtime_source()
    assert any("MicroPython heap" in line for line in summary(report))


def test_cli_prefix_names_the_micropython_module(tmp_path, capsys):
    """`export --lang micropython --prefix NAME` writes NAME.py (as export.prefix does); a prefix that
    cannot name a module is refused in one line and nothing is written."""
    from sensorflow import artifact
    from sensorflow.cli import main

    pipe, X = _fitted()
    art = tmp_path / "art"
    artifact.save(pipe, art)
    argv = ["export", str(art), "--board", "esp32", "--lang", "micropython", "--out"]
    assert main([*argv, str(tmp_path / "mp"), "--prefix", "motion", "--json"]) == 0
    report = json.loads((tmp_path / "mp" / "export_report.json").read_text())
    assert report["prefix"] == "motion" and report["module"] == "motion.py"
    assert (tmp_path / "mp" / "motion.py").exists() and not (tmp_path / "mp" / "sf_model.py").exists()
    capsys.readouterr()
    for k, bad in enumerate(("../up", "Motion", "class", "sf_runtime", "9lives", "x" * 33)):
        assert main([*argv, str(tmp_path / f"bad{k}"), "--prefix", bad]) == 1
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "export prefix" in err, err
        assert not (tmp_path / f"bad{k}").exists() and not (tmp_path / "up.py").exists()
