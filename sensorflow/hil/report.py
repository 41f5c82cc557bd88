"""HIL run reports: a human table, a JSON-able dict and JUnit XML (the schema Jenkins,
GitLab and GitHub test reporters read: testsuites > testsuite > testcase > failure)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .runner import HILRun


def _round(v, digits=3):
    return None if v is None else round(float(v), digits)


def to_dict(run: HILRun) -> dict:
    per = run.per_inference()
    unit = run.counter_unit
    if run.mode == "stream":  # sf_model_push does both; its count is split no further
        per["features"] = per["classify"] = None
    h = run.hello
    latencies = [r.latency_s for r in run.records]
    feature_errors = [r.feature_error for r in run.records if r.feature_error is not None]
    return {
        "board": run.board,
        "port": run.port,
        "mode": run.mode,
        "samples": run.samples,
        "n": run.n,
        "complete": run.complete,
        "agreement": run.agreement,
        "value_rtol": run.value_rtol,
        "passed": run.passed,
        "disagreements": [r.index for r in run.records if not r.agree],
        "out_of_tolerance": [r.index for r in run.records if not r.within_tolerance],
        "max_abs_score_error": max((r.score_error for r in run.records), default=None),
        "max_abs_feature_error": max(feature_errors, default=None),
        "counter_unit": unit,
        "instructions_per_inference": _round(per["total"], 1) if unit == "instructions" else None,
        "instructions_features": _round(per["features"], 1) if unit == "instructions" else None,
        "instructions_classify": _round(per["classify"], 1) if unit == "instructions" else None,
        "cycles_per_inference": _round(per["total"], 1) if unit == "cycles" else None,
        "device_ns_per_inference": _round(per["total"], 1) if unit == "ns" else None,
        "latency_ms_median": _round(1e3 * float(np.median(latencies))) if latencies else None,
        "ping_ms": _round(1e3 * run.ping_seconds) if run.ping_seconds is not None else None,
        "boot_ms": _round(1e3 * run.boot_seconds) if run.boot_seconds is not None else None,
        "stack_high_water_bytes": max((r.stack_used for r in run.records), default=h.stack_used)
        if h.stack_size
        else None,
        "stack_size_bytes": h.stack_size or None,
        "state_bytes": h.state_bytes,
        "ram_bytes": h.ram_bytes,
        "flash_bytes": h.flash_bytes,
        "pipeline_hash": h.pipeline_hash,
        "firmware": h.firmware,
        "resets": run.resets,
        "retries": run.retries,
        "bad_frames": run.bad_frames,
    }


STREAM_ENTRY = {"float32": "float32 samples (sf_model_push)", "int16": "int16 counts (sf_model_push_i16)"}
MICROPYTHON_STREAM_ENTRY = {"float32": "float32 samples (Pipeline.push)", "int16": "int16 counts (Pipeline.push_i16)"}


def _stream_entry(d: dict) -> str:
    """What a stream run pushed through: the C entry, or the MicroPython module's method."""
    entries = MICROPYTHON_STREAM_ENTRY if d.get("lang") == "micropython" else STREAM_ENTRY
    return entries[d["samples"]]


def format_table(d: dict) -> str:
    def fmt(v, unit=""):
        if v is None:
            return "n/a"
        if isinstance(v, float):
            return f"{v:,.6g}{unit}"
        return f"{v:,}{unit}" if isinstance(v, int) else f"{v}{unit}"

    unit = d["counter_unit"]
    if unit == "instructions":
        counts = [
            ("instructions / inference", fmt(d["instructions_per_inference"])),
            ("  features", fmt(d["instructions_features"])),
            ("  classify", fmt(d["instructions_classify"])),
        ]
    elif unit == "ns":
        counts = [("device time / inference", fmt(d["device_ns_per_inference"], " ns"))]
        per_s = d.get("device_us_per_second_of_audio")  # MicroPython stream mode: can it keep up?
        if per_s is not None:
            counts.append(
                ("device time / s of audio", fmt(per_s / 1e3, " ms") + f" ({per_s / 1e4:.3g} % of real time)")
            )
    else:
        counts = [("cycles / inference", fmt(d["cycles_per_inference"]))]
    stack = (
        "n/a" if d["stack_size_bytes"] is None else f"{d['stack_high_water_bytes']:,} of {d['stack_size_bytes']:,} B"
    )
    rows = [
        ("board", f"{d['board']} on {d['port']}"),
        ("windows", fmt(d["n"]) + ("" if d.get("complete", True) else " (stopped: the port closed)")),
        *([("streamed as", _stream_entry(d))] if d.get("samples") else []),
        (
            "label agreement" if d.get("value_rtol") is None else f"values within rtol {d['value_rtol']:g}",
            f"{100 * d['agreement']:.2f} %"
            + ("" if not d["disagreements"] else f" (differs at {d['disagreements'][:10]})"),
        ),
        ("max |score error|", fmt(d["max_abs_score_error"])),
        ("max |feature error|", fmt(d["max_abs_feature_error"])),
        ("within tolerance", "all" if not d["out_of_tolerance"] else f"not at {d['out_of_tolerance'][:10]}"),
        *counts,
        ("latency (median)", fmt(d["latency_ms_median"], " ms")),
        ("ping round trip", fmt(d["ping_ms"], " ms")),
        ("stack high-water", stack),
        ("pipeline state", fmt(d["state_bytes"], " B")),
        ("static RAM", fmt(d["ram_bytes"], " B")),
        ("flash", fmt(d["flash_bytes"], " B")),
        ("resets / retries", f"{d['resets']} / {d['retries']}"),
        ("result", "PASS" if d["passed"] else "FAIL"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def write_junit(runs: list[HILRun], path: str | Path, suite: str = "sensorflow-hil") -> Path:
    """One test case per window; a disagreement or an out-of-tolerance answer is a failure."""
    root = ET.Element("testsuites")
    for run in runs:
        d = to_dict(run)
        failures = sum(1 for r in run.records if not (r.agree and r.within_tolerance))
        ts = ET.SubElement(
            root,
            "testsuite",
            name=f"{suite}.{run.board}",
            tests=str(run.n),
            failures=str(failures),
            errors="0",
            time=f"{sum(r.latency_s for r in run.records):.3f}",
        )
        props = ET.SubElement(ts, "properties")
        for key in (
            "port",
            "agreement",
            "instructions_per_inference",
            "max_abs_score_error",
            "stack_high_water_bytes",
            "ram_bytes",
            "flash_bytes",
            "pipeline_hash",
        ):
            ET.SubElement(props, "property", name=key, value=str(d[key]))
        for r in run.records:
            tc = ET.SubElement(
                ts,
                "testcase",
                classname=f"{suite}.{run.board}",
                name=f"window_{r.index:05d}",
                time=f"{r.latency_s:.6f}",
            )
            if not r.agree:
                ET.SubElement(tc, "failure", message=f"label {r.board_label} on the board, {r.host_label} on the host")
            elif not r.within_tolerance:
                ET.SubElement(
                    tc,
                    "failure",
                    message=f"scores/features outside tolerance (max |score error| "
                    f"{r.score_error:.3g}, max |feature error| {r.feature_error})",
                )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
