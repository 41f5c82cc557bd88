"""The demo report: ``report.md`` (targets, data, metrics, device figures, steps) and
``report.json`` (the same numbers, machine-readable) beside the PNG figures."""

from __future__ import annotations

import json
from pathlib import Path


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if unit == "%":
            return f"{100 * v:.1f} %"
        if abs(v) >= 1000:
            return f"{v:,.0f}{(' ' + unit) if unit else ''}"
        return f"{v:.3g}{(' ' + unit) if unit else ''}"
    if isinstance(v, int):
        return f"{v:,}{(' ' + unit) if unit else ''}"
    return f"{v}{(' ' + unit) if unit else ''}"


def target(name: str, measured, goal: float, unit: str, higher_is_better: bool, note: str = "") -> dict:
    """One row of the targets table; ``met`` is None when the figure could not be measured."""
    met = None if measured is None else (measured >= goal if higher_is_better else measured <= goal)
    return {"name": name, "measured": measured, "goal": goal, "unit": unit,
            "direction": ">=" if higher_is_better else "<=", "met": met, "note": note}  # fmt: skip


def status_unjudged(t: dict) -> str:
    """A target row without a verdict: nothing measured, or measured where the target does not apply."""
    return "not measured" if t["measured"] is None else "not compared"


def table(rows: list[list], header: list[str]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def write_html(result: dict, out_dir: Path, artifact_dir: Path, export: dict | None, hil: dict | None) -> Path:
    """``report.html`` (sensorflow.report): the same targets beside the pipeline, data, metrics,
    device and HIL pages every trained artifact gets."""
    from ..report import ReportInputs, write_report

    inputs = ReportInputs(
        Path(artifact_dir),
        exports=[export] if isinstance(export, dict) and export.get("stages") else [],
        hil=[hil] if isinstance(hil, dict) else [],
        demo=result,
        title=f"sensorflow demo: {result.get('demo', '')}",
    )
    return write_report(inputs, Path(out_dir) / "report.html")


def write(result: dict, out_dir: Path) -> Path:
    """Write report.md and report.json into ``out_dir``; returns the report.md path."""
    out_dir = Path(out_dir)
    (out_dir / "report.json").write_text(json.dumps(result, indent=1, default=_json_default))
    lines = [f"# sensorflow demo: {result['demo']}", ""]
    if result.get("description"):
        lines += [result["description"], ""]
    lines += [
        f"Pipeline `{result.get('pipeline', '?')}`, board `{result.get('board', '?')}`"
        + (f", model numeric path **{result['numeric']}**" if result.get("numeric") else "")
        + (", **small data (--small)**: numbers are not representative" if result.get("small") else "")
        + ".",
        "",
        "## Targets",
        "",
    ]
    rows = []
    for t in result.get("targets", []):
        status = {True: "met", False: "**not met**", None: status_unjudged(t)}[t["met"]]
        unit = t["unit"]
        rows.append([t["name"], _fmt(t["measured"], unit), f"{t['direction']} {_fmt(float(t['goal']), unit)}",
                     status, t.get("note", "")])  # fmt: skip
    lines += [table(rows, ["figure", "measured", "target", "status", "note"]), ""]
    for section in result.get("sections", []):
        lines += [f"## {section['title']}", ""]
        if section.get("text"):
            lines += [section["text"], ""]
        if section.get("rows"):
            lines += [table(section["rows"], section["header"]), ""]
        for fig in section.get("figures", []):
            lines += [f"![{fig}]({fig})", ""]
    lines += ["## Steps", ""]
    rows = [[s["name"], s["status"], f"{s['seconds']:.1f} s", s.get("detail", "").replace("|", "/")]
            for s in result.get("steps", [])]  # fmt: skip
    lines += [table(rows, ["step", "status", "time", "detail"]), ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines))
    return path


def _json_default(v):
    try:
        import numpy as np

        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(v)
