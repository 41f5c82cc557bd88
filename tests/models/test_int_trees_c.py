"""The generated C of an exact integer forest (``codegen.c.int_trees``), built with the
strict flags and ASan/UBSan on the host: labels and integer class sums equal
:meth:`IntForest.sums` (and so scikit-learn) on test rows and on rows just below, at and just
above every threshold, for int16 and int32 codes and for a deep unpruned tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from int_tree_cases import integer_case, quantised_case

from sensorflow.codegen.c.int_trees import forest_source
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.errors import CodegenError
from sensorflow.stages.models.int_trees import boundary_codes, integer_forest
from sensorflow.testing.ccompare import SANITIZE, host_cc


def build(forest, n_features: int, out: Path) -> Path:
    ctype = "int16_t" if forest.codes.dtype == "int16" else "int32_t"
    nc = forest.n_classes
    main = (
        "#include <stdio.h>\n#include <stdint.h>\n"
        + forest_source(forest, "itest_forest", static=True)
        + "int main(void)\n{\n"
        f"    {ctype} x[{n_features}];\n    uint32_t sums[{nc}];\n    int c;\n"
        "    while (fread(x, sizeof x, 1, stdin) == 1) {\n"
        '        printf("%d", itest_forest(x, sums));\n'
        f"        for (c = 0; c < {nc}; c++) {{\n"
        '            printf(" %lu", (unsigned long)sums[c]);\n        }\n        printf("\\n");\n    }\n'
        "    return 0;\n}\n"
    )
    src = out / "itest.c"
    src.write_text(main)
    exe = out / "itest"
    cmd = [host_cc(), *STRICT_CFLAGS, "-Wconversion", "-O1", "-g", *SANITIZE, str(src), "-o", str(exe)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return exe


def run(exe: Path, Q: np.ndarray, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    res = subprocess.run(
        [str(exe)], input=np.ascontiguousarray(Q, dtype=dtype).tobytes(), capture_output=True, timeout=120
    )
    assert res.returncode == 0 and not res.stderr, res.stderr.decode(errors="replace")
    rows = np.array([[int(v) for v in line.split()] for line in res.stdout.decode().splitlines()], np.int64)
    return rows[:, 0], rows[:, 1:]


@pytest.mark.parametrize("case", ["integer", "quantised", "int32", "deep"])
def test_c_equals_reference_and_sklearn(tmp_path, case):
    if case == "integer":
        stage, codes, Q = integer_case()
    else:
        stage, codes, X = quantised_case(dtype="int32" if case == "int32" else "int16", deep=case == "deep")
        Q = codes.quantize(X)
    forest = integer_forest(stage, codes)
    rows = np.concatenate([Q, boundary_codes(forest, Q[:40])])
    exe = build(forest, Q.shape[1], tmp_path)
    labels, sums = run(exe, rows, codes.dtype)
    assert np.array_equal(sums, forest.sums(rows))
    assert np.array_equal(labels, forest.predict(rows))
    want = np.argmax(stage.predict_proba(codes.dequantize(rows)), axis=1)
    assert np.array_equal(labels, want)


@pytest.mark.parametrize("n_classes", [2, 20])
def test_class_counts(tmp_path, n_classes):
    """Two classes, and more than 16 (class loops kept as loops); one class: tests/interop."""
    from int_tree_cases import fitted_stage

    from sensorflow.stages.models.int_trees import integer_codes

    rng = np.random.default_rng(n_classes)
    X = rng.integers(-100, 100, size=(400, 4))
    y = (X[:, 0] + 100) * n_classes // 200
    stage = fitted_stage("random_forest", X, y, n_estimators=3, max_depth=8)
    codes = integer_codes(4)
    forest = integer_forest(stage, codes)
    rows = np.concatenate([X, boundary_codes(forest, X[:20])])
    labels, sums = run(build(forest, 4, tmp_path), rows, "int16")
    assert np.array_equal(sums, forest.sums(rows))
    assert np.array_equal(labels, np.argmax(stage.predict_proba(rows.astype(np.float32)), axis=1))


def test_source_is_float_free_and_names_are_checked():
    stage, codes, _ = integer_case()
    src = forest_source(integer_forest(stage, codes), "f")
    assert "float" not in src and "double" not in src
    with pytest.raises(CodegenError, match="not a C identifier"):
        forest_source(integer_forest(stage, codes), "1bad")
