"""sensorflow export: report, packaging, budgets, golden snapshot, cross-compilation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools
from helpers import dataset, fitted

from sensorflow import artifact, cli
from sensorflow.codegen.c.library import generate
from sensorflow.device import boards
from sensorflow.device.elf import double_precision_symbols, read_object
from sensorflow.device.export import export
from sensorflow.device.footprint import compile_objects
from sensorflow.errors import BudgetExceededError
from sensorflow.pipeline import Pipeline

HERE = Path(__file__).resolve().parent
TINY = HERE / "boards" / "tiny.yaml"
POST = "  - type: smooth\n    windows: 2\n  - type: threshold\n    threshold: 0.7\n"


@pytest.fixture(scope="module")
def art(tmp_path_factory):
    p, X, y = fitted("random_forest", "n_estimators: 6\nmax_depth: 5", POST)
    return artifact.save(p, tmp_path_factory.mktemp("art") / "ctest")


@pytest.fixture(scope="module")
def gesture(repo_root=Path(__file__).resolve().parents[2]):
    p = Pipeline.from_yaml(repo_root / "pipelines" / "gesture.yaml")
    X, y = dataset(
        np.random.default_rng(4),
        n=160,
        n_classes=4,
        length=p.window_length,
        channels=p.input_spec.n_channels,
        labels=["badminton", "running", "standing", "walking"],
    )
    return p.fit(X, y)


def test_export_cli_json_report_and_files(art, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["export", str(art), "--board", "host", "--out", str(out), "--json", "--no-measure"]) == 0
    rep = json.loads(capsys.readouterr().out)
    for key in ("board", "flash_bytes", "ram_bytes", "files", "estimated", "measured", "stages", "state_bytes"):
        assert key in rep
    assert rep["board"] == "host" and rep["source"] == "estimated" and rep["measured"] is None
    for name in (
        "sf_model.h",
        "sf_model.c",
        "sf_common.h",
        "sf_tree.h",
        "sf_post.c",
        "Makefile",
        "CMakeLists.txt",
        "idf_component.yml",
        "library.json",
        "sf_names.h",
        "arduino/sensorflow_sf_model.zip",
        "export_report.json",
    ):
        assert name in rep["files"] and (out / name).exists(), name
    assert json.loads((out / "export_report.json").read_text())["files"] == rep["files"]
    header = (out / "sf_model.h").read_text()
    meta = artifact.read_meta(art)
    assert f'#define SF_MODEL_PIPELINE_HASH  "{meta["content_hash"][:16]}"' in header
    for macro in ("WINDOW_LENGTH  20", "HOP            10", "N_CHANNELS     3", "N_FEATURES     6", "N_CLASSES      3"):
        assert f"#define SF_MODEL_{macro}" in header
    # a second export into the same directory replaces its own files only
    (out / "user_notes.txt").write_text("keep me")
    assert cli.main(["export", str(art), "--board", "host", "--out", str(out), "--no-measure", "--prefix", "gest"]) == 0
    assert (out / "user_notes.txt").exists() and not (out / "sf_model.c").exists() and (out / "gest.c").exists()


def test_export_builds_with_make_and_cmake(art, tmp_path):
    need_tools("cc")
    out = tmp_path / "out"
    export(*artifact.load(art), boards.get("host"), out, measure=False)
    subprocess.run(["make", "-s", "-C", str(out), "CC=cc"], check=True, capture_output=True)
    assert (out / "libsf_model.a").exists()
    if shutil.which("cmake"):
        app = tmp_path / "app"
        app.mkdir()
        (app / "main.c").write_text('#include "sf_model.h"\nint main(void) { return sf_model_init(); }\n')
        (app / "CMakeLists.txt").write_text(
            "cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
            f"add_subdirectory({out.as_posix()} sf)\nadd_executable(app main.c)\ntarget_link_libraries(app sf_model)\n"
        )
        build = tmp_path / "build"
        subprocess.run(["cmake", "-S", str(app), "-B", str(build)], check=True, capture_output=True)
        subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True)
        assert subprocess.run([str(build / "app")]).returncode == 0


def test_esp_idf_component_and_arduino_library(art, tmp_path):
    out = tmp_path / "out"
    export(*artifact.load(art), boards.get("esp32"), out, measure=False)
    cm = (out / "CMakeLists.txt").read_text()
    assert 'idf_component_register(SRCS ${SF_SOURCES} INCLUDE_DIRS ".")' in cm and "sf_model.c" in cm
    assert "targets:\n  - esp32" in (out / "idf_component.yml").read_text()
    with zipfile.ZipFile(out / "arduino" / "sensorflow_sf_model.zip") as z:
        names = set(z.namelist())
        props = z.read("sensorflow_sf_model/library.properties").decode()
    assert {
        "sensorflow_sf_model/src/sf_model.h",
        "sensorflow_sf_model/src/sf_model.c",
        "sensorflow_sf_model/examples/sf_model_stream/sf_model_stream.ino",
    } <= names
    assert "architectures=esp32" in props and "includes=sf_model.h" in props


def test_tiny_board_refuses_gesture_naming_the_biggest_contributors(gesture, tmp_path):
    with pytest.raises(BudgetExceededError) as exc:
        export(gesture, {}, boards.get(TINY), tmp_path / "out", measure=False)
    msg = str(exc.value)
    assert "board 'tiny'" in msg and "pipeline 'gesture'" in msg and "biggest:" in msg
    assert "API code" in msg and "KB" in msg
    assert not (tmp_path / "out").exists(), "a refused export must not write files"


def test_refusal_through_the_cli_is_one_line(art, tmp_path, capsys):
    rc = cli.main(["export", str(art), "--board", str(TINY), "--out", str(tmp_path / "o"), "--no-measure"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("sensorflow export: error: pipeline 'ctest' needs") and "board 'tiny'" in err


@pytest.mark.parametrize(
    "prefix, says",
    [
        ("sf_stats", "runtime file"),  # was exported (exit 0) with the model's sf_stats.c lost to the kernel's
        ("sf_common", "runtime file"),  # was a compile error naming a temporary folder
        ("sf_port", "runtime file"),
        ("y" * 33, "at most 32"),
        ("y" * 300, "at most 32"),  # was 'File name too long' after the export had started
    ],
)
def test_export_prefix_that_names_a_runtime_file_or_is_too_long_is_refused(art, tmp_path, capsys, prefix, says):
    out = tmp_path / "o"
    rc = cli.main(["export", str(art), "--board", "host", "--out", str(out), "--no-measure", "--prefix", prefix])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and "Traceback" not in err and says in err, err
    assert not out.exists()
    assert (
        cli.main(["export", str(art), "--board", "host", "--out", str(out), "--no-measure", "--prefix", "y" * 32]) == 0
    )


def test_micropython_lang_dispatches(art, tmp_path, capsys):
    rc = cli.main(["export", str(art), "--board", "esp32", "--lang", "micropython", "--out", str(tmp_path / "mp")])
    err = capsys.readouterr().err
    import importlib

    try:
        has_export = hasattr(importlib.import_module("sensorflow.codegen.micropython"), "export")
    except ModuleNotFoundError:
        has_export = False
    if has_export:  # dispatched: the test-only stages have no MicroPython emitter, which must say so
        assert rc == 0 or (err.count("\n") == 1 and "no MicroPython emitter" in err), err
    else:
        assert rc == 1 and err.count("\n") == 1 and "MicroPython export is not available" in err


# ---------------------------------------------------------------------------- golden snapshot
def golden_pipeline() -> Pipeline:
    """Fixed learned arrays (no training), so the generated code depends on sensorflow only."""
    yaml = (
        "name: golden\nsensor: {kind: imu, sample_rate: 25, channels: [x, y]}\nwindow: {length: 8, hop: 4}\n"
        "stages:\n  - type: test_doubler\n  - type: test_channel_mean\n  - type: decision_tree\n"
        "  - type: smooth\n    windows: 2\n  - type: threshold\n    threshold: {up: 0.75}\n"
    )
    p = Pipeline.from_string(yaml)
    p.model.load_learned(
        {
            "classes_": ["down", "up"],
            "feature_": np.array([0, 3, -2, -2, -2], np.int32),
            "threshold_": np.array([0.25, 1.5, -2, -2, -2], np.float32),
            "left_": np.array([1, 3, -1, -1, -1], np.int32),
            "right_": np.array([2, 4, -1, -1, -1], np.int32),
            "value_": np.array([[0.5, 0.5], [0.75, 0.25], [0.0, 1.0], [1.0, 0.0], [1 / 3, 2 / 3]]),
            "offsets_": np.array([0, 5]),
        }
    )
    p.rebind() if hasattr(p, "rebind") else None
    return p


def test_golden_snapshot_of_generated_code():
    gen = generate(golden_pipeline(), meta={"content_hash": "0123456789abcdef" * 4})
    update = os.environ.get("SF_UPDATE_GOLDEN") == "1"
    for name in ("sf_model.h", "sf_model.c"):
        text = gen.files[name].replace(f"sensorflow {__import__('sensorflow').__version__}", "sensorflow X.Y.Z")
        path = HERE / "golden" / name
        if update:
            path.write_text(text)
        assert path.exists(), f"no golden file {path.name}; run with SF_UPDATE_GOLDEN=1 once and review it"
        assert text == path.read_text(), f"generated {name} changed; review, then SF_UPDATE_GOLDEN=1 to accept"


def test_golden_pipeline_runs(tmp_path):
    need_tools("cc")
    from sensorflow.testing import ccompare

    p = golden_pipeline()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8, 2)).astype(np.float32)
    h = ccompare.build(p, tmp_path, sanitize=True)
    labels, scores, feats = h.infer(X)
    assert np.array_equal(p.classes_[labels], p.predict(X))
    np.testing.assert_allclose(scores, p.predict_proba(X), atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------- cross-compilation
MODELS = [
    ("decision_tree", ""),
    ("random_forest", "n_estimators: 5"),
    ("extra_trees", "n_estimators: 4"),
    ("knn", "weights: distance"),
    ("gaussian_nb", ""),
    ("logistic", ""),
    ("mlp", "hidden_layer_sizes: [6]"),
    ("gaussian_anomaly", "normal_class: a"),
    ("knn_anomaly", "normal_class: a"),
]


@pytest.mark.emulator
@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32", "qemu-xtensa-lx106", "rp2040"])
def test_every_model_cross_compiles_without_warnings(tmp_path, board):
    b = boards.get(board)
    need_tools(b.toolchain.cc)
    post = "  - type: smooth\n  - type: threshold\n  - type: refractory\n    windows: 3\n"
    for i, (model, params) in enumerate(MODELS):
        p, X, y = fitted(model, params, post)
        gen = generate(p, board=b)
        src = tmp_path / f"{i}"
        gen.write(src)
        # compile_objects uses -Wall -Wextra -Werror -Wdouble-promotion -Wfloat-conversion and fails on any output
        objs = compile_objects([src / s for s in gen.sources], src, tmp_path / f"o{i}", b)
        assert len(objs) == len(gen.sources)
        for o in objs:  # no soft-double helpers or double libm calls: float32 all the way
            assert double_precision_symbols(read_object(o).undefined) == [], f"{model}: {o.name}"


@pytest.mark.emulator
def test_double_precision_is_detected(tmp_path):
    b = boards.get("qemu-mps2-an386")
    need_tools(b.toolchain.cc)
    src = tmp_path / "d.c"
    src.write_text("float f(float x);\nfloat f(float x) { return (float)((double)x * 0.1); }\n")
    obj = tmp_path / "d.o"
    subprocess.run([b.toolchain.cc, *b.toolchain.cflags, "-O2", "-c", str(src), "-o", str(obj)], check=True)
    assert double_precision_symbols(read_object(obj).undefined) == ["__aeabi_d2f", "__aeabi_dmul", "__aeabi_f2d"]


@pytest.mark.emulator
def test_gesture_exports_for_every_board_it_fits(gesture, tmp_path):
    for b in boards.all_boards():
        rep = export(gesture, {}, b, tmp_path / b.name)
        assert rep["flash_bytes"] <= b.flash_bytes and rep["ram_bytes"] <= b.ram_bytes
        if b.toolchain.resolve() is not None:
            assert rep["source"] == "measured", b.name


@pytest.mark.emulator
@pytest.mark.parametrize(
    "model,params",
    [
        ("random_forest", "n_estimators: 10\nmax_depth: 6"),
        ("knn", ""),
        ("mlp", "hidden_layer_sizes: [16]"),
        ("logistic", ""),
    ],
)
def test_estimate_and_measured_size_agree(tmp_path, gesture, model, params):
    """Stated margin: the cost model's flash total is within a factor of 2 of the measured
    object sizes (Cortex-M4F, -O2), and its RAM total within 10% + 64 bytes of the measured
    .bss/.data (the state struct; the stack is not counted by either)."""
    need_tools("arm-none-eabi-gcc")
    b = boards.get("qemu-mps2-an386")
    p, X, y = fitted(model, params)
    for pipe in (p, gesture):
        rep = export(pipe, {}, b, tmp_path / pipe.name)
        est, meas = rep["estimated"], rep["measured"]
        ratio = est["flash_bytes"] / meas["flash_bytes"]
        assert 0.5 <= ratio <= 2.0, (
            f"{pipe.name}: flash estimate {est['flash_bytes']} vs measured {meas['flash_bytes']}"
        )
        assert abs(est["ram_bytes"] - meas["ram_bytes"]) <= 0.1 * meas["ram_bytes"] + 64, (
            f"{pipe.name}: RAM estimate {est['ram_bytes']} vs measured {meas['ram_bytes']}"
        )


@pytest.mark.slow
def test_large_forest_exports_compiles_and_agrees(tmp_path):
    """100 trees, depth 12, thousands of nodes per tree: uint32 references, no recursion,
    the compiler copes; labels equal scikit-learn's on test rows."""
    need_tools("cc")
    from sensorflow.testing import ccompare

    rng = np.random.default_rng(11)
    p = Pipeline.from_string(
        "name: big\nsensor: {kind: generic, sample_rate: 100, channels: [a, b, c, d, e, f, g, h]}\n"
        "window: {length: 4}\nstages:\n  - type: test_channel_mean\n"
        "  - type: random_forest\n    n_estimators: 100\n    max_depth: 12\n    max_features: 0.5\n"
    )
    n = 4000
    y = rng.integers(0, 5, n)
    X = (rng.standard_normal((n, 4, 8)) + 0.3 * y[:, None, None]).astype(np.float32)
    p.fit(X, np.array(list("vwxyz"))[y])
    h = ccompare.build(p, tmp_path)
    assert "sf_tree_node32" in h.generated.files["sf_model.c"], "expected the wide-reference layout"
    Xt = (rng.standard_normal((300, 4, 8)) + 0.3 * rng.integers(0, 5, 300)[:, None, None]).astype(np.float32)
    labels, scores, feats = h.infer(Xt)
    assert np.array_equal(p.classes_[labels], p.predict(Xt))
    np.testing.assert_allclose(scores, p.predict_proba(Xt), atol=1e-5, rtol=0)
    if shutil.which("arm-none-eabi-gcc"):
        objs = compile_objects(
            [tmp_path / s for s in h.generated.sources], tmp_path, tmp_path / "m4", boards.get("qemu-mps2-an386")
        )
        assert objs


@pytest.mark.parametrize(
    "board",
    [
        "host",
        pytest.param("qemu-mps2-an386", marks=pytest.mark.emulator),
        pytest.param("qemu-riscv32", marks=pytest.mark.emulator),
    ],
)
def test_port_header_compiles_for_each_port(tmp_path, board):
    b = boards.get(board)
    tc = b.toolchain.resolve()
    if tc is None:
        need_tools(b.toolchain.cc)
    cc, cflags = tc
    src = tmp_path / "p.c"
    src.write_text(
        '#include "sf_port.h"\n#include <stdint.h>\nuint32_t now(void);\n'
        'uint32_t now(void) { SF_PORT_LOG("x"); return SF_PORT_CYCLES(); }\n'
    )
    from sensorflow.codegen.c.library import RUNTIME_DIR
    from sensorflow.device.toolchain import STRICT_CFLAGS

    cmd = [
        cc,
        *STRICT_CFLAGS,
        "-O2",
        *cflags,
        *[f"-D{d}" for d in b.toolchain.defines],
        "-I",
        str(RUNTIME_DIR),
        "-c",
        str(src),
        "-o",
        str(tmp_path / "p.o"),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr, res.stderr
