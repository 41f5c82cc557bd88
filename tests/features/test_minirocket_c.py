"""sf_minirocket.c (host cc, strict flags, through ctypes) against the numpy float32 reference of
the minirocket stage: PPV features equal bit for bit, including biases tied with convolution
values; and a clean strict cross-compile for the Cortex-M4F."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import need_tools

from sensorflow.dsp import minirocket as mr
from sensorflow.stages.minirocket import MiniRocket

RUNTIME = Path(__file__).resolve().parents[2] / "sensorflow" / "runtime" / "c"
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-Wdouble-promotion", "-Wfloat-conversion", "-Wshadow"]
ENTRY = np.dtype(
    [("bias", "<f4"), ("dilation", "<u2"), ("combination", "<u2"), ("kernel", "u1"), ("padding", "u1")], align=True
)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    need_tools("cc")
    out = tmp_path_factory.mktemp("mr") / "libsfmr.so"
    cmd = [shutil.which("cc"), *STRICT, "-Wconversion", "-O2", "-fPIC", "-shared", "-I", str(RUNTIME)]
    subprocess.run([*cmd, str(RUNTIME / "sf_minirocket.c"), "-o", str(out)], check=True, capture_output=True)
    so = ctypes.CDLL(str(out))
    so.sf_minirocket_f32.restype = ctypes.c_int
    return so


def entries(learned) -> np.ndarray:
    e = np.zeros(len(learned["bias_"]), dtype=ENTRY)
    e["bias"], e["dilation"], e["combination"] = learned["bias_"], learned["dilation_"], learned["combination_"]
    e["kernel"], e["padding"] = learned["kernel_"], learned["padding_"]
    return e


def run_c(lib, X, learned) -> np.ndarray:
    """Features of windows X (n, L, C) computed by sf_minirocket_f32, one window per call."""
    n, L, C = X.shape
    e = entries(learned)
    offs = np.asarray(learned["combination_offsets_"], dtype=np.uint16)
    chans = np.asarray(learned["combination_channels_"], dtype=np.uint16)
    need = L + C * (2 * L + 8 * int(np.max(learned["dilation_"])))
    scratch = np.zeros(need + 8, dtype=np.float32)
    scratch[need:] = 12345.0  # guard: the kernel must not write past the scratch it was given
    out = np.zeros((n, len(e)), dtype=np.float32)
    p = ctypes.c_void_p
    for i in range(n):
        w = np.ascontiguousarray(X[i], dtype=np.float32)
        rc = lib.sf_minirocket_f32(
            p(w.ctypes.data), ctypes.c_uint32(L), ctypes.c_uint32(C), p(e.ctypes.data), ctypes.c_uint32(len(e)),
            p(offs.ctypes.data), p(chans.ctypes.data), p(scratch.ctypes.data), ctypes.c_uint32(need),
            p(out[i].ctypes.data),
        )  # fmt: skip
        assert rc == 0
    assert np.all(scratch[need:] == 12345.0)
    return out


def load(name):
    from aeon.datasets import load_classification

    X, y = load_classification(name, split="test")
    L = max(x.shape[-1] for x in X)
    X = np.stack([np.pad(np.asarray(x, dtype=np.float32), ((0, 0), (0, L - x.shape[-1]))) for x in X])
    return np.transpose(X, (0, 2, 1)).copy(), np.asarray(y)


@pytest.mark.parametrize("name", ["GunPoint", "JapaneseVowels", "ACSF1", "BasicMotions"])
def test_c_equals_reference_on_datasets(lib, name):
    pytest.importorskip("aeon")
    X, y = load(name)
    X = X[:40]
    stage = MiniRocket(n_features=1000, random_state=5, sample_rate=1.0).fit(X)
    np.testing.assert_array_equal(run_c(lib, X, stage.learned_arrays()), stage.transform(X))


def test_c_pruned_entries_in_any_order(lib):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 80, 4)).astype(np.float32)
    learned = mr.fit(X, 2000, 32, seed=1)
    order = rng.permutation(len(learned["bias_"]))[:300]  # scattered: groups are not adjacent
    sub = mr.subset(learned, order)
    np.testing.assert_array_equal(run_c(lib, X, sub), mr.transform(X, sub))
    np.testing.assert_array_equal(run_c(lib, X, sub), mr.transform(X, learned)[:, order])


def test_c_ties_count_as_not_above(lib):
    """Integer windows make integer convolution values; integer biases then tie with many of
    them, and both sides count a tie as not above the bias (strict >)."""
    rng = np.random.default_rng(2)
    X = rng.integers(-3, 4, size=(10, 50, 2)).astype(np.float32)
    learned = mr.fit(X, 840, 32, seed=3)
    learned["bias_"] = np.round(learned["bias_"]).astype(np.float32)
    ref = mr.transform(X, learned)
    np.testing.assert_array_equal(run_c(lib, X, learned), ref)
    loose = {**learned, "bias_": np.nextafter(learned["bias_"], np.float32(-np.inf))}
    assert np.any(mr.transform(X, loose) > ref)  # the ties are real: a bias one ulp lower counts them


def test_c_empty_valid_part_counts_all_and_bad_entries_are_refused(lib):
    """8 d >= length leaves no valid part: the entry counts over all outputs, as the reference
    does (window.pad: valid runs short recordings through dilations fitted for the window)."""
    X = np.random.default_rng(1).standard_normal((3, 20, 1)).astype(np.float32)
    learned = mr.fit(X + 1, 84, 1, seed=0)
    short = {
        **learned,
        "padding_": np.zeros_like(learned["padding_"]),
        "dilation_": np.full_like(learned["dilation_"], 3),
    }
    full = {**short, "padding_": np.ones_like(learned["padding_"])}
    np.testing.assert_array_equal(run_c(lib, X, short), mr.transform(X, short))
    np.testing.assert_array_equal(mr.transform(X, short), mr.transform(X, full))
    with pytest.raises(AssertionError):
        run_c(lib, X, {**learned, "kernel_": np.full_like(learned["kernel_"], 84)})  # SF_ERR_ARG


CROSS = {
    "cortex-m4f": ("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]),
    "rv32imc": (
        "riscv64-unknown-elf-gcc",
        ["-march=rv32imc", "-mabi=ilp32", "-misa-spec=2.2", "--specs=picolibc.specs"],
    ),
}


@pytest.mark.parametrize("target", sorted(CROSS))
def test_cross_compiles_clean(tmp_path, target):
    """Strict flags, no double-precision helpers (M4F: single-precision FPU; rv32imc: soft float)."""
    cc, flags = CROSS[target]
    need_tools(cc)
    obj = tmp_path / "m.o"
    cmd = [
        cc,
        *flags,
        *STRICT,
        "-Wconversion",
        "-pedantic",
        "-O2",
        "-c",
        str(RUNTIME / "sf_minirocket.c"),
        "-o",
        str(obj),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    nm = subprocess.run([cc.replace("gcc", "nm"), "-u", str(obj)], capture_output=True, text=True).stdout
    assert not any(s in nm for s in ("__aeabi_d", "__aeabi_f2d", "df3", "df2", "malloc")), nm


def _c_program(learned, X) -> str:
    """A C program holding the entries and windows X (n, L, C) that prints every feature as hex."""
    n, L, C = X.shape
    e = entries(learned)
    rows = ",\n".join(
        f"    {{{float(r['bias'])!r}f, {r['dilation']}u, {r['combination']}u, {r['kernel']}u, {r['padding']}u}}"
        for r in e
    )
    offs = ", ".join(str(int(v)) for v in learned["combination_offsets_"])
    chans = ", ".join(str(int(v)) for v in learned["combination_channels_"])
    xs = ", ".join(f"{float(v)!r}f" for v in X.ravel())
    need = L + C * (2 * L + 8 * int(np.max(learned["dilation_"])))
    return f"""#include <stdio.h>
#include <string.h>
#include "sf_minirocket.h"
static const sf_minirocket_feature entries[] = {{
{rows}
}};
static const uint16_t offs[] = {{{offs}}};
static const uint16_t chans[] = {{{chans}}};
static const float windows[] = {{{xs}}};
int main(void)
{{
    static float scratch[{need}];
    static float out[{len(e)}];
    int i, f;
    for (i = 0; i < {n}; i++) {{
        if (sf_minirocket_f32(windows + i * {L * C}, {L}u, {C}u, entries, {len(e)}u, offs, chans, scratch, {need}u,
                              out) != SF_OK) return 1;
        for (f = 0; f < {len(e)}; f++) {{
            unsigned int w;
            memcpy(&w, &out[f], sizeof w);
            printf("%08x\\n", w);
        }}
    }}
    return 0;
}}
"""


def test_c_under_sanitizers(tmp_path):
    """ASan/UBSan build (exact-size static scratch) on multichannel windows with large dilations."""
    need_tools("cc")
    rng = np.random.default_rng(5)
    X = rng.standard_normal((3, 37, 3)).astype(np.float32)
    learned = mr.fit(X, 840, 32, seed=2)
    src = tmp_path / "main.c"
    src.write_text(_c_program(learned, X))
    exe = tmp_path / "mr"
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
    cmd = [shutil.which("cc"), *STRICT, "-O1", "-g", *san, "-I", str(RUNTIME), str(src)]
    subprocess.run([*cmd, str(RUNTIME / "sf_minirocket.c"), "-o", str(exe)], check=True, capture_output=True)
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and not res.stderr, res.stderr[:2000]
    got = np.array([int(w, 16) for w in res.stdout.split()], dtype=np.uint32).view(np.float32)
    np.testing.assert_array_equal(got.reshape(len(X), -1), mr.transform(X, learned))


def _unrolled_c(stage, X, tmp_path) -> np.ndarray:
    """Features of the export's straight-line C (one channel) for the fitted, bound stage, under ASan/UBSan."""
    from sensorflow.codegen.c.emitters.minirocket import unrolled
    from sensorflow.testing import ccompare

    need_tools("cc")
    assert unrolled(stage, X.shape[2])
    return ccompare.run_stage(stage, X.reshape(len(X), -1), tmp_path)[1]


def _bound(L, **params):
    from sensorflow.spec import Spec

    stage = MiniRocket(sample_rate=1.0, **params)
    stage.bind(Spec.signal(L, 1, 1.0))
    return stage


@pytest.mark.parametrize("name", ["GunPoint", "ACSF1"])
def test_unrolled_c_equals_reference_on_datasets(tmp_path, name):
    pytest.importorskip("aeon")
    X, y = load(name)
    X = X[:16]
    stage = _bound(X.shape[1], n_features=840, keep=150, random_state=5).fit(X, y[:16])
    np.testing.assert_array_equal(_unrolled_c(stage, X, tmp_path), stage.transform(X))


def test_unrolled_c_ties_and_signed_zero_bias(tmp_path):
    """Integer windows tie with integer biases (strict >, as the reference), a -0.0 bias counts
    as +0.0 does (sf_minirocket_above needs +0), and a pruned, scattered selection keeps the
    stage's feature order."""
    rng = np.random.default_rng(2)
    X = rng.integers(-3, 4, size=(10, 60, 1)).astype(np.float32)
    X[0] = 0.0  # every convolution value is zero: ties with the zero biases
    stage = _bound(60, n_features=840, random_state=3).fit(X)
    learned = stage.learned_arrays()
    learned["bias_"] = np.round(learned["bias_"]).astype(np.float32)
    learned["bias_"][::7] = np.float32(-0.0)
    order = rng.permutation(len(learned["bias_"]))[:200]
    stage.load_learned({**mr.subset(learned, order), "selected_": order})
    ref = stage.transform(X)
    np.testing.assert_array_equal(_unrolled_c(stage, X, tmp_path), ref)
    np.testing.assert_array_equal(ref, mr.transform(X, learned)[:, order])
    loose = {**learned, "bias_": np.nextafter(learned["bias_"], np.float32(-np.inf))}
    assert np.any(mr.transform(X, loose)[:, order] > ref)  # the ties are real


def _valid_program(stage, windows, lengths, variable_fn: str) -> str:
    """A C program calling the straight-line ``ppv(in, n, w, out)`` on each window's first n samples."""
    n_win, L, C = windows.shape
    from sensorflow.codegen.c.emitters.minirocket_unrolled import work_floats

    work = work_floats(L, int(np.max(stage.dilation_)), C)
    xs = ", ".join(f"{float(v)!r}f" for v in windows.ravel())
    ns = ", ".join(f"{int(n)}u" for n in lengths)
    m = len(stage.bias_)
    return f"""#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sf_minirocket.h"
{variable_fn}
static const float windows[] = {{{xs}}};
static const uint32_t lengths[] = {{{ns}}};
int main(void)
{{
    static float work[{work}];
    static float out[{m}];
    int i, f;
    for (i = 0; i < {n_win}; i++) {{
        float *rec = malloc(lengths[i] * {C}u * sizeof *rec); /* exactly the recording's frames */
        if (!rec) return 1;
        memcpy(rec, windows + i * {L * C}, lengths[i] * {C}u * sizeof *rec);
        ppv(rec, lengths[i], work, out);
        free(rec);
        for (f = 0; f < {m}; f++) {{
            unsigned int w;
            memcpy(&w, &out[f], sizeof w);
            printf("%08x\\n", w);
        }}
    }}
    return 0;
}}
"""


@pytest.mark.parametrize("channels", [1, 4])
def test_straight_line_over_valid_length_under_sanitizers(tmp_path, channels):
    """window.pad: valid: the straight-line function on each recording's first n samples (1 to
    the window's 33; dilations up to 4 leave short ones no valid part) equals the reference on
    the recording alone, bit for bit, with the recording in a buffer of exactly its frames."""
    from sensorflow.codegen.c.emitters.minirocket_unrolled import ppv_function

    need_tools("cc")
    rng = np.random.default_rng(7)
    L = 33
    X = rng.standard_normal((24, L, channels)).astype(np.float32)
    lengths = np.concatenate([[1, 2, 8, 9, 16, 17, 32, 33], rng.integers(1, L + 1, 16)])
    stage = (
        _bound(L, n_features=840, keep=150, random_state=2)
        if channels == 1
        else MiniRocket(sample_rate=1.0, n_features=840, keep=150, random_state=2)
    )
    stage.fit_valid(X, np.arange(24) % 2, lengths)
    src = tmp_path / "main.c"
    src.write_text(_valid_program(stage, X, lengths, ppv_function("ppv", stage, L, channels, variable=True)))
    exe = tmp_path / "mrv"
    san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
    cmd = [shutil.which("cc"), *STRICT, "-O1", "-g", *san, "-I", str(RUNTIME), str(src)]
    subprocess.run([*cmd, str(RUNTIME / "sf_minirocket.c"), "-o", str(exe)], check=True, capture_output=True)
    res = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and not res.stderr, res.stderr[:2000]
    got = np.array([int(w, 16) for w in res.stdout.split()], dtype=np.uint32).view(np.float32).reshape(len(X), -1)
    want = np.stack([stage.transform_valid(X[i : i + 1], int(n))[0] for i, n in enumerate(lengths)])
    np.testing.assert_array_equal(got, want)
    assert np.any(8 * stage.dilation_[stage.padding_ == 0] >= 16)  # the empty-valid-part rule is exercised


def test_table_kernel_over_valid_length(lib):
    """sf_minirocket_f32 with length = the recording's n (window.pad: valid, the table path)."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((20, 30, 3)).astype(np.float32)
    lengths = rng.integers(1, 31, 20)
    learned = mr.fit(X, 840, 32, seed=4, lengths=lengths)
    for i, n in enumerate(lengths):
        cut = X[i : i + 1, :n]
        np.testing.assert_array_equal(run_c(lib, cut, learned), mr.transform(cut, learned))
