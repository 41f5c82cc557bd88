"""sensorflow demo NAME: run a demo app end to end (data, train, evaluate, export C, HIL on
an emulated board) and write build/demo/NAME/report.md with its figures."""

from __future__ import annotations

from pathlib import Path


def add_arguments(p):
    from ..demo import DEMOS

    p.add_argument("name", metavar="NAME", help=f"demo to run: {', '.join(DEMOS)}")
    p.add_argument("--out", type=Path, default=None, help="output directory (default build/demo/NAME)")
    p.add_argument(
        "--board",
        default="qemu-mps2-an386",
        help="board for export and HIL: qemu-mps2-an386 (default), qemu-riscv32 or host",
    )
    p.add_argument(
        "--small", action="store_true", help="shrunken data: a quick end-to-end check, not representative numbers"
    )
    p.add_argument("--pipeline", type=Path, default=None, help="use this pipeline YAML instead of pipelines/NAME.yaml")
    p.add_argument(
        "--numeric",
        choices=("auto", "float", "int8"),
        default="auto",
        help="the model's numeric path, as export --numeric: auto (default) = int8 on boards without an FPU, "
        "float elsewhere; the evaluation scores with what the board runs",
    )
    p.add_argument("--hil-windows", type=int, default=12, help="held-out windows sent to the board (default 12)")


def run(args, out) -> int:
    from ..demo import DEMOS, DemoOptions
    from ..demo import run as run_demo
    from ..demo.report import status_unjudged
    from ..errors import ConfigError

    if args.name not in DEMOS:
        raise ConfigError(f"unknown demo '{args.name}'; choose one of: {', '.join(DEMOS)}")
    if args.hil_windows < 1:
        raise ConfigError("--hil-windows must be at least 1")
    _check_board(args.board)
    if args.pipeline is not None and not args.pipeline.is_file():
        raise ConfigError(f"--pipeline {args.pipeline}: no such file; check the path")
    result = run_demo(
        DemoOptions(
            args.name,
            args.out,
            args.board,
            args.small,
            args.pipeline,
            args.hil_windows,
            log=out.note,
            numeric=args.numeric,
        )
    )
    out.set(
        **{
            k: result[k]
            for k in ("demo", "ok", "report", "html_report", "seconds", "steps", "targets", "device")
            if k in result
        }
    )
    out.set(metrics=_summary(result))
    out.print()
    for t in result["targets"]:
        status = {True: "met", False: "NOT met", None: status_unjudged(t)}[t["met"]]
        why = f": {t['note']}" if t["met"] is None and t["measured"] is not None and t.get("note") else ""
        out.print(f"  {t['name']}: {_fmt(t['measured'], t['unit'])} (target {t['direction']} "
                  f"{_fmt(t['goal'], t['unit'])}) {status}{why}")  # fmt: skip
    bad = [s for s in result["steps"] if s["status"] != "ok"]
    for s in bad:
        out.print(f"  step {s['name']}: {s['status']}: {s['detail']}")
    out.print(f"report: {result['report']}" + (f" and {result['html_report']}" if result.get("html_report") else ""))
    return 0 if result["ok"] else 1


def _check_board(name: str) -> None:
    """Refuse, before any training, a board the demo cannot run HIL on (known to ``sensorflow
    boards`` but without a HIL firmware port, or unknown)."""
    from ..device import boards, firmware
    from ..errors import ConfigError

    ported = firmware.ported_boards()
    if name not in ported:
        boards.get(name)  # an unknown name: its own error, with a near-miss hint
        raise ConfigError(
            f"--board {name}: the demo runs HIL on a board it can start itself; choose one of: "
            f"{', '.join(sorted(ported))} (for a real board: sensorflow export, then sensorflow hil --port)"
        )


def _summary(result: dict) -> dict:
    m = result.get("metrics", {})
    s = {}
    if "heldout" in m and m["heldout"].get("task") == "regression":
        s.update({f"heldout_{k}": m["heldout"].get(k) for k in ("mae", "rmse", "r2")})
    elif "heldout" in m:
        s["heldout_accuracy"] = m["heldout"].get("accuracy")
    if "stream" in m:
        s["recall"] = m["stream"].get("recall")
        s["false_accepts_per_hour"] = (m["stream"].get("other_audio") or {}).get("false_accepts_per_hour")
        s["false_accepts_per_hour_with_confusables"] = m["stream"].get("false_accepts_per_hour")
    if "anomaly" in m:
        s["anomaly_auc"] = m["anomaly"].get("auc")
    return s


def _fmt(v, unit: str) -> str:
    if v is None:
        return "n/a"
    if unit == "%":
        return f"{100 * v:.1f} %"
    if unit == "B":
        return f"{v:,.0f} B"
    if unit == "/h":
        return f"{v:.2f}/h"
    return f"{v:,.3g}" if v < 1000 else f"{v:,.0f}"
