"""Run the benchmark sections and write ``benchmarks.md`` + ``benchmarks.json``.

A section whose modules, tools or artifacts are missing reports "not available: <why>" in
its place; nothing is ever filled in with numbers that were not measured in this run."""

from __future__ import annotations

import datetime
import importlib
import platform
import shutil
import subprocess
import time
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..errors import ConfigError
from . import stored
from .report import Section, not_available, render_json, render_markdown

# name -> (module, title); each module has run(quick: bool) -> Section
SECTIONS: dict[str, tuple[str, str]] = {
    "host_dsp": ("sensorflow.bench.host_dsp_section", "Host MFCC and log-mel throughput"),
    "trees": ("sensorflow.bench.trees", "Tree ensembles on the emulated Cortex-M4F"),
    "dsp_kernels": ("sensorflow.bench.kernels_section", "DSP kernels on the emulated Cortex-M4F"),
    "int8_kernels": ("sensorflow.bench.int8_kernels_section", "int8 network kernels on the emulated Cortex-M4F"),
    "pipelines": ("sensorflow.bench.pipelines_section", "Whole pipelines on emulated boards"),
    "integer_pipelines": ("sensorflow.bench.integer_pipelines_section", "Integer path on emulated boards (issue 27)"),
    "host_pipelines": ("sensorflow.bench.host_pipelines_section", "Host training and streaming throughput"),
    "tuning": ("sensorflow.bench.tuning_section", "Pipeline search (sensorflow tune) against MiniRocket"),
    "goals": ("sensorflow.bench.goals_section", "Goal datasets beside MiniRocket and catch22 + random forest"),
    "hil_soak": ("sensorflow.bench.hil_soak_section", "HIL soak under fault injection on emulated boards"),
    "hil_throughput": ("sensorflow.bench.hil_throughput_section", "HIL throughput on emulated boards"),
}
PEER_PACKAGES = (
    "emlearn",
    "m2cgen",
    "librosa",
    "python_speech_features",
    "cmsisdsp",
    "scikit-learn",
    "numpy",
    "scipy",
    "aeon",
)


def run_section(name: str, quick: bool, note: Callable[[str], None] = lambda s: None) -> Section:
    module, title = SECTIONS[name]
    t0 = time.perf_counter()
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        return not_available(name, title, f"module missing ({exc})")
    note(f"bench: {name} ...")
    try:
        sec = mod.run(quick=quick)
    except Exception as exc:  # a broken section must not hide the others; say why it failed
        last = traceback.extract_tb(exc.__traceback__)[-1]
        sec = not_available(
            name,
            title,
            f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            f" ({Path(last.filename).name}:{last.lineno})",
        )
    sec.seconds = time.perf_counter() - t0
    note(f"bench: {name} done in {sec.seconds:.0f} s" + ("" if sec.available else f" (not available: {sec.reason})"))
    return sec


def environment() -> dict:
    pkgs = {}
    for p in PEER_PACKAGES:
        try:
            pkgs[p] = version(p)
        except PackageNotFoundError:
            pkgs[p] = None
    tools = {}
    for t in ("arm-none-eabi-gcc", "riscv64-unknown-elf-gcc", "qemu-system-arm", "qemu-system-riscv32"):
        if shutil.which(t):
            out = subprocess.run([t, "--version"], capture_output=True, text=True).stdout.splitlines()
            tools[t] = out[0] if out else "?"
        else:
            tools[t] = None
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()}",
        "packages": pkgs,
        "tools": tools,
    }


def run(
    names: list[str] | None = None,
    quick: bool = False,
    out_dir: Path | None = None,
    note: Callable[[str], None] = lambda s: None,
) -> tuple[list[Section], dict]:
    """Run ``names`` (default all) and write ``out_dir``'s report after each section, so a run stopped
    part-way keeps what it measured. The sections of an existing ``out_dir/benchmarks.json`` not run
    (yet) are kept as they were, each with its date; a run of every section ends with them all new."""
    partial = bool(names) and set(names) != set(SECTIONS)
    names = names or list(SECTIONS)
    if out_dir is not None and partial:
        stored.load(out_dir)  # refuse an unreadable report now, not after an hour of measuring
    env = environment()
    command = "sensorflow bench" + (" --quick" if quick else "") + (" --only " + " ".join(names) if partial else "")
    this_run = {"date": env["date"], "command": command, "quick": quick} | {k: env[k] for k in stored.RUN_KEYS[3:]}
    sections: list[Section] = []
    meta = {"quick": quick, "sections": list(names), **env, "runs": [this_run]}
    for name in names:
        sec = run_section(name, quick, note)
        sec.measured_on, sec.quick = env["date"], quick
        sections.append(sec)
        if out_dir is not None:
            last = len(sections) == len(names)
            meta = write(out_dir, sections, this_run, env, partial, note if last else lambda s: None)
    return sections, meta


def write(out_dir: Path, sections: list[Section], this_run: dict, env: dict, partial: bool, note) -> dict:
    """Write ``sections`` into ``out_dir``'s report, merged with the sections stored there (read again
    now: another run may have written since); returns the JSON's meta. An unreadable stored report
    is refused with --only and replaced by a run of every section."""
    try:
        old_sections, old_runs = stored.load(out_dir)
    except ConfigError:
        if partial:
            raise
        old_sections, old_runs = [], []
    written = stored.merge(old_sections, sections, list(SECTIONS), note)
    runs = stored.runs_in_use([*old_runs, this_run], written)
    meta = {"quick": this_run["quick"], "sections": [s.name for s in written], **env, "runs": runs}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("benchmarks.md", render_markdown(written, header(runs))),
        ("benchmarks.json", render_json(written, meta) + "\n"),
    ):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(text)
        tmp.replace(out_dir / name)  # whole files only, for a reader or a run stopped mid-write
    return meta


def header(runs: list[dict]) -> list[str]:
    """The report's opening: what every figure is, then one line per run that measured its sections."""
    lines = [
        "Generated by `sensorflow bench`: every number below was measured by it, in the run named under "
        "its section's title (a section can be re-run alone with `--only NAME`, keeping the others); ratios "
        "compare rows of the same table. Emulated-board figures are instruction counts from QEMU "
        "`-icount shift=0` (deterministic; instructions are not cycles), host figures are medians of wall time.",
        "",
    ]
    previous = None
    for r in runs:
        peers = ", ".join(f"{k} {v}" for k, v in (r.get("packages") or {}).items() if v)
        tools = "; ".join(f"{k} ({v.split(')')[-1].strip() or v})" for k, v in (r.get("tools") or {}).items() if v)
        same = (peers, tools) == previous
        previous = (peers, tools)
        lines.append(
            f"- {r.get('date')}, `{r.get('command')}` ({r.get('machine')}, Python {r.get('python')}): "
            f"{', '.join(r['sections'])}. "
            + ("Peers and tools as above." if same else f"Peers: {peers or 'none'}. Tools: {tools or 'none'}.")
        )
    return lines
