"""interop.int_trees.integer_tree_sources: a scikit-learn forest on integer features (and one
on float features with fitted codes) as C files that compile with the strict flags under
ASan/UBSan and give ``predict``'s labels on test rows and on T - 1 / T / T + 1 rows."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.errors import ConfigError
from sensorflow.interop.int_trees import integer_tree_sources
from sensorflow.stages.models.int_trees import boundary_codes
from sensorflow.testing.ccompare import SANITIZE, host_cc


def _run_c(files: dict, name: str, Q: np.ndarray, tmp_path) -> np.ndarray:
    for fn, text in files.items():
        (tmp_path / fn).write_text(text)
    ctype = "int16_t" if Q.dtype == np.int16 else "int32_t"
    (tmp_path / "main.c").write_text(
        f'#include <stdio.h>\n#include "{name}.h"\nint main(void)\n{{\n    {ctype} x[{Q.shape[1]}];\n'
        "    uint32_t sums[16];\n    while (fread(x, sizeof x, 1, stdin) == 1) {\n"
        f'        printf("%d\\n", {name}(x, sums));\n    }}\n    return 0;\n}}\n'
    )
    exe = tmp_path / "a.out"
    cmd = [
        host_cc(),
        *STRICT_CFLAGS,
        *SANITIZE,
        "-I",
        str(tmp_path),
        str(tmp_path / f"{name}.c"),
        str(tmp_path / "main.c"),
    ]
    res = subprocess.run([*cmd, "-o", str(exe)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    res = subprocess.run([str(exe)], input=Q.tobytes(), capture_output=True, timeout=60)
    assert res.returncode == 0 and not res.stderr, res.stderr
    return np.array([int(v) for v in res.stdout.split()], np.int64)


@pytest.mark.parametrize("kind", [RandomForestClassifier, ExtraTreesClassifier])
def test_integer_features(kind, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(-500, 500, size=(300, 5))
    y = np.where(X[:, 0] - X[:, 1] > 30, "up", np.where(X[:, 2] > 100, "side", "down"))
    est = kind(n_estimators=5, max_depth=7, random_state=0).fit(X, y)
    files, forest = integer_tree_sources(est, name="my_forest")
    assert set(files) == {"my_forest.h", "my_forest.c", "my_forest.py"}
    assert "x[4]: scale 1, zero point 0" in files["my_forest.h"]
    Q = np.concatenate([X, boundary_codes(forest, X)]).astype(np.int16)
    got = _run_c(files, "my_forest", Q, tmp_path)
    assert np.array_equal(est.classes_[got], est.predict(Q))


def test_float_features_with_fitted_codes(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((300, 4)) * [0.01, 1, 100, 5]
    y = (X[:, 0] * 100 + X[:, 1] > 0).astype(int)
    est = RandomForestClassifier(n_estimators=4, max_depth=6, random_state=0).fit(X, y)
    files, forest = integer_tree_sources(est, X_train=X, dtype="int32", name="f32codes")
    Q = forest.codes.quantize(X)
    Q = np.concatenate([Q, boundary_codes(forest, Q)]).astype(np.int32)
    got = _run_c(files, "f32codes", Q, tmp_path)
    assert np.array_equal(got, est.predict(forest.codes.dequantize(Q)))


def test_one_class_forest_of_single_leaves(tmp_path):
    X = np.arange(20).reshape(-1, 2)
    est = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, ["only"] * 10)
    files, forest = integer_tree_sources(est, name="one")
    assert forest.n_nodes == 0
    got = _run_c(files, "one", X.astype(np.int16), tmp_path)
    assert np.array_equal(est.classes_[got], est.predict(X))


def test_other_estimators_are_refused():
    est = LogisticRegression().fit(np.eye(3), [0, 1, 1])
    with pytest.raises(ConfigError, match="integer trees take"):
        integer_tree_sources(est)
