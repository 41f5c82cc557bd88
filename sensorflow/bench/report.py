"""Benchmark results: sections of tables and target lines, rendered to Markdown and JSON."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any


def scrub(text: str) -> str:
    """Remove this machine's paths from text that goes into the committed report:
    the package's checkout, the working directory, temporary directories, the environment, ptys."""
    repo = str(Path(__file__).resolve().parents[2])
    for root, name in ((repo, ""), (os.getcwd(), ""), (sys.prefix, "<env>/"), (os.path.expanduser("~"), "~/")):
        if root and root != "/":
            text = text.replace(root.rstrip("/") + "/", name).replace(root, name or ".")
    tmp = re.escape(tempfile.gettempdir().rstrip("/"))
    text = re.sub(r"/dev/pts/\d+", "<pty>", text)  # an emulated board's serial line, named in HIL errors
    return re.sub(tmp + r"/[^/\s:]+", "<tmp>", text)


@dataclasses.dataclass
class Table:
    """One table: column titles, rows of plain values (None renders as a dash), notes under it."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Target:
    """A pass/short line: ``measured`` against ``limit`` (``<=`` unless ``at_least``)."""

    name: str
    measured: float | None
    limit: float
    unit: str = ""
    at_least: bool = False
    peers: str = ""
    reason: str = ""

    @property
    def status(self) -> str:
        if self.measured is None or (isinstance(self.measured, float) and math.isnan(self.measured)):
            return "not available"
        ok = self.measured >= self.limit if self.at_least else self.measured <= self.limit
        return "pass" if ok else "short"


@dataclasses.dataclass
class Section:
    """One benchmark section; ``available`` False means nothing was measured, with ``reason``.
    ``measured_on`` is the date of the run that measured it (a key of the JSON's ``meta.runs``)."""

    name: str
    title: str
    available: bool = True
    reason: str = ""
    tables: list[Table] = dataclasses.field(default_factory=list)
    targets: list[Target] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    measured_on: str = ""
    quick: bool = False

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "available": self.available,
            "reason": self.reason,
            "seconds": round(self.seconds, 1),
            "measured_on": self.measured_on,
            "quick": self.quick,
            "notes": self.notes,
            "tables": [
                {
                    "title": t.title,
                    "columns": t.columns,
                    "rows": [[_plain(v) for v in r] for r in t.rows],
                    "notes": t.notes,
                }
                for t in self.tables
            ],
            "targets": [
                {
                    "name": t.name,
                    "measured": _plain(t.measured),
                    "limit": t.limit,
                    "unit": t.unit,
                    "at_least": t.at_least,
                    "status": t.status,
                    "peers": t.peers,
                    "reason": t.reason,
                }
                for t in self.targets
            ],
        }


def section_from_json(d: dict, measured_on: str = "", quick: bool = False) -> Section:
    """The Section ``Section.to_json`` wrote (``measured_on`` and ``quick``, the file's run, fill in
    for files written before sections carried their own)."""
    return Section(
        name=d["name"],
        title=d["title"],
        available=d["available"],
        reason=d.get("reason", ""),
        tables=[Table(t["title"], t["columns"], t["rows"], t.get("notes", [])) for t in d.get("tables", [])],
        targets=[
            Target(
                t["name"],
                t["measured"],
                t["limit"],
                t.get("unit", ""),
                t.get("at_least", False),
                t.get("peers", ""),
                t.get("reason", ""),
            )
            for t in d.get("targets", [])
        ],
        notes=d.get("notes", []),
        seconds=d.get("seconds", 0.0),
        measured_on=d.get("measured_on") or measured_on,
        quick=d.get("quick", quick),
    )


def not_available(name: str, title: str, why: str) -> Section:
    return Section(name=name, title=title, available=False, reason=why)


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(v: Any) -> str:
    if isinstance(v, str):
        return scrub(v).replace("|", "\\|")
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        a = abs(v)
        if a == 0:
            return "0"
        if a >= 1000:
            return f"{v:,.0f}"
        if a >= 10:
            return f"{v:.1f}"
        if a >= 0.01:
            return f"{v:.3g}" if a < 1 else f"{v:.2f}"
        return f"{v:.2e}"
    return str(v).replace("|", "\\|")


def render_markdown(sections: list[Section], header: list[str]) -> str:
    lines = ["# sensorflow benchmarks", "", *header, ""]
    targets = [(s, t) for s in sections for t in s.targets]
    if targets:
        lines += [
            "## Targets",
            "",
            "| target | measured | limit | status | peers, same run | section |",
            "|---|---|---|---|---|---|",
        ]
        for section, t in targets:
            meas = fmt(t.measured) + (f" {t.unit}" if t.measured is not None and t.unit else "")
            lim = ("≥ " if t.at_least else "≤ ") + fmt(t.limit) + (f" {t.unit}" if t.unit else "")
            status = t.status + (f" ({t.reason})" if t.reason and t.status == "not available" else "")
            peers = fmt(t.peers) if t.peers else ""
            lines.append(f"| {fmt(t.name)} | {meas} | {lim} | **{status}** | {peers} | {section.name} |")
        lines.append("")
    for s in sections:
        lines += [f"## {s.title}", "", stamp(s), ""]
        if not s.available:
            lines += [f"not available: {scrub(s.reason)}", ""]
            continue
        for n in s.notes:
            lines.append(scrub(n))
        if s.notes:
            lines.append("")
        for t in s.tables:
            if t.title:
                lines += [f"### {scrub(t.title)}", ""]
            lines.append("| " + " | ".join(fmt(c) for c in t.columns) + " |")
            lines.append("|" + "---|" * len(t.columns))
            for r in t.rows:
                lines.append("| " + " | ".join(fmt(v) for v in r) + " |")
            lines.append("")
            for n in t.notes:
                lines.append(f"- {scrub(n)}")
            if t.notes:
                lines.append("")
    return "\n".join(lines)


def stamp(s: Section) -> str:
    """The line under a section's title: the run that measured it (listed at the top), how long it took."""
    when = s.measured_on or "on an unknown date"
    return f"_section `{s.name}`: measured {when}{' (--quick)' if s.quick else ''} in {s.seconds:.0f} s_"


def render_json(sections: list[Section], meta: dict) -> str:
    return scrub(json.dumps({"meta": meta, "sections": [s.to_json() for s in sections]}, indent=1))


def _plain(v: Any) -> Any:
    try:
        import numpy as np

        if isinstance(v, np.generic):
            return v.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(v, float) and math.isnan(v):
        return None
    return v
