"""``sensorflow export --lang c``: generate the pipeline library for a board, check it against
the board's flash/RAM budget (estimated by each stage's ``cost()``, measured from the
cross-compiled objects when the board's toolchain is installed), and write a project-ready
directory: sources, Makefile, CMakeLists.txt (also an ESP-IDF component), idf_component.yml,
an Arduino library zip and ``export_report.json``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..codegen.c.library import GeneratedC, generate
from ..codegen.c.packaging import package
from ..codegen.numeric import plan as numeric_plan
from ..codegen.numeric import summary as numeric_summary
from ..cost import Cost
from ..errors import BudgetExceededError, CodegenError, ToolMissingError
from ..stages.fixed_point import is_fixed
from ..stages.models.int8_conv import int8_cost

REPORT = "export_report.json"
# Flash of the API functions, streaming and buffers in <prefix>.c (measured: 0.8-1.6 KB on
# Cortex-M4F / rv32imc at -O2 for the pipelines in tests/codegen, then + 152 B (M4F) and
# + 226 B (rv32imc) on the gesture export for the NaN/Inf input checks, then + 252 B (M4F) for
# the check unrolled by four and push's run-wise check and copy); used when not measured.
GLUE_FLASH_ESTIMATE = 1984


def stage_estimates(gen: GeneratedC, board) -> list[dict]:
    rows = []
    for es in gen.stages:
        try:
            c = es.ctx.stage.cost(board)
        except NotImplementedError:
            c = None
        if not isinstance(c, Cost):
            raise CodegenError(f"stage {es.ctx.index} '{es.ctx.stage.name}' has no cost model; cannot check the budget")
        if es.ctx.integer:  # the int8 models' path: int8 tables and buffers (others: unchanged)
            c = int8_cost(es.ctx.stage, c)
        rows.append(
            {
                "index": es.ctx.index,
                "type": es.ctx.stage.name,
                "role": es.ctx.role,
                "estimated_flash_bytes": int(c.flash_bytes),
                "estimated_ram_bytes": int(c.ram_bytes),
                "ops": int(c.ops),
                "state_bytes": es.fragment.state_bytes(),
                "scratch_bytes": es.fragment.scratch_bytes(),
            }
        )
    return rows


def check_budget(
    board,
    what: str,
    need: int,
    have: int,
    contributors: list[tuple[str, int]],
    source: str,
    pipeline_name: str,
    numeric: str = "",
) -> None:
    if need <= have:
        return
    top = sorted(contributors, key=lambda kv: -kv[1])[:3]
    biggest = ", ".join(f"{name} {_kb(size)}" for name, size in top if size > 0)
    raise BudgetExceededError(
        f"pipeline '{pipeline_name}' needs {_kb(need)} of {what} ({source}) but board '{board.name}' has "
        f"{_kb(have)}; biggest: {biggest}; shrink those stages or pick a larger board"
        + (f" (numeric path: {numeric})" if numeric else "")
    )


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def export(
    pipeline,
    meta: dict,
    board,
    out_dir,
    *,
    prefix: str | None = None,
    measure: bool = True,
    numeric: str = "auto",
) -> dict:
    """Generate, check and write; returns the export report (also written as JSON).
    ``numeric``: auto | float | int8, the path stages take (``sensorflow.codegen.numeric``)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CodegenError(f"{out}: exists and is not a directory; pick another --out")
    gen = generate(pipeline, meta=meta, board=board, prefix=prefix, numeric=numeric)
    rows = stage_estimates(gen, board)
    fixed = {es.ctx.index for es in gen.stages if is_fixed(es.ctx.stage)}
    paths = numeric_plan(
        [(r["index"], r["type"], es.ctx.stage) for r, es in zip(rows, gen.stages)], numeric, board.fpu, fixed
    )
    for r, p in zip(rows, paths):
        r["numeric"] = p.label
    path_line = numeric_summary(paths, numeric, board.fpu)
    est_flash = sum(r["estimated_flash_bytes"] for r in rows) + GLUE_FLASH_ESTIMATE
    est_ram = sum(r["estimated_ram_bytes"] for r in rows) + gen.glue_state_bytes
    names = {r["index"]: f"stage {r['index']} {r['type']}" for r in rows}

    measured = None
    note = None
    if measure:
        from .footprint import measure_generated

        with tempfile.TemporaryDirectory(prefix="sf-export-") as tmp:
            src = Path(tmp) / "src"
            gen.write(src)
            try:
                measured = measure_generated(gen, src, board, Path(tmp) / "obj")
            except ToolMissingError as exc:
                note = str(exc)
    if measured is not None:
        parts = measured["parts"]
        for r in rows:
            p = parts.get(names[r["index"]])
            r["measured_flash_bytes"] = p.flash if p else 0
            r["measured_ram_bytes"] = p.ram if p else 0
            r["ram_bytes"] = gen.info["stage_ram"][r["index"]]  # state + scratch as laid out
        flash, ram, source = measured["total"].flash, measured["total"].ram, "measured"
        flash_parts = [(k, v.flash) for k, v in parts.items()]
        ram_parts = [(k, v.ram) for k, v in parts.items()]
    else:
        flash, ram, source = est_flash, est_ram, "estimated"
        flash_parts = [(names[r["index"]], r["estimated_flash_bytes"]) for r in rows]
        flash_parts.append(("API code", GLUE_FLASH_ESTIMATE))
        ram_parts = [(names[r["index"]], r["estimated_ram_bytes"]) for r in rows]
        ram_parts += list(gen.info["ram_layout"].items())
    check_budget(board, "flash", flash, board.flash_bytes, flash_parts, source, pipeline.name, path_line)
    check_budget(board, "RAM", ram, board.ram_bytes, ram_parts, source, pipeline.name, path_line)

    _remove_previous(out)
    written = gen.write(out)
    written += package(gen, out, board, pipeline)
    report = {
        "board": board.name,
        "lang": "c",
        "pipeline": pipeline.name,
        "prefix": gen.prefix,
        "pipeline_hash": gen.info["pipeline_hash"],
        "flash_bytes": int(flash),
        "ram_bytes": int(ram),
        "source": source,
        "state_bytes": gen.state_bytes,
        "ram_layout": gen.info["ram_layout"],
        "budget": {"flash_bytes": board.flash_bytes, "ram_bytes": board.ram_bytes},
        "numeric": path_line,
        "numeric_requested": numeric,
        "fpu": board.fpu,
        "n_features": gen.n_features,
        "n_classes": gen.n_classes,
        "window_length": gen.info["window_length"],
        "hop": gen.info["hop"],
        "n_channels": gen.info["n_channels"],
        "stages": rows,
        "estimated": {
            "flash_bytes": est_flash,
            "ram_bytes": est_ram,
            "glue_flash_bytes": GLUE_FLASH_ESTIMATE,
            "glue_ram_bytes": gen.glue_state_bytes,
        },
        "measured": None
        if measured is None
        else {
            "flash_bytes": measured["total"].flash,
            "ram_bytes": measured["total"].ram,
            "sections": measured["total"].to_dict(),
            "compiler": Path(measured["compiler"]).name,
            "parts": {k: v.to_dict() for k, v in measured["parts"].items()},
            "objects": measured["objects"],
            "note": "object files at -O2 with -ffunction-sections; RAM excludes the stack",
        },
        "note": note,
        "runtime": gen.runtime,
    }
    files = sorted(str(p.relative_to(out)) for p in written) + [REPORT]
    report["files"] = files
    (out / REPORT).write_text(json.dumps(report, indent=1) + "\n")
    return report


def _remove_previous(out: Path) -> None:
    """Delete the files a previous export wrote here (and only those)."""
    rep = out / REPORT
    if not rep.exists():
        return
    try:
        old = json.loads(rep.read_text()).get("files", [])
    except (json.JSONDecodeError, UnicodeDecodeError):
        return
    for name in old:
        p = (out / name).resolve()
        if out.resolve() in p.parents and p.is_file():
            p.unlink()
