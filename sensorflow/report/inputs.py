"""What a report is made of, read from files the other commands write: the artifact folder,
``export_report.json`` of each export, the ``--json`` output of ``sensorflow hil`` and the
``benchmarks.json`` of ``sensorflow bench``. Every reader refuses a bad file in one line."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import DataError


def read_json(path: str | Path, what: str) -> dict:
    """A JSON object from ``path``; DataError naming the file when it is missing or not an object."""
    p = Path(path)
    if p.is_dir():
        p = p / "export_report.json" if what == "export report" else p
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise DataError(f"{p}: no such file ({what})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{p}: not a readable {what} ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{p}: a {what} must be a JSON object, got {type(data).__name__}")
    return data


def bench_rows(bench: dict, pipeline_name: str) -> list[dict]:
    """Benchmark table rows and targets that name the pipeline (case-insensitive), per section."""
    key = pipeline_name.lower()
    found = []
    for section in bench.get("sections", []) or []:
        if not isinstance(section, dict):
            continue
        for table in section.get("tables", []) or []:
            rows = [r for r in table.get("rows", []) if any(key in str(c).lower() for c in r)]
            if rows:
                found.append({"title": f"{section.get('title', '')}: {table.get('title', '')}",
                              "columns": table.get("columns", []), "rows": rows})  # fmt: skip
        targets = [t for t in section.get("targets", []) or [] if key in str(t.get("name", "")).lower()]
        if targets:
            rows = [[t.get("name"), t.get("measured"), t.get("limit"), t.get("unit", ""), t.get("status")]
                    for t in targets]  # fmt: skip
            found.append({"title": f"{section.get('title', '')}: targets",
                          "columns": ["target", "measured", "limit", "unit", "status"], "rows": rows})  # fmt: skip
    return found
