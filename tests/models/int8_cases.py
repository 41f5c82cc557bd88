"""Fitted dense models and rows for the int8 tests (no conftest in subfolders): a small
standardised digits problem (64 features, 10 classes) and a two-class cut of it."""

from __future__ import annotations

import numpy as np

from sensorflow.stages.models.int8 import QNet
from sensorflow.stages.models.linear import Logistic, RidgeClassifier
from sensorflow.stages.models.mlp import MLP

CASES = {
    "mlp-relu": (MLP, {"hidden_layer_sizes": [16], "max_iter": 300}),
    "mlp-tanh-2": (MLP, {"hidden_layer_sizes": [12, 8], "activation": "tanh", "max_iter": 300}),
    "mlp-logistic": (MLP, {"hidden_layer_sizes": [8], "activation": "logistic", "max_iter": 300}),
    "mlp-identity": (MLP, {"hidden_layer_sizes": [6], "activation": "identity", "max_iter": 300}),
    "logistic": (Logistic, {}),
    "ridge": (RidgeClassifier, {}),
}


def digits(n_classes: int = 10):
    from sklearn.datasets import load_digits

    X, y = load_digits(n_class=n_classes, return_X_y=True)
    X = ((X - X.mean(0)) / (X.std(0) + 1e-3)).astype(np.float32)
    n = len(X) * 2 // 3
    return X[:n], y[:n], X[n:], y[n:]


def fitted(case: str, n_classes: int = 10):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    cls, params = CASES[case]
    Xtr, ytr, Xte, yte = digits(n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stage = cls(**params).fit(Xtr, ytr)
    return stage, Xtr, Xte, yte


def boundary_rows(net: QNet, X: np.ndarray, n: int = 64) -> np.ndarray:
    """Rows with features set exactly on an input code boundary and on the float32 just below
    it (the two sides of a tie), plus NaN, +-inf, -0.0 and huge values."""
    rng = np.random.default_rng(1)
    rows = X[rng.integers(0, len(X), n)].copy()
    d = X.shape[1]
    for i, r in enumerate(rows):
        b = net.bounds[rng.integers(0, len(net.bounds), d)]
        r[:] = b if i % 2 else np.nextafter(b, np.float32(-np.inf))
    special = np.array([np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 3e38, -3e38], np.float32)
    extra = np.resize(special, (4, d)).astype(np.float32)
    return np.concatenate([rows, extra]).astype(np.float32)


def stage_program(stage, rows: np.ndarray, numeric: str = "int8") -> tuple[str, dict[str, str]]:
    """A C program around the model stage's emitted code alone (``numeric`` int8 or float) for
    the measuring image: ``q8_entry(i)`` classifies ``rows[i]``; ``bench_report`` prints the int8
    logits of the last call (int8 path) as ``W`` words. Returns (main source, runtime files)."""
    from sensorflow.codegen.c import registry
    from sensorflow.codegen.c.fragment import CContext
    from sensorflow.codegen.c.library import runtime_files

    ctx = CContext(stage=stage, index=0, prefix="t")
    ctx.numeric = numeric
    frag = registry.get(stage.name)(stage, ctx)
    fields = "".join(f"        {f.ctype} {f.name}[{f.count}];\n" for f in frag.scratch) or "        int unused;\n"
    n_out = max(2, len(stage.classes_))
    d = rows.shape[1]
    bits = np.ascontiguousarray(rows, np.float32).view(np.uint32)
    body = ",\n".join("  {" + ", ".join(f"{int(v)}u" for v in r) + "}" for r in bits)
    report = ""
    if numeric == "int8":
        from sensorflow.stages.models.int8_conv import quantize_model

        net = quantize_model(stage)
        last = "qa" if len(net.layers) % 2 else "qb"
        report = (
            "void bench_out_u32(uint32_t word);\nvoid bench_report(int i);\n"
            "void bench_report(int i)\n{\n    uint32_t j;\n    (void)i;\n"
            f"    for (j = 0; j < {net.n_out}u; j++) {{\n"
            f"        bench_out_u32((uint32_t)(int32_t)t_state.scratch.s0.{last}[j]);\n    }}\n}}\n"
        )
    src = (
        "#include <stdint.h>\n#include <string.h>\n"
        + "".join(f'#include "{r}.h"\n' for r in frag.runtime)
        + f"static struct {{\n    struct {{\n    struct {{\n{fields}    }} s0;\n    }} scratch;\n}} t_state;\n"
        + "".join(frag.tables)
        + "static int stage(const float *in, float *out)\n{\n"
        + "".join(f"    {c}\n" for c in frag.code)
        + "}\n"
        + f"static const uint32_t q8_rows[{len(rows)}][{d}] = {{\n{body}\n}};\n"
        + f"static float q8_out[{n_out}], q8_x[{d}];\n"
        + "int q8_entry(int i);\nint q8_entry(int i)\n{\n"
        + "    memcpy(q8_x, q8_rows[i], sizeof q8_x); /* float32 bits: NaN and inf rows too */\n"
        + "    return stage(q8_x, q8_out);\n}\n"
        + report
    )
    return src, runtime_files(["sf_common", *frag.runtime])


def order_task(rng, n=360, steps=20, size=4, n_classes=3):
    """Windows (n, steps * size) with a 3-step diagonal pattern at a random time: forwards,
    backwards or flat (one class each), plus noise (as tests/models/test_conv1d.py's task)."""
    y = rng.integers(0, n_classes, n)
    x = 0.3 * rng.standard_normal((n, steps, size)).astype(np.float32)
    eye = np.eye(size, dtype=np.float32)[:3] * 2
    patterns = [eye, eye[::-1], np.full_like(eye, 0.7)]
    for i in range(n):
        t = rng.integers(0, steps - 3)
        x[i, t : t + 3] += patterns[y[i]]
    return x.reshape(n, -1), y


def fitted_conv(filters=(8, 8), strides=(1, 1), center_window=False, pool="max"):
    """A conv1d stage fitted on :func:`order_task`; train/test rows. With ``center_window``
    each window's channels get a random offset (which centring removes)."""
    from sensorflow import stage as make_stage

    rng = np.random.default_rng(3)
    X, y = order_task(rng)
    if center_window:
        offset = rng.uniform(-3.0, 3.0, (len(X), 1, 4)).astype(np.float32)
        X = (X.reshape(len(X), -1, 4) + offset).reshape(len(X), -1)
    m = make_stage(
        "conv1d",
        filters=list(filters),
        strides=list(strides),
        frame_size=4,
        epochs=40,
        time_shift=0,
        center_window=center_window,
        pool=pool,
    )
    m.fit(X[:240], y[:240])
    return m, X[:240], X[240:], y[240:]
