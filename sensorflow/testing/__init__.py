"""Conformance suite for stages, after scikit-learn's ``parametrize_with_checks``.

``check_stage(cls)`` yields ``(check_name, params, callable)`` triples; run every one in a
pytest parametrization. Besides the reference checks here, :mod:`.codegen_checks` adds
emitted C == reference, emitted MicroPython == reference and cost() >= measured for every
stage that has the emitter (as scikit-learn ships ``check_estimator``). Checks that need a
tool raise ``unittest.SkipTest`` without it; those in :data:`SLOW_CHECKS` compile or run an
interpreter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..cost import Cost
from ..errors import ConfigError, DataError

_CHECKS: list[tuple[str, Callable, Callable]] = []
SLOW_CHECKS: set[str] = set()


def register_check(name: str, *, applies: Callable | None = None, slow: bool = False):
    """Decorator: ``fn(cls, params, rng)`` is run for every stage (for which ``applies(cls)``
    is true, when given) and every example parameter set; ``slow`` ones compile or run tools."""

    def deco(fn):
        _CHECKS.append((name, fn, applies or (lambda cls: True)))
        if slow:
            SLOW_CHECKS.add(name)
        return fn

    return deco


def build_example(cls, params, rng):
    """The stage built with ``params``, bound to its example input and fitted on it:
    ``(stage, spec, X, y)``."""
    spec, X, y = cls.example_input(params, rng)
    stage = cls(**params)
    stage.bind(spec)
    if cls.tags.trainable:
        stage.fit(X, y)
    return stage, spec, X, y


@register_check("params_round_trip")
def check_params_round_trip(cls, params, rng):
    stage = cls(**params)
    dumped = stage.params.model_dump(mode="json")
    again = cls.Params.model_validate(dumped)
    assert again == stage.params, f"{cls.name}: params do not survive a JSON round trip"
    assert dumped["type"] == cls.name


@register_check("unknown_param_refused")
def check_unknown_param_refused(cls, params, rng):
    try:
        cls(**params, definitely_not_a_param=1)
    except ConfigError:
        return
    raise AssertionError(f"{cls.name}: an unknown parameter was accepted")


@register_check("transform_shape_and_dtype")
def check_transform_shape_and_dtype(cls, params, rng):
    stage, spec, X, y = build_example(cls, params, rng)
    out = stage.transform(X)
    assert out.shape == (len(X),) + tuple(stage.output_spec_.shape), (
        f"{cls.name}: output {out.shape} does not match its spec {stage.output_spec_.shape}"
    )
    assert out.dtype == X.dtype, f"{cls.name}: dtype {X.dtype} in, {out.dtype} out"
    assert np.all(np.isfinite(out)), f"{cls.name}: non-finite output on ordinary input"
    if stage.output_spec_.kind == "vector":
        assert len(stage.output_spec_.names) == out.shape[1]


@register_check("batch_order_independent")
def check_batch_order_independent(cls, params, rng):
    stage, spec, X, y = build_example(cls, params, rng)
    if cls.tags.role == "post":
        return  # post stages run along the window sequence: order is their input
    full = stage.transform(X)
    part = stage.transform(X[3:5])
    np.testing.assert_allclose(part, full[3:5], rtol=1e-5, atol=1e-6, err_msg=f"{cls.name}: windows interact")


@register_check("streaming_equals_batch")
def check_streaming_equals_batch(cls, params, rng):
    if not cls.tags.streaming:
        return
    stage, spec, X, y = build_example(cls, params, rng)
    seq = X[0] if cls.tags.role == "signal" else X
    batch = stage.transform(seq[None])[0] if cls.tags.role == "signal" else stage.transform(seq)
    for _trial in range(3):
        state = stage.init_state()
        outs, i = [], 0
        while i < len(seq):
            n = int(rng.integers(1, max(2, len(seq) // 3)))
            state, o = stage.process(state, seq[i : i + n])
            outs.append(o)
            i += n
        np.testing.assert_allclose(
            np.concatenate(outs), batch, rtol=1e-5, atol=1e-5, err_msg=f"{cls.name}: streaming != batch"
        )


@register_check("nan_refused")
def check_nan_refused(cls, params, rng):
    stage, spec, X, y = build_example(cls, params, rng)
    bad = X.copy()
    bad.flat[0] = np.nan
    try:
        stage.transform(bad)
    except DataError:
        return
    raise AssertionError(f"{cls.name}: NaN input was accepted")


@register_check("learned_round_trip")
def check_learned_round_trip(cls, params, rng):
    stage, spec, X, y = build_example(cls, params, rng)
    other = cls(**params)
    other.bind(spec)
    other.load_learned({k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in stage.learned().items()})
    np.testing.assert_array_equal(other.transform(X), stage.transform(X))


@register_check("cost_model")
def check_cost_model(cls, params, rng):
    stage, spec, X, y = build_example(cls, params, rng)
    c = stage.cost()
    assert isinstance(c, Cost), f"{cls.name}: cost() must return a Cost"
    assert c.flash_bytes >= 0 and c.ram_bytes >= 0 and c.ops > 0, f"{cls.name}: cost {c} is not plausible"


def check_stage(cls) -> Iterator[tuple[str, dict, Callable]]:
    """Every (check name, params, runnable) for one stage class."""
    checks = [(name, fn) for name, fn, applies in list(_CHECKS) if applies(cls)]
    for params in cls.examples():
        for name, fn in checks:

            def run(fn=fn, params=params, seed=len(name)):  # noqa: B008  (the seed is fixed per check at definition)
                fn(cls, dict(params), np.random.default_rng(seed))

            yield name, params, run


from . import codegen_checks  # noqa: E402, F401  (registers the code-generation checks)
