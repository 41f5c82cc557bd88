"""sensorflow tune PIPELINE --board BOARD: budget-aware pipeline search on Dask (see docs/tune.md)."""

from __future__ import annotations

import os

from ..errors import ConfigError
from ..tune.runner import TuneOptions
from ..tune.runner import run as run_tune

MAX_TIME_BUDGET_MIN = 1e6  # about two years
MAX_MEMORY_KB = float(1 << 30)  # a terabyte: flash and RAM budgets stay integers of bytes
MAX_INSTRUCTIONS = 1e15


def add_arguments(p):
    p.add_argument("pipeline", metavar="PIPELINE", help="pipeline YAML (stages: optional; search: section optional)")
    p.add_argument("--board", required=True, metavar="BOARD", help="board name or board YAML (budgets come from it)")
    p.add_argument("--trials", type=int, default=40, metavar="N", help="number of trials (default 40)")
    p.add_argument("--time-budget", type=float, metavar="MINUTES", help="stop asking new trials after this long")
    p.add_argument("--flash-kb", type=float, metavar="F", help="flash budget in KB (default: the board's less 25%%)")
    p.add_argument("--ram-kb", type=float, metavar="R", help="RAM budget in KB (default: the board's less 25%%)")
    p.add_argument("--max-instructions", type=float, metavar="I", help="instructions per inference (default clock/10)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler, tcp://HOST:PORT")
    p.add_argument("--workers", type=int, metavar="N", help="local Dask workers (default: one per core)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="sampler and model seed (default 0)")
    p.add_argument("--resume", action="store_true", help="continue the study in --out")
    p.add_argument("--out", metavar="DIR", help="output folder (default build/tune/<pipeline name>/)")
    p.add_argument(
        "--batch",
        type=int,
        default=8,
        metavar="B",
        help="trials in flight: trial n is asked once trial n - B is told (default 8; part of the seed's result)",
    )
    p.add_argument("--sampler", choices=("tpe", "nsga2"), default="tpe", help="Optuna sampler (default tpe)")
    p.add_argument("--data", metavar="PATH", help="data (overrides dataset.path; workers must read the same path)")
    p.add_argument("--no-measure", action="store_true", help="do not measure the front on the emulated board")
    p.add_argument(
        "--no-fill",
        action="store_true",
        help="keep the best pipeline's forest at its searched size (default: as many trees as the budget holds)",
    )


def run(args, out) -> int:
    from .options import finite_positive, positive_int

    finite_positive("--time-budget", args.time_budget, maximum=MAX_TIME_BUDGET_MIN)
    for flag, value in (("--flash-kb", args.flash_kb), ("--ram-kb", args.ram_kb)):
        finite_positive(flag, value, maximum=MAX_MEMORY_KB)
    finite_positive("--max-instructions", args.max_instructions, maximum=MAX_INSTRUCTIONS)
    for flag, value in (("--trials", args.trials), ("--batch", args.batch), ("--workers", args.workers)):
        positive_int(flag, value)
    most = max(64, 4 * (os.cpu_count() or 1))  # local worker processes: more only thrash the machine
    if args.workers is not None and args.workers > most:
        raise ConfigError(f"--workers must be at most {most} here (local processes), got {args.workers}")
    opts = TuneOptions(
        pipeline=args.pipeline,
        board=args.board,
        trials=args.trials,
        time_budget_min=args.time_budget,
        flash_kb=args.flash_kb,
        ram_kb=args.ram_kb,
        max_instructions=args.max_instructions,
        scheduler=args.scheduler,
        workers=args.workers,
        seed=args.seed,
        resume=args.resume,
        out=args.out,
        batch=args.batch,
        sampler=args.sampler,
        data=args.data,
        measure=not args.no_measure,
        fill=not args.no_fill,
    )
    result = run_tune(opts, note=out.note, progress=not out.as_json)
    if result["best"] is None:
        out.print("no feasible pipeline within the budget")
    else:
        b = result["best"]
        out.print(
            f"best: accuracy {b['accuracy_cv']:.3f} (cv) / {b['accuracy_test']:.3f} (held-out), flash "
            f"{b['flash_bytes'] / 1024:.1f} KB, RAM {b['ram_bytes'] / 1024:.1f} KB, "
            f"{b['instructions_per_inference']:,.0f} instructions ({'measured' if b['measured'] else 'estimate'}): "
            f"{b['pipeline']}"
        )
    out.print(
        f"{result['n_trials']} trials ({result['n_feasible']} feasible) in {result['seconds']:.0f} s; {result['out']}"
    )
    out.set(**result)
    return 0
