"""The build files `sensorflow export` writes, built as written with the real tools: plain
`make` (host gcc, arm-none-eabi-gcc), CMake on its own and under add_subdirectory, the ESP-IDF
branch of the CMakeLists (under a stand-in for idf_component_register: ESP-IDF is not
installed here), the Arduino example (compiled as C++ against a minimal Serial), the
PlatformIO library.json, and two exports with different --prefix linked into one program."""

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
from helpers import fitted

from sensorflow.codegen.c import library, namespace
from sensorflow.device import boards
from sensorflow.device.export import export
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[2]
ARM = "qemu-mps2-an386"
# a second pipeline that shares runtime kernels with gesture (stats, FFT): the link clash case
VIB = """\
name: vib
sensor: {kind: vibration, sample_rate: 1000, channels: [acc]}
window: {length: 128, hop: 64}
stages:
  - type: stats
    functions: [rms, kurtosis, crest_factor, ptp]
  - type: band_energy
    n_bands: 4
    n_fft: 64
    hop_length: 32
  - type: decision_tree
    max_depth: 4
"""
MAIN = """\
#include <stdio.h>
#include "ga.h"
#include "vb.h"

static float wa[GA_WINDOW_LENGTH * GA_N_CHANNELS];
static float wb[VB_WINDOW_LENGTH * VB_N_CHANNELS];

/* windows of each model as raw float32 in two files; one class name per line, a and b alternating */
int main(int argc, char **argv)
{
    FILE *fa, *fb;
    int more = 1;
    if (argc != 3) return 2;
    fa = fopen(argv[1], "rb");
    fb = fopen(argv[2], "rb");
    if (fa == NULL || fb == NULL || ga_init() != 0 || vb_init() != 0) return 3;
    while (more) {
        more = 0;
        if (fread(wa, sizeof wa, 1, fa) == 1) {
            int l = ga_infer(wa, NULL, NULL);
            if (l < 0 || l >= GA_N_CLASSES) return 4;
            printf("a %s\\n", ga_class_names[l]);
            more = 1;
        }
        if (fread(wb, sizeof wb, 1, fb) == 1) {
            int l = vb_infer(wb, NULL, NULL);
            if (l < 0 || l >= VB_N_CLASSES) return 5;
            printf("b %s\\n", vb_class_names[l]);
            more = 1;
        }
    }
    fclose(fa);
    fclose(fb);
    return 0;
}
"""


def _env() -> dict:
    """The environment minus make's usual overrides: `make` as a user types it."""
    return {k: v for k, v in os.environ.items() if k not in ("CC", "AR", "CFLAGS", "CROSS_COMPILE", "TARGET_ARCH")}


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=_env(), **kw)
    assert res.returncode == 0, f"{' '.join(map(str, cmd))}\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def models():
    """gesture (shipped pipeline) and a small vibration pipeline, fitted on separable synthetic
    data, with held-out windows to predict."""
    rng = np.random.default_rng(5)
    ga = Pipeline.from_yaml(REPO / "pipelines" / "gesture.yaml")
    names = np.array(["badminton", "running", "standing", "walking"])
    y = rng.integers(0, 4, 200)
    X = (rng.standard_normal((200, ga.window_length, 6)) * (1 + y[:, None, None])).astype(np.float32)
    ga.fit(X[:160], names[y[:160]])
    vb = Pipeline.from_string(VIB)
    t = np.arange(128) / 1000.0
    yb = rng.integers(0, 3, 150)
    Xb = np.sin(2 * np.pi * np.array([50.0, 200.0, 400.0])[yb][:, None] * t)[:, :, None]
    Xb = (Xb + 0.3 * rng.standard_normal(Xb.shape)).astype(np.float32)
    vb.fit(Xb[:110], np.array(["ok", "inner", "outer"])[yb[:110]])
    return ga, X[160:], vb, Xb[110:]


def _export_pair(models, board: str, root: Path) -> tuple[Path, Path]:
    ga, _, vb, _ = models
    a, b = root / "ga", root / "vb"
    export(ga, {}, boards.get(board), a, prefix="ga", measure=False)
    export(vb, {}, boards.get(board), b, prefix="vb", measure=False)
    return a, b


def _check_predictions(exe: Path, models, tmp: Path) -> None:
    ga, Xa, vb, Xb = models
    Xa.astype(np.float32).tofile(tmp / "a.bin")
    Xb.astype(np.float32).tofile(tmp / "b.bin")
    out = _run([exe, tmp / "a.bin", tmp / "b.bin"]).stdout.split("\n")
    got_a = [line[2:] for line in out if line.startswith("a ")]
    got_b = [line[2:] for line in out if line.startswith("b ")]
    assert got_a == list(ga.predict(Xa)), "model ga in the two-model program differs from the host prediction"
    assert got_b == list(vb.predict(Xb)), "model vb in the two-model program differs from the host prediction"
    assert len(set(got_a)) > 1 and len(set(got_b)) > 1, "degenerate check: one class only"


# ------------------------------------------------------------------------------ Makefile
def test_plain_make_builds_the_host_library(tmp_path):
    need_tools("gcc", "make")
    p, X, y = fitted("random_forest", "n_estimators: 4")
    out = tmp_path / "out"
    export(p, {}, boards.get("host"), out, measure=False)
    mk = (out / "Makefile").read_text()
    assert "CROSS_COMPILE ?=\n" in mk and "CC = $(CROSS_COMPILE)gcc" in mk
    res = _run(["make", "-C", out])
    assert "gcc -std=c99" in res.stdout and (out / "libsf_model.a").exists()


def _machine(obj: Path) -> str:
    line = next(x for x in _run(["readelf", "-h", obj]).stdout.splitlines() if x.strip().startswith("Machine:"))
    return line.split(":", 1)[1].strip()


@pytest.mark.emulator
@pytest.mark.parametrize(
    "board,machine",
    [(ARM, "ARM"), ("rp2040", "ARM"), ("qemu-riscv32", "RISC-V"), ("qemu-xtensa-lx106", "Tensilica Xtensa Processor")],
)
def test_plain_make_cross_compiles_for_the_board(tmp_path, board, machine):
    """`make` with no arguments uses the board's toolchain: make's built-in CC=cc must not win."""
    tc = boards.get(board).toolchain
    need_tools(tc.cc, "make", "readelf")
    prefix = tc.cc[: -len("gcc")]
    p, X, y = fitted("knn", "")
    out = tmp_path / "out"
    export(p, {}, boards.get(board), out, measure=False)
    assert f"CROSS_COMPILE ?= {prefix}\n" in (out / "Makefile").read_text()
    res = _run(["make", "-C", out])
    assert f"{tc.cc} -std=c99 {' '.join(tc.cflags)}" in res.stdout
    assert f"{prefix}ar rcs libsf_model.a" in res.stdout
    assert _machine(out / "sf_model.o") == machine
    # the same export for the host compiler: make CROSS_COMPILE= TARGET_ARCH=
    (tmp_path / "empty.c").write_text("int sf_empty;\n")
    _run(["gcc", "-c", tmp_path / "empty.c", "-o", tmp_path / "empty.o"])
    _run(["make", "-C", out, "clean"])
    _run(["make", "-C", out, "CROSS_COMPILE=", "TARGET_ARCH=", "PORT_DEFINES=-DSF_PORT_HOST"])
    assert _machine(out / "sf_model.o") == _machine(tmp_path / "empty.o") != machine


# ------------------------------------------------------------------------------ CMake
def test_cmake_builds_the_export_on_its_own(tmp_path):
    need_tools("cmake", "cc")
    p, X, y = fitted("logistic")
    out = tmp_path / "out"
    export(p, {}, boards.get("host"), out, measure=False)
    res = _run(["cmake", "-S", out, "-B", tmp_path / "b"])
    assert "No project() command" not in res.stderr and "CMake Warning" not in res.stderr, res.stderr
    _run(["cmake", "--build", tmp_path / "b"])
    assert (tmp_path / "b" / "libsf_model.a").exists()


@pytest.mark.emulator
def test_cmake_with_the_exported_toolchain_file_cross_compiles(tmp_path):
    need_tools("cmake", "arm-none-eabi-gcc")
    p, X, y = fitted("mlp", "hidden_layer_sizes: [4]")
    out = tmp_path / "out"
    export(p, {}, boards.get(ARM), out, measure=False)
    b = tmp_path / "b"
    _run(["cmake", "-S", out, "-B", b, f"-DCMAKE_TOOLCHAIN_FILE={out / 'toolchain.cmake'}"])
    res = _run(["cmake", "--build", b, "--verbose"])
    assert "arm-none-eabi-gcc" in res.stdout and "-mcpu=cortex-m4" in res.stdout
    members = _run(["arm-none-eabi-readelf", "-h", b / "libsf_model.a"]).stdout
    assert members.count("Machine:                           ARM") == len(list(out.glob("*.c")))


def test_esp_idf_branch_registers_a_component(tmp_path):
    """ESP-IDF is not installed here: a stand-in idf_component_register, as IDF's does it,
    creates ${COMPONENT_LIB} from SRCS with INCLUDE_DIRS public, and the branch must add
    nothing else (no project(), no second library); then IDF's script-mode requirements pass
    (where project() or add_library() would stop the build: "not scriptable")."""
    need_tools("cmake", "cc")
    p, X, y = fitted("gaussian_nb")
    out = tmp_path / "components" / "sf_model"
    export(p, {}, boards.get("esp32"), out, measure=False)
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.c").write_text(
        '#include "sf_model.h"\nint main(void) { return sf_model_init() == 0 && SF_MODEL_N_CLASSES == 3 ? 0 : 1; }\n'
    )
    (app / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\nproject(idfapp C)\nset(ESP_PLATFORM 1)\n"
        "set(COMPONENT_LIB __idf_sf_model)\n"
        "function(idf_component_register)\n"
        '  cmake_parse_arguments(arg "" "" "SRCS;INCLUDE_DIRS" ${ARGN})\n'
        "  add_library(${COMPONENT_LIB} STATIC ${arg_SRCS})\n"
        "  target_include_directories(${COMPONENT_LIB} PUBLIC ${arg_INCLUDE_DIRS})\n"
        "  target_link_libraries(${COMPONENT_LIB} PUBLIC m)\n"
        "endfunction()\n"
        f"add_subdirectory({out.as_posix()} component)\n"
        'if(TARGET sf_model)\n  message(FATAL_ERROR "the IDF branch also made the plain library")\nendif()\n'
        "add_executable(app main.c)\ntarget_link_libraries(app ${COMPONENT_LIB})\n"
    )
    _run(["cmake", "-S", app, "-B", tmp_path / "b"])
    _run(["cmake", "--build", tmp_path / "b"])
    _run([tmp_path / "b" / "app"])
    assert "targets:\n  - esp32" in (out / "idf_component.yml").read_text()

    # IDF's early expansion: the file is include()d by a `cmake -D ESP_PLATFORM=1 -P` script whose
    # idf_component_register macro records the arguments and returns; nothing unscriptable may run
    early = tmp_path / "early.cmake"
    early.write_text(
        "macro(idf_component_register)\n"
        '  cmake_parse_arguments(_ "" "" "SRCS;INCLUDE_DIRS;REQUIRES;PRIV_REQUIRES" ${ARGN})\n'
        '  message(STATUS "registered SRCS=${__SRCS} INCLUDE_DIRS=${__INCLUDE_DIRS}")\n'
        "  return()\n"
        "endmacro()\n"
        "set(CMAKE_BUILD_EARLY_EXPANSION 1)\n"
        f"include({out.as_posix()}/CMakeLists.txt)\n"
    )
    res = _run(["cmake", "-D", "ESP_PLATFORM=1", "-P", early])
    assert (
        f"registered SRCS={';'.join(sorted(n for n in os.listdir(out) if n.endswith('.c')))} INCLUDE_DIRS=."
        in res.stdout
    )


# ------------------------------------------------------------------------------ two models, one program
@pytest.mark.slow
def test_two_exports_link_into_one_host_program_with_make_and_cmake(models, tmp_path):
    need_tools("gcc", "make", "cmake")
    a, b = _export_pair(models, "host", tmp_path)
    shared = {n for n in os.listdir(a) if n.endswith(".c")} & {n for n in os.listdir(b) if n.endswith(".c")}
    assert {"sf_stats.c", "sf_fft.c"} <= shared, "the case under test: both exports carry the same kernels"
    for d in (a, b):
        _run(["make", "-C", d])
    main = tmp_path / "main.c"
    main.write_text(MAIN)
    cc = ["gcc", *STRICT_CFLAGS, "-O2", "-I", a, "-I", b, main]
    _run([*cc, a / "libga.a", b / "libvb.a", "-lm", "-o", tmp_path / "two"])
    _check_predictions(tmp_path / "two", models, tmp_path)
    # every object file linked (as the Arduino IDE and PlatformIO link libraries): no archive
    # member left out, so the same kernel in both exports would be a multiple definition
    objects = sorted(a.glob("*.o")) + sorted(b.glob("*.o"))
    _run([*cc, *objects, "-lm", "-o", tmp_path / "two_objects"])
    _check_predictions(tmp_path / "two_objects", models, tmp_path)

    # the same two exports under one CMake project
    app = tmp_path / "app"
    app.mkdir()
    shutil.copy(main, app / "main.c")
    (app / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.13)\nproject(two C)\n"
        f"add_subdirectory({a.as_posix()} ga)\nadd_subdirectory({b.as_posix()} vb)\n"
        "add_executable(two main.c)\ntarget_link_libraries(two ga vb)\n"
    )
    _run(["cmake", "-S", app, "-B", tmp_path / "cb"])
    _run(["cmake", "--build", tmp_path / "cb"])
    _check_predictions(tmp_path / "cb" / "two", models, tmp_path)

    # without the per-prefix names the link fails as it did before (the check can fail)
    for d in (a, b):
        shutil.copy(library.RUNTIME_DIR / namespace.NAMES_HEADER, d / namespace.NAMES_HEADER)
        _run(["make", "-C", d, "clean"])
        _run(["make", "-C", d])
    res = subprocess.run([str(c) for c in [*cc, *objects, "-lm", "-o", tmp_path / "clash"]], capture_output=True)
    res.stderr = res.stderr.decode()
    assert res.returncode != 0 and "multiple definition of `sf_stats_compute_f32'" in res.stderr


@pytest.mark.emulator
def test_two_exports_link_into_one_arm_firmware(models, tmp_path):
    need_tools("arm-none-eabi-gcc", "make")
    a, b = _export_pair(models, ARM, tmp_path)
    for d in (a, b):
        _run(["make", "-C", d])
    (tmp_path / "main.c").write_text(MAIN)
    tc = boards.get(ARM).toolchain
    elf = tmp_path / "two.elf"
    _run(
        [
            "arm-none-eabi-gcc",
            *STRICT_CFLAGS,
            "-O2",
            *tc.cflags,
            "-I",
            a,
            "-I",
            b,
            tmp_path / "main.c",
            a / "libga.a",
            b / "libvb.a",
            "-lm",
            "--specs=nano.specs",
            "--specs=nosys.specs",
            "-o",
            elf,
        ]
    )
    syms = _run(["arm-none-eabi-nm", elf]).stdout
    for name in ("ga_sf_stats_compute_f32", "vb_sf_stats_compute_f32", "ga_infer", "vb_infer"):
        assert f" {name}\n" in syms, name


@pytest.mark.slow
def test_every_runtime_symbol_is_renamed(tmp_path):
    """All runtime kernels under a prefixed sf_names.h define only <prefix>_ symbols: the
    header-reading in codegen.c.namespace misses no function or table."""
    need_tools("cc", "nm")
    shipped = {p.name: p.read_text() for p in library.RUNTIME_DIR.glob("sf_*.[ch]")}
    files = library.prefixed("zz", shipped)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    defined = []
    for src in sorted(tmp_path.glob("*.c")):
        obj = tmp_path / f"{src.stem}.o"
        _run(["cc", *STRICT_CFLAGS, "-O2", "-I", tmp_path, "-c", src, "-o", obj])
        nm = _run(["nm", "-g", "--defined-only", obj]).stdout.split("\n")
        defined += [line.split()[-1] for line in nm if line.strip()]
    assert len(defined) >= 60, "expected every kernel's functions"
    assert [s for s in defined if not s.startswith("zz_sf_")] == []
    assert sorted(s[3:] for s in defined) == namespace.external_symbols(files)


# ------------------------------------------------------------------------------ Arduino, PlatformIO
ARDUINO_SHIM = """\
#include <stdio.h>
struct SerialShim {
    void begin(long) {}
    void println(const char *s) { printf("%s\\n", s); }
};
static SerialShim Serial;
static inline void delay(int) {}
"""


def test_arduino_example_compiles_and_guards_the_label(tmp_path):
    """The .ino as the Arduino IDE builds it (C++, Arduino.h pulled in first), here against a
    two-function Serial; runs setup() and 20 loop()s."""
    need_tools("gcc", "g++", "make")
    p, X, y = fitted("decision_tree", "", hop=5, length=10)
    out = tmp_path / "out"
    export(p, {}, boards.get("host"), out, measure=False)
    with zipfile.ZipFile(out / "arduino" / "sensorflow_sf_model.zip") as z:
        ino = z.read("sensorflow_sf_model/examples/sf_model_stream/sf_model_stream.ino").decode()
    assert "label >= 0 && label < SF_MODEL_N_CLASSES" in ino
    _run(["make", "-C", out])
    (tmp_path / "Arduino.h").write_text(ARDUINO_SHIM)
    (tmp_path / "sketch.cpp").write_text(
        '#include "Arduino.h"\n' + ino + "\nint main() { setup(); for (int i = 0; i < 20; i++) loop(); return 0; }\n"
    )
    exe = tmp_path / "sketch"
    _run(
        ["g++", "-Wall", "-Wextra", "-Werror", "-I", tmp_path, "-I", out, tmp_path / "sketch.cpp"]
        + [out / "libsf_model.a", "-lm", "-o", exe]
    )
    lines = _run([exe]).stdout.splitlines()  # one frame per loop(): windows end at frames 10, 15 and 20
    assert len(lines) == 3 and set(lines) <= set(p.classes_), lines


def test_platformio_library_json_lists_the_files_that_exist(tmp_path):
    p, X, y = fitted("random_forest", "n_estimators: 3", "  - type: smooth\n    windows: 2\n")
    out = tmp_path / "out"
    rep = export(p, {}, boards.get("host"), out, measure=False)
    assert "library.json" in rep["files"]
    manifest = json.loads((out / "library.json").read_text())
    assert manifest["name"] == "sensorflow_sf_model" and manifest["version"].count(".") == 2
    assert manifest["headers"] == "sf_model.h" and (out / "sf_model.h").exists()
    build = manifest["build"]
    assert build["srcFilter"][0] == "-<*>"
    srcs = [f[2:-1] for f in build["srcFilter"][1:]]
    assert all(f.startswith("+<") for f in build["srcFilter"][1:])
    assert sorted(srcs) == sorted(n for n in os.listdir(out) if n.endswith(".c"))
    assert all(isinstance(f, str) and f.startswith("-W") for f in build["flags"])
    assert all((out / f).is_file() for f in manifest["export"]["include"])
    assert {"sf_model.c", "sf_names.h", "library.json"} <= set(manifest["export"]["include"])
