"""Which numeric path each stage's generated code takes on a board (``export --numeric``).

``auto`` (the default) takes the integer path of every stage that has one on a board without
an FPU (``fpu: none`` in its board YAML) and float elsewhere; ``float`` always floats;
``int8`` takes every integer path there is, FPU or not. A stage with no integer path computes
in float; on a board without an FPU that float is software floating point (libgcc calls), and
the export says so stage by stage rather than failing.

Integer paths today: the tree models (integer compares of order-preserving int32 keys of the
float32 features and thresholds: exact, no float operation in the walk; the tree regressors then
sum their leaf values in float32), the dense models ``mlp``, ``logistic``, ``ridge_classifier``
(int8 post-training quantisation, ``sensorflow.stages.models.int8``) and ``conv1d`` with max
or average pooling, centred or not (``int8_conv``). ``stats``, ``band_energy``, ``log_mel`` and ``mfcc`` given
``q15_scale`` compute in fixed point (``sensorflow.dsp.fixed``, ``fixed_mel``) on the host as on
every board: that is the pipeline's definition, trained on, so they take their integer path
whatever ``--numeric`` says (``fixed`` indices of :func:`plan`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

CHOICES = ("auto", "float", "int8")
INTEGER_PATHS = (
    {
        name: "integer compares (int32 keys of the float32 features and thresholds, exact)"
        for name in ("decision_tree", "random_forest", "extra_trees")
    }
    | {
        name: "integer compares in the walk (int32 keys, exact); leaf values summed in float32"
        for name in ("decision_tree_regressor", "random_forest_regressor", "extra_trees_regressor")
    }
    | {
        name: "int8 (per-channel int8 weights, int8 activations, int32 accumulators; TFLite requantisation)"
        for name in ("mlp", "logistic", "ridge_classifier")
    }
    | {
        "conv1d": "int8 (int8 convolutions as per-step dense layers, int8 max or average pooling; TFLite requantisation)"
    }
)


def check(requested: str) -> str:
    if requested not in CHOICES:
        raise ConfigError(f"numeric path '{requested}' is not one of {', '.join(CHOICES)}; pick one")
    return requested


def wants_integer(requested: str, fpu: str) -> bool:
    """True when stages with an integer path should take it."""
    check(requested)
    return requested == "int8" or (requested == "auto" and fpu == "none")


def integer_for(stage_name: str, requested: str, fpu: str, stage=None) -> bool:
    """Does this stage's code take its integer path? (The emitters ask this.) With ``auto`` a
    fitted dense model without int8 calibration (an artifact from before it was recorded) stays
    float; ``--numeric int8`` asks for it anyway and the export says to retrain."""
    if not (stage_name in INTEGER_PATHS and wants_integer(requested, fpu)):
        return False
    return requested != "auto" or stage is None or unavailable(stage) is None


def unavailable(stage) -> str | None:
    """Why a fitted stage listed in INTEGER_PATHS cannot take it (None: it can)."""
    from ..stages.models.int8 import STAGES, has_calibration
    from ..stages.models.int8_conv import unsupported

    if stage.name == "conv1d":
        return unsupported(stage)
    if stage.name in STAGES and not has_calibration(stage):
        return "no int8 calibration in this artifact: retrain for int8"
    return None


@dataclass(frozen=True)
class StagePath:
    index: int
    type: str
    integer: bool
    label: str  # e.g. "integer: integer compares ..." or "float (soft-float: no integer path for stage 2 fft)"


FIXED_POINT = "q15 fixed point (q15_scale: the same integers on the host and every board)"


def plan(stages: list[tuple], requested: str, fpu: str, fixed=frozenset()) -> list[StagePath]:
    """The path of each ``(index, stage type)`` or ``(index, stage type, fitted stage)``;
    ``fixed``: indices of fixed-point stages."""
    soft = fpu == "none"
    out = []
    for index, name, *rest in stages:
        stage = rest[0] if rest else None
        if index in fixed:
            out.append(StagePath(index, name, True, f"integer: {FIXED_POINT}"))
        elif integer_for(name, requested, fpu, stage):
            out.append(StagePath(index, name, True, f"integer: {INTEGER_PATHS[name]}"))
        elif name in INTEGER_PATHS and wants_integer(requested, fpu):
            out.append(StagePath(index, name, False, f"float ({unavailable(stage)})"))
        elif not soft:
            out.append(StagePath(index, name, False, "float"))
        elif name in INTEGER_PATHS:
            out.append(StagePath(index, name, False, "float (soft-float: --numeric float asked for it)"))
        else:
            out.append(StagePath(index, name, False, f"float (soft-float: no integer path for stage {index} {name})"))
    return out


def summary(paths: list[StagePath], requested: str, fpu: str) -> str:
    """One line for the export output and the report: the path and why."""
    ints = [f"{p.index} {p.type}" for p in paths if p.integer]
    floats = [f"{p.index} {p.type}" for p in paths if not p.integer]
    why = f"--numeric {requested}, board FPU {fpu}"
    if not ints:
        kind = "float (soft-float)" if fpu == "none" else "float"
        if fpu == "none" and requested != "float":
            return f"{kind}: no integer path for stages {', '.join(floats)} ({why})"
        return f"{kind} ({why})"
    if not floats:
        return f"integer ({why})"
    rest = "float (soft-float)" if fpu == "none" else "float"
    return f"integer for stages {', '.join(ints)}; {rest} for {', '.join(floats)} (no integer path) ({why})"
