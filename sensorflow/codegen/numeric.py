"""Which numeric path each stage's generated code takes on a board (``export --numeric``).

``auto`` (the default) takes the integer path of every stage that has one on a board without
an FPU (``fpu: none`` in its board YAML) and float elsewhere; ``float`` always floats;
``int8`` takes every integer path there is, FPU or not. A stage with no integer path computes
in float; on a board without an FPU that float is software floating point (libgcc calls), and
the export says so stage by stage rather than failing.

Integer paths today: the tree models (integer compares of order-preserving int32 keys of the
float32 features and thresholds: exact, no float operation in the walk).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigError

CHOICES = ("auto", "float", "int8")
INTEGER_PATHS = {
    name: "integer compares (int32 keys of the float32 features and thresholds, exact)"
    for name in ("decision_tree", "random_forest", "extra_trees")
}


def check(requested: str) -> str:
    if requested not in CHOICES:
        raise ConfigError(f"numeric path '{requested}' is not one of {', '.join(CHOICES)}; pick one")
    return requested


def wants_integer(requested: str, fpu: str) -> bool:
    """True when stages with an integer path should take it."""
    check(requested)
    return requested == "int8" or (requested == "auto" and fpu == "none")


def integer_for(stage_name: str, requested: str, fpu: str) -> bool:
    """Does this stage's code take its integer path? (The emitters ask this.)"""
    return stage_name in INTEGER_PATHS and wants_integer(requested, fpu)


@dataclass(frozen=True)
class StagePath:
    index: int
    type: str
    integer: bool
    label: str  # e.g. "integer: integer compares ..." or "float (soft-float: no integer path for stage 2 fft)"


def plan(stages: list[tuple[int, str]], requested: str, fpu: str) -> list[StagePath]:
    """The path of each ``(index, stage type)``."""
    soft = fpu == "none"
    out = []
    for index, name in stages:
        if integer_for(name, requested, fpu):
            out.append(StagePath(index, name, True, f"integer: {INTEGER_PATHS[name]}"))
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
