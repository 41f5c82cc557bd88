"""Host MFCC / log-mel throughput versus librosa and python_speech_features.

The measurement itself is ``sensorflow.bench.host_dsp.run`` (owned by the DSP stages); this
module only places its result in the report. It accepts a :class:`Section`, or plain data
(a list of row dicts, or a dict of name -> row dict / value) which becomes one table."""

from __future__ import annotations

from .report import Section, Table, not_available

TITLE = "Host MFCC and log-mel throughput"


def to_table(title: str, data) -> Table:
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        rows = [{"name": k, **v} for k, v in data.items()]
    elif isinstance(data, dict):
        rows = [{"quantity": k, "value": v} for k, v in data.items()]
    else:
        rows = [dict(r) for r in data]
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    return Table(title, cols, [[r.get(c) for c in cols] for r in rows])


def run(quick: bool = False) -> Section:
    try:
        from . import host_dsp
    except ImportError as exc:
        return not_available(
            "host_dsp", TITLE, f"the host DSP benchmark (sensorflow/bench/host_dsp.py) is missing ({exc})"
        )
    try:
        result = host_dsp.run(seconds=5 if quick else 60, quick=quick)
    except TypeError:
        result = host_dsp.run()
    if isinstance(result, Section):
        result.name = "host_dsp"
        return result
    sec = Section("host_dsp", TITLE)
    if isinstance(result, dict) and "tables" in result:
        for t in result["tables"]:
            sec.tables.append(to_table(t.get("title", ""), t.get("rows", [])))
        sec.notes += list(result.get("notes", []))
        if quick:
            sec.notes.append("Quick run: 5 s of audio instead of 60 s.")
    else:
        sec.tables.append(to_table("", result))
    return sec
