"""The report already in ``DIR/benchmarks.json``, so that ``sensorflow bench --only NAME... --out DIR``
replaces those sections and keeps every other one as it was measured, with its own date.

``benchmarks.md`` is rendered from the JSON each time: hand edits to the Markdown are not kept.
The JSON's ``meta.runs`` lists the runs whose sections the file still holds (date, command,
environment, sections); a file written before runs were recorded counts as one run, its ``meta``."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ConfigError
from .report import Section, section_from_json

RUN_KEYS = ("date", "command", "quick", "python", "machine", "packages", "tools")


def load(out_dir: Path) -> tuple[list[Section], list[dict]]:
    """(sections, runs) of the report in ``out_dir``; nothing when there is none yet."""
    js, md = out_dir / "benchmarks.json", out_dir / "benchmarks.md"
    if not js.exists():
        if md.exists():
            raise ConfigError(
                f"{md} has no benchmarks.json beside it, and --only keeps the other sections from that "
                "JSON: restore it, or write to another --out",
                key=("--out",),
            )
        return [], []
    try:
        data = json.loads(js.read_text())
        meta = data["meta"]
        sections = [
            section_from_json(d, meta.get("date", ""), bool(meta.get("quick", False))) for d in data["sections"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"cannot read the sections to keep from {js} ({type(exc).__name__}: {exc}); "
            "restore the file, or run every section (no --only), or write to another --out",
            key=("--out",),
        ) from None
    runs = meta.get("runs") or [{k: meta.get(k) for k in RUN_KEYS} | {"command": "sensorflow bench"}]
    return sections, runs


def merge(old: list[Section], new: list[Section], order: list[str], note=lambda s: None) -> list[Section]:
    """The new sections in place of the old ones of the same name, the rest kept, in ``order``
    (the bench's section order); old sections the bench no longer has are dropped, with a note."""
    by_name = {s.name: s for s in old} | {s.name: s for s in new}
    for n in by_name:
        if n not in order:
            note(f"bench: dropped stored section '{n}': the bench has no such section any more")
    return [by_name[n] for n in order if n in by_name]


def runs_in_use(runs: list[dict], sections: list[Section]) -> list[dict]:
    """The runs that measured at least one of ``sections``, each listing its sections; a later run
    with the same date replaces an earlier one."""
    by_date = {r["date"]: r for r in runs}
    out = []
    for date, run in by_date.items():
        names = [s.name for s in sections if s.measured_on == date]
        if names:
            out.append({**run, "sections": names})
    return out
