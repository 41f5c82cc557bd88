"""Budgets and cost estimates for ``sensorflow tune``.

Budget: the board definition's flash and RAM less a reserve for the application (25% of
each: the rest of the firmware, stacks, drivers), and instructions per inference at most
``clock_hz / 10`` (inference in about 100 ms at one instruction per cycle); ``--flash-kb``,
``--ram-kb`` and ``--max-instructions`` override each.

Estimate: the sum of the stages' ``cost(board)`` models (``sensorflow.cost.Cost``), plus a
fixed runtime allowance; ``ops`` become instructions one to one on a board with an FPU and
times :data:`SOFT_FLOAT_FACTOR` without one (software float routines, e.g. rv32imc; calibrated on measured fronts). Before
fitting, a trial is refused when the signal/feature stages alone, or the model bound of
:func:`model_bound`, already break the budget; after fitting, the fitted stages' costs decide.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

RESERVE = 0.25  # share of the board's flash and RAM kept for the application
RUNTIME_FLASH = 2048  # sensorflow runtime glue (init, push, window ring) in flash, bytes
RUNTIME_RAM = 256
# instructions per counted operation without an FPU: the GunPoint front measured on qemu-riscv32
# (rv32imc, soft float) took 50-110 instructions per operation the stages' cost models count
SOFT_FLOAT_FACTOR = 50


@dataclass(frozen=True)
class Budget:
    flash_bytes: int
    ram_bytes: int
    instructions: int
    source: str = ""

    def violations(self, flash: float, ram: float, instructions: float) -> list[float]:
        """Optuna constraint values (<= 0 is feasible): relative excess over each limit."""
        return [
            flash / self.flash_bytes - 1.0,
            ram / self.ram_bytes - 1.0,
            instructions / self.instructions - 1.0,
        ]

    def fits(self, flash: float, ram: float, instructions: float) -> bool:
        return all(v <= 0 for v in self.violations(flash, ram, instructions))

    def to_dict(self) -> dict:
        return asdict(self)


def budget_for(board, flash_kb: float | None = None, ram_kb: float | None = None, max_instructions=None) -> Budget:
    """The budget on ``board`` (a ``sensorflow.device.boards.Board``), flags overriding."""
    flash = int(flash_kb * 1024) if flash_kb else int(board.flash_bytes * (1 - RESERVE))
    ram = int(ram_kb * 1024) if ram_kb else int(board.ram_bytes * (1 - RESERVE))
    instr = int(max_instructions) if max_instructions else int(board.clock_hz // 10)
    where = []
    where.append("--flash-kb" if flash_kb else f"{board.name} flash less {RESERVE:.0%}")
    where.append("--ram-kb" if ram_kb else f"{board.name} RAM less {RESERVE:.0%}")
    where.append("--max-instructions" if max_instructions else f"{board.name} clock/10")
    return Budget(flash, ram, instr, "; ".join(where))


def ops_to_instructions(ops: float, board, integer: bool = False) -> float:
    """Instructions for ``ops`` counted operations: one each with an FPU or on an integer path
    (``integer``), :data:`SOFT_FLOAT_FACTOR` each in software floating point."""
    soft = getattr(board, "fpu", "single") == "none" and not integer
    return float(ops) * (SOFT_FLOAT_FACTOR if soft else 1.0)


def integer_path(stage, board, numeric: str = "auto") -> bool:
    """Does ``stage``'s generated code take its integer path on ``board`` under ``export.numeric``
    (as ``sensorflow.codegen.numeric`` decides at export; q15 fixed-point stages always do)?"""
    from ..codegen.numeric import integer_for
    from ..stages.fixed_point import is_fixed

    return is_fixed(stage) or integer_for(stage.name, numeric, getattr(board, "fpu", "single"), stage)


def window_bytes(pipe) -> int:
    """RAM of the streaming window the C export of ``pipe`` keeps: length x channels x the bytes
    a sample takes there (2 as int16 counts, 4 as floats, none when a stage takes the stream frame
    by frame and keeps its own frame ring, which its cost counts: ``codegen.c.library.window_sample_bytes``)."""
    from ..codegen.c.library import window_sample_bytes

    return window_sample_bytes(pipe) * pipe.window_length * pipe.input_spec.n_channels


def estimate(stages, board, window_bytes: int = 0, numeric: str = "auto") -> dict:
    """Summed cost of bound (and, for models, fitted) stages on ``board``, plus the runtime
    allowance and the input window buffer (``window_bytes``: in RAM, see :func:`window_bytes`).
    A stage on its integer path (``numeric``, as the export decides) costs its int8 tables
    (``int8_cost``) and counts its operations as integer instructions."""
    from ..stages.models.int8_conv import int8_cost

    flash, ram, instructions = RUNTIME_FLASH, RUNTIME_RAM + int(window_bytes), 0.0
    for s in stages:
        c = s.cost(board)
        integer = integer_path(s, board, numeric)
        if integer:
            c = int8_cost(s, c)
        flash += c.flash_bytes
        ram += c.ram_bytes
        instructions += ops_to_instructions(c.ops, board, integer)
    return {"flash_bytes": int(flash), "ram_bytes": int(ram), "instructions": instructions}


def static_ram(pipe, board, numeric: str = "auto") -> int | None:
    """Bytes of static state the C export of fitted ``pipe`` lays out on ``board`` (the
    generator's own layout: window or frame rings, stage buffers, the scratch union), or None
    when the pipeline has no C export. Exact where the stages' cost models are bounds (a q15
    log-mel's ring holds int8 codes when an int8 net follows it)."""
    from ..codegen.c.library import generate
    from ..errors import SensorflowError

    try:
        return int(generate(pipe, {}, board, numeric=numeric).state_bytes)
    except SensorflowError:
        return None


def model_bound(stage_dict: dict, n_features: int, n_classes: int, n_train: int) -> dict:
    """A cost the model cannot go below, from its parameters alone (before fitting): exact for
    knn / logistic / ridge / mlp / naive Bayes, one root-to-leaf path per tree for forests; zeros when the
    family gives none. Only the fitted cost can accept a trial."""
    t = stage_dict.get("type")
    if t in ("decision_tree", "random_forest", "extra_trees"):
        # a lower bound (one root-to-leaf path per tree): refuse before fitting only what cannot fit
        # however the trees grow; the fitted trees' own cost decides the rest. A tree stops where its
        # leaves are pure, so the path it surely grows is the depth that separates the classes
        # (log2 of their count), not max_depth (None: unbounded; a grown tree has at most
        # 2 x the training cases - 1 nodes, and its fitted cost counts the nodes it has)
        separate = math.ceil(math.log2(max(n_classes, 1)))
        limit = stage_dict.get("max_depth")
        depth = separate if limit is None else min(int(limit), separate)
        trees = int(stage_dict.get("n_estimators", 1))
        return {
            "flash_bytes": trees * (depth * 10 + 4 * n_classes),
            "ram_bytes": 4 * n_classes,
            "ops": trees * 2 * depth,
        }
    if t == "knn":
        return {"flash_bytes": 4 * n_train * n_features, "ram_bytes": 4 * n_classes, "ops": 3 * n_train * n_features}
    if t == "svm":  # at least one support vector per class, each a kernel evaluation over the features
        return {
            "flash_bytes": 4 * n_classes * n_features,
            "ram_bytes": 4 * n_classes,
            "ops": n_classes * n_features,
        }
    if t in ("logistic", "ridge_classifier"):
        return {
            "flash_bytes": 4 * n_classes * (n_features + 1),
            "ram_bytes": 4 * n_classes,
            "ops": n_classes * n_features,
        }
    if t == "mlp":
        sizes = [n_features, *stage_dict.get("hidden_layer_sizes", []), max(n_classes, 2)]
        w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        return {"flash_bytes": 4 * w, "ram_bytes": 8 * max(sizes), "ops": w}
    if t == "gaussian_nb":
        return {
            "flash_bytes": 8 * n_classes * n_features,
            "ram_bytes": 4 * n_classes,
            "ops": 3 * n_classes * n_features,
        }
    return {"flash_bytes": 0, "ram_bytes": 0, "ops": 0}
