"""sensorflow report ARTIFACT: one self-contained HTML page (see sensorflow.report)."""

from __future__ import annotations

from pathlib import Path

from ..report import ReportInputs, write_report
from ..report.inputs import read_json


def add_arguments(p):
    p.add_argument("artifact", metavar="ARTIFACT", help="trained artifact directory")
    p.add_argument("--export", action="append", default=[], metavar="DIR",
                   help="an export folder (or its export_report.json) to show per-stage device costs; repeatable")  # fmt: skip
    p.add_argument("--hil", action="append", default=[], metavar="FILE",
                   help="the output of `sensorflow hil ... --json` saved to a file; repeatable")  # fmt: skip
    p.add_argument("--bench", metavar="FILE", help="benchmarks.json from `sensorflow bench`: rows naming this pipeline")
    p.add_argument(
        "--out", metavar="FILE", help="where to write the page (default: <ARTIFACT>-report.html beside the artifact)"
    )


def run(args, out) -> int:
    inputs = ReportInputs(
        artifact_dir=Path(args.artifact),
        exports=[read_json(p, "export report") for p in args.export],
        hil=[read_json(p, "HIL result") for p in args.hil],
        bench=read_json(args.bench, "benchmark result") if args.bench else None,
    )
    art = Path(args.artifact)
    # beside the artifact, not inside: the artifact's content hash covers every file in its folder
    path = write_report(inputs, args.out or art.parent / f"{art.name}-report.html")
    out.set(report=str(path))
    out.print(f"report: {path}")
    return 0
