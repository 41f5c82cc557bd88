"""sensorflow bench [--quick] [--only NAME...] [--out DIR]: benchmarks against peer tools,
run side by side in this process or on the same emulated CPU; writes DIR/benchmarks.md and
DIR/benchmarks.json (default build/bench/, or build/bench-quick/ with --quick; `make bench` passes docs/).
Both are written after every section. The sections already in DIR/benchmarks.json that this run
does not (or not yet) measure are kept as they were, each with the date of the run that measured
it, and DIR/benchmarks.md is rendered again from that JSON."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError


def add_arguments(p):
    from ..bench.runner import SECTIONS

    p.add_argument("--quick", action="store_true", help="small versions of each section (smoke run)")
    p.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help=f"run only these sections ({', '.join(SECTIONS)}) and replace them in DIR's report; its other "
        "sections are kept, each with its own measured-on date (benchmarks.md is re-rendered from "
        "benchmarks.json, so hand edits to the .md are lost)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where to write benchmarks.md/.json (default build/bench/, --quick: build/bench-quick/)",
    )


def run(args, out) -> int:
    from ..bench.runner import SECTIONS
    from ..bench.runner import run as run_bench

    names = args.only or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ConfigError(
            f"unknown benchmark section '{unknown[0]}'; choose from {', '.join(SECTIONS)}", key=("--only",)
        )
    out_dir = Path(args.out) if args.out else Path("build/bench-quick" if args.quick else "build/bench")
    sections, meta = run_bench(names, quick=args.quick, out_dir=out_dir, note=out.note)
    for s in sections:
        if not s.available:
            out.print(f"{s.name}: not available: {s.reason}")
            continue
        out.print(f"{s.name}: {len(s.tables)} table(s) in {s.seconds:.0f} s")
        for t in s.targets:
            out.print(
                f"  {t.status:>13}  {t.name}: {t.measured if t.measured is not None else '-'} (limit {t.limit:g})"
            )
    kept = [n for n in meta["sections"] if n not in names]
    out.print(
        f"wrote {out_dir / 'benchmarks.md'} and {out_dir / 'benchmarks.json'}"
        + (f" (kept from the earlier report: {', '.join(kept)})" if kept else "")
    )
    out.set(out_dir=str(out_dir), sections=[s.to_json() for s in sections], meta=meta)
    return 0
