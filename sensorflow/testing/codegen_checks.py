"""Conformance checks of the code generators, registered into :func:`sensorflow.testing.check_stage`
for every stage that has the emitter (scikit-learn's ``check_estimator`` pattern): the stage's
C alone (host cc, ASan/UBSan) equals its numpy reference; the MicroPython module of a small
pipeline around it (run by CPython, double precision like the WebAssembly port) equals the
host pipeline; ``cost()`` is not below the tables and state the compiled C really holds.

Tolerances: model labels exact, model scores 1e-5 (Gaussian NB 1e-4: float32
log-likelihoods); regression values: trees bit-exact (the float32 of scikit-learn's value),
the others rtol 1e-5 with an absolute floor of 1e-5 x the values' scale; features and signals
rtol 1e-4 with an absolute floor of 1e-4 x the output's scale; post-processing outputs exact.
MicroPython: features rtol 1e-4 / atol 1e-5 x scale, scores 1e-4, regression values as in C
(trees bit-exact on a double port), labels exact.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest
from array import array
from pathlib import Path

import numpy as np
import yaml

from ..codegen.c import registry as c_registry
from ..codegen.micropython import registry as mp_registry
from . import build_example, register_check

MP_FEATURE_RTOL = 1e-4
MP_FEATURE_ATOL = 1e-5  # times max(1, max |feature|)
MP_SCORE_ATOL = 1e-4


def _need_cc() -> None:
    from ..errors import ToolMissingError
    from .ccompare import host_cc

    try:
        host_cc()
    except ToolMissingError as exc:
        if os.environ.get("CI"):
            raise
        raise unittest.SkipTest(str(exc)) from None


def _has_c(cls) -> bool:
    return c_registry.find(cls.name) is not None


def _has_mp(cls) -> bool:
    return mp_registry.find(cls.name) is not None


# ---------------------------------------------------------------------------- C


@register_check("c_equals_reference", applies=_has_c, slow=True)
def check_c_equals_reference(cls, params, rng):
    """The stage's C alone (``ccompare.run_stage``, under ASan/UBSan) against ``transform``."""
    from . import ccompare

    _need_cc()
    stage, spec, X, y = build_example(cls, params, rng)
    ref = np.asarray(stage.transform(X)).reshape(len(X), -1)
    with tempfile.TemporaryDirectory(prefix="sf_check_c_") as tmp:
        labels, out = ccompare.run_stage(stage, X.reshape(len(X), -1), tmp)
    role = cls.tags.role
    if role == "model" and getattr(cls, "task", "") == "regression":
        assert np.array_equal(labels, np.zeros(len(X))), f"{cls.name}: a regressor's label is not 0"
        check_values(cls, out, ref, f"{cls.name} {params}")
    elif role == "model":
        assert np.array_equal(labels, np.asarray(stage._predict_index(X))), f"{cls.name}: labels differ"
        atol = 1e-4 if cls.name == "gaussian_nb" else 1e-5
        np.testing.assert_allclose(out, ref, atol=atol, rtol=0, err_msg=f"{cls.name} {params}")
    elif role == "post":
        np.testing.assert_array_equal(out, ref.astype(np.float32), err_msg=f"{cls.name} {params}")
    else:
        scale = max(1.0, float(np.max(np.abs(ref))))
        np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4 * scale, err_msg=f"{cls.name} {params}")


REGRESSION_RTOL = 1e-5


def check_values(cls, got, want, msg: str) -> None:
    """Regression values against the reference: trees bit-exact (float32), the others
    within ``REGRESSION_RTOL`` relative, with a floor of that times the values' scale."""
    got = np.asarray(got, dtype=np.float32)
    want = np.asarray(want, dtype=np.float32).reshape(got.shape)
    if getattr(cls, "bit_exact", False):
        np.testing.assert_array_equal(got, want, err_msg=f"{msg}: tree values are not bit-exact")
        return
    scale = max(1e-30, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=REGRESSION_RTOL, atol=REGRESSION_RTOL * scale, err_msg=msg)


def measured_stage_bytes(stage) -> tuple[int, int]:
    """(constant tables, state + scratch) in bytes of the stage's C alone, compiled by the host
    cc (``-O2 -c``, one section per object) and read from the object file: the ``.rodata`` /
    ``.data`` sections of the stage's own tables, the ``.bss`` of its state struct."""
    from ..codegen.c.library import generate_stage
    from ..device.footprint import read_object
    from .ccompare import STRICT_CFLAGS, host_cc

    prefix = "sf_stage"
    gen = generate_stage(stage, prefix=prefix)
    with tempfile.TemporaryDirectory(prefix="sf_check_cost_") as tmp:
        out = Path(tmp)
        gen.write(out)
        obj = out / "stage.o"
        cmd = [host_cc(), *STRICT_CFLAGS, "-O2", "-fdata-sections", "-ffunction-sections", "-I", str(out), "-c"]
        res = subprocess.run([*cmd, str(out / f"{prefix}.c"), "-o", str(obj)], capture_output=True, text=True)
        if res.returncode != 0:
            raise AssertionError(f"compiling stage '{stage.name}' failed:\n{res.stderr[:4000]}")
        sections = read_object(obj).sections
    tables = sum(
        size for name, (kind, size) in sections.items() if kind in ("rodata", "data") and f"{prefix}_s0_" in name
    )
    state = sum(size for name, (kind, size) in sections.items() if kind == "bss" and f"{prefix}_state" in name)
    return tables, max(0, state - 4)  # less the harness's own `int ready`


@register_check("cost_not_below_measured", applies=_has_c, slow=True)
def check_cost_not_below_measured(cls, params, rng):
    """``cost()`` flash covers the tables the compiled C holds, RAM its state and scratch."""
    _need_cc()
    try:
        import elftools  # noqa: F401
    except ImportError:
        raise unittest.SkipTest("pyelftools is not installed (pip install pyelftools)") from None
    stage, spec, X, y = build_example(cls, params, rng)
    tables, state = measured_stage_bytes(stage)
    c = stage.cost()
    assert c.flash_bytes >= tables, f"{cls.name} {params}: cost() flash {c.flash_bytes} < measured tables {tables}"
    assert c.ram_bytes >= state, f"{cls.name} {params}: cost() RAM {c.ram_bytes} < measured state+scratch {state}"


# ---------------------------------------------------------------------------- MicroPython

_STATS = {"type": "stats", "functions": ["mean", "std", "rms", "ptp"]}
# after a signal stage: no mean (a high-passed window's mean is ~0, and a scaler would
# magnify float32-vs-double rounding of it into a relative error)
_STATS_SIGNAL = {"type": "stats", "functions": ["std", "rms", "ptp", "abs_mean"]}


def make_pipeline(stages, *, channels=3, length=64, sample_rate=100.0, hop=None, prefix="c"):
    """A pipeline of ``stages`` on a generic sensor (for checks and tests)."""
    from ..pipeline import Pipeline

    cfg = {
        "name": "mptest",
        "sensor": {
            "kind": "generic",
            "sample_rate": sample_rate,
            "channels": [f"{prefix}{i}" for i in range(channels)],
        },
        "window": {"length": length, **({"hop": hop} if hop else {})},
        "stages": stages,
    }
    return Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False), source="<mptest>")


def synthetic(n: int, length: int, channels: int, n_classes: int, seed: int = 0, sample_rate: float = 100.0):
    """Windows whose class sets tone frequency, amplitude and offset, plus noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    t = np.arange(length) / sample_rate
    X = np.empty((n, length, channels), dtype=np.float32)
    for i in range(n):
        for c in range(channels):
            f = 3.0 + 4.0 * y[i] + c + rng.uniform(-0.5, 0.5)
            X[i, :, c] = (1 + 0.3 * y[i]) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6)) + 0.2 * y[i] * (c - 1)
        X[i] += 0.3 * rng.standard_normal((length, channels))
    return X.astype(np.float32), np.array([f"k{v}" for v in y])


def example_pipeline(cls, params, rng):
    """A small trainable pipeline around one stage (signal/feature: stage -> [stats] ->
    gaussian_nb; vector: stats -> stage -> logistic; model: stats -> stage; post: stats ->
    random_forest -> stage) and its data ``(pipeline, X, y)``."""
    role = cls.tags.role
    params = {k: v for k, v in params.items() if k != "sample_rate"}
    entry = {"type": cls.name, **params}
    if role in ("signal", "feature"):
        spec, X, _ = cls.example_input(dict(params), rng)
        tail = [_STATS_SIGNAL] if role == "signal" else []
        stages = [entry] + tail + [{"type": "gaussian_nb"}]  # no scaler: it would magnify rounding
        pipe = make_pipeline(
            stages, channels=spec.n_channels, length=spec.length, sample_rate=spec.sample_rate, prefix="ch"
        )
        X = X[:, :, : spec.n_channels]
        y = np.array([f"k{i % 2}" for i in range(len(X))])
        return pipe, X.astype(np.float32), y
    X, y = synthetic(48, 64, 3, 3, seed=4)
    if role == "post":  # the examples name classes a, b, c
        y = np.array([{"k0": "a", "k1": "b", "k2": "c"}[v] for v in y])
    if role == "vector":
        stages = [_STATS, entry, {"type": "logistic"}]
    elif role == "model":
        if cls.name.endswith("anomaly"):
            entry.setdefault("normal_class", "k0")
        if getattr(cls, "task", "") == "regression":  # a number per window, from its class and noise
            noise = np.random.default_rng(5).standard_normal(len(y))
            y = 1000.0 + 150.0 * np.array([int(v[1:]) for v in y]) + 20.0 * noise
        stages = [_STATS, entry]
    else:
        stages = [_STATS, {"type": "random_forest", "n_estimators": 4, "max_depth": 3}, entry]
    return make_pipeline(stages), X, y


def _load_module(out: Path, prefix: str):
    sys.path.insert(0, str(out))
    try:
        sys.modules.pop("sf_runtime", None)
        spec = importlib.util.spec_from_file_location(prefix, out / f"{prefix}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(out))
        sys.modules.pop("sf_runtime", None)


@register_check("micropython_equals_reference", applies=_has_mp, slow=True)
def check_micropython_equals_reference(cls, params, rng):
    """The exported MicroPython module of :func:`example_pipeline`, run by CPython: features
    and scores within tolerance of the host pipeline, labels exact."""
    from ..codegen.micropython import export

    pipe, X, y = example_pipeline(cls, params, np.random.default_rng(0))
    pipe.fit(X, y)
    prefix = f"ex_{cls.name}"
    with tempfile.TemporaryDirectory(prefix="sf_check_mp_") as tmp:
        export(pipe, {}, None, tmp, mpy=False, prefix=prefix)
        p = _load_module(Path(tmp), prefix).Pipeline()
        feats, scores, labels = [], [], []
        for w in X:
            label, s = p.infer(array("f", w.ravel().tolist()))
            labels.append(label)
            feats.append(list(p.feat))
            scores.append(list(s))
    host = np.asarray(pipe.transform(X), dtype=np.float64)
    proba = np.asarray(pipe.predict_proba(X), dtype=np.float64)
    scale = max(1.0, float(np.abs(host).max()))
    msg = f"{cls.name} {params}"
    np.testing.assert_allclose(np.array(feats), host, rtol=MP_FEATURE_RTOL, atol=MP_FEATURE_ATOL * scale, err_msg=msg)
    _check_scores(cls, np.array(scores), proba, labels, msg)


def _check_scores(cls, scores: np.ndarray, proba: np.ndarray, labels, msg: str) -> None:
    """Scores within ``MP_SCORE_ATOL`` and labels exact; a regressor's values as ``check_values``."""
    if getattr(cls, "task", "") == "regression":
        check_values(cls, scores, proba, msg)
    else:
        np.testing.assert_allclose(scores, proba, atol=MP_SCORE_ATOL, err_msg=msg)
    np.testing.assert_array_equal(labels, np.argmax(proba, axis=1), err_msg=msg)


def _smallest_example(cls) -> dict:
    def ram(params):
        stage, *_ = build_example(cls, params, np.random.default_rng(0))
        return stage.cost().ram_bytes

    return min(cls.examples(), key=ram)


@register_check("micropython_interpreter_equals_reference", applies=_has_mp, slow=True)
def check_micropython_interpreter_equals_reference(cls, params, rng):
    """The same module on the real MicroPython interpreter (WebAssembly port under Node), for
    the example parameter set with the smallest ``cost()`` RAM (one interpreter start per stage;
    log_mel's librosa defaults, n_fft 2048 x 128 mels, exhaust the WebAssembly port's pystack):
    features and scores within tolerance, labels exact."""
    from ..codegen.micropython import export
    from ..mpy import available
    from ..mpy.compare import export_files, run_module

    if params != _smallest_example(cls):
        return  # the other examples run under CPython above
    reason = available()
    if reason is not None:
        if os.environ.get("CI"):
            raise AssertionError(reason)
        raise unittest.SkipTest(reason)
    pipe, X, y = example_pipeline(cls, params, np.random.default_rng(0))
    pipe.fit(X, y)
    with tempfile.TemporaryDirectory(prefix="sf_check_mpi_") as tmp:
        report = export(pipe, {}, None, tmp, mpy=False)
        run = run_module(export_files(tmp), X, n_features=report["n_features"], n_classes=report["n_classes"])
    host = np.asarray(pipe.transform(X), dtype=np.float64)
    proba = np.asarray(pipe.predict_proba(X), dtype=np.float64)
    scale = max(1.0, float(np.abs(host).max()))
    msg = f"{cls.name} {params} (MicroPython interpreter)"
    np.testing.assert_allclose(run.features, host, rtol=MP_FEATURE_RTOL, atol=MP_FEATURE_ATOL * scale, err_msg=msg)
    _check_scores(cls, np.asarray(run.scores), proba, run.labels, msg)
