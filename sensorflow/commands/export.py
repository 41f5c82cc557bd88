"""sensorflow export ARTIFACT --board NAME --out DIR [--lang c|micropython]: generate code for
a board, check it fits (flash/RAM per stage, estimated and measured), write a project-ready
directory with export_report.json."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from .. import artifact
from ..device import boards
from ..errors import CodegenError, ConfigError
from ..outdir import Staging, check_free
from ..stages.fixed_point import is_fixed


def add_arguments(p):
    p.add_argument("artifact", help="trained artifact directory (from 'sensorflow train')")
    p.add_argument("--board", help="board name (see 'sensorflow boards') or a board .yaml file (not for onnx)")
    p.add_argument("--out", help="output directory (default: build/<pipeline>/<board>-<lang>)")
    p.add_argument("--lang", choices=["c", "micropython", "onnx"], default="c")
    p.add_argument(
        "--prefix",
        help="name of the generated code: C files <prefix>.c/.h and symbols, MicroPython module <prefix>.py "
        "(default: export.prefix of the pipeline, sf_model)",
    )
    p.add_argument("--no-measure", action="store_true", help="skip cross-compiling to measure sizes")
    p.add_argument(
        "--numeric",
        choices=["auto", "float", "int8"],
        default=None,
        help="numeric path: auto = integer where a stage has one on boards without an FPU (board 'fpu: none'), "
        "float elsewhere; float; int8 = every integer path there is (default: the pipeline's export.numeric, auto)",
    )


def _kb(n) -> str:
    if n is None:
        return "-"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def run(args, out) -> int:
    if args.lang == "onnx":
        return _onnx(args, out)
    if not args.board:
        raise ConfigError("--board is required for --lang c and micropython; see 'sensorflow boards'")
    board = boards.get(args.board)
    pipeline, meta = artifact.load(args.artifact)
    out_dir = Path(args.out or Path("build") / pipeline.name / f"{board.name}-{args.lang}")
    check_free(out_dir, [])  # a file given as --out: refused before any work
    with Staging(out_dir) as staging:  # written aside, then moved in: never over a file sensorflow did not write
        status = _export(args, out, pipeline, meta, board, staging.path, out_dir)
        staging.publish()
    return status


def _export(args, out, pipeline, meta, board, staging: Path, out_dir: Path) -> int:
    args.numeric = args.numeric or pipeline.config.export.numeric
    if args.lang == "micropython":
        try:
            mod = import_module("sensorflow.codegen.micropython")
            fn = mod.export
        except (ModuleNotFoundError, AttributeError):
            raise CodegenError("MicroPython export is not available in this installation; use --lang c") from None
        report = fn(pipeline, meta, board, staging, prefix=args.prefix, numeric=args.numeric)
        fixed = [f"{i} {s.name}" for i, s in enumerate(pipeline.stages) if is_fixed(s)]
        why = f"--numeric {args.numeric}, board FPU {board.fpu}"
        parts = [f"integer for stages {', '.join(fixed)} (q15 fixed point)"] if fixed else []
        if not report["numeric"].startswith("float"):
            parts.append(report["numeric"])
        report["numeric"] = (
            f"{'; '.join(parts)}; float for the rest ({why})"
            if parts
            else f"float (MicroPython computes in float; {why})"
        )
        out.set(**report)
        out.print(f"wrote MicroPython for '{pipeline.name}' on {board.name} to {out_dir} (module {report['module']})")
        out.print(f"numeric path: {report['numeric']}")
        return 0
    from ..device.export import export
    from ..progress import progress_bar, step

    with progress_bar(out.progress and not args.no_measure) as bar, step(bar, f"compiling for {board.name} to measure"):
        report = export(
            pipeline, meta, board, staging, prefix=args.prefix, measure=not args.no_measure, numeric=args.numeric
        )
    out.set(**report, out=str(out_dir))
    measured = report["measured"] is not None
    out.print(f"exported '{pipeline.name}' for {board.name} ({board.cpu}, FPU {board.fpu}) to {out_dir}")
    out.print(f"numeric path: {report['numeric']}")
    out.print(
        f"{'part':28s} {'est. flash':>11s} {'meas. flash':>11s} {'est. RAM':>9s} {'RAM':>9s} {'ops/win':>9s}  numeric"
    )
    for r in report["stages"]:
        out.print(
            f"{str(r['index']) + ' ' + r['type']:28s} {_kb(r['estimated_flash_bytes']):>11s} "
            f"{_kb(r.get('measured_flash_bytes')):>11s} {_kb(r['estimated_ram_bytes']):>9s} "
            f"{_kb(r['state_bytes'] + r['scratch_bytes']):>9s} {r['ops']:>9d}  {r['numeric']}"
        )
    parts = report["measured"]["parts"] if measured else {}
    for name in ("API code", "runtime (shared)"):
        if name in parts:
            out.print(f"{name:28s} {'':>11s} {_kb(parts[name]['flash']):>11s}")
    for name, nb in report["ram_layout"].items():
        out.print(f"{name:28s} {'':>11s} {'':>11s} {'':>9s} {_kb(nb):>9s}")
    src = report["source"]
    out.print(
        f"total ({src}): flash {_kb(report['flash_bytes'])} of {_kb(board.flash_bytes)}, "
        f"RAM {_kb(report['ram_bytes'])} of {_kb(board.ram_bytes)} (state struct {report['state_bytes']} B, "
        f"stack not included)"
    )
    if report.get("note"):
        out.print(f"note: {report['note']}")
    out.print(f"files: {', '.join(report['files'])}")
    cmake = f"cmake -S {out_dir} -B build"
    if "toolchain.cmake" in report["files"]:
        cmake += f" -DCMAKE_TOOLCHAIN_FILE={Path(out_dir) / 'toolchain.cmake'}"
    out.print(f"build: make -C {out_dir}  (lib{report['prefix']}.a), or {cmake}")
    return 0


def _onnx(args, out) -> int:
    """The model (and the scalers before it) as an ONNX graph (``sensorflow.interop.onnx_export``)."""
    from ..interop.onnx_export import export as onnx_export

    pipeline, _ = artifact.load(args.artifact)
    report = onnx_export(pipeline, Path(args.out or Path("build") / pipeline.name / "onnx"))
    out.set(**report)
    out.print(f"wrote {report['file']} ({report['bytes']} B): stages {', '.join(report['inside'])}")
    if report["note"]:
        out.print(f"note: {report['note']}")
    return 0
