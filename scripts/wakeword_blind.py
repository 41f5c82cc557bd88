"""Score trained wake-word demo artifacts on the recipe's blind streams
(``sensorflow.datasets.recipes.wakeword_blind``: voices in none of train, dev or test), exactly
as the demo scores its test streams (``demo.detector.evaluate``: ``streaming.score_all`` then
``streaming.evaluate`` with the artifact's own post stages, so its dev-chosen threshold; recall,
false accepts per hour of other speech and noise and of all non-wake audio, near-homophones,
per SNR, per voice). Read the numbers once: nothing here may be tuned on them.

Usage: python scripts/wakeword_blind.py ARTIFACT_DIR[=float,int8] [...] --out FILE.json
ARTIFACT_DIR: an artifact, or a folder holding one as ``artifact/`` (scripts/wakeword_dev_only.py).
``=float`` (the default) scores with the float net, ``=int8`` with the int8 reference the demo's
``--numeric int8`` scores its test streams with (``demo.runner.model_path(pipe,
"qemu-mps2-an386", "int8")``), ``=float,int8`` with both.
(SENSORFLOW_CACHE: the folder for the blind streams' cache, ``wakeword-blind-*``.)"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from sensorflow import artifact
from sensorflow.datasets import Stream
from sensorflow.datasets.recipes import wakeword, wakeword_blind
from sensorflow.demo import detector, streaming
from sensorflow.demo.runner import model_path
from sensorflow.errors import SensorflowError

BOARD = "qemu-mps2-an386"


def parse_args(argv: list[str]) -> tuple[list[tuple[Path, list[str]]], Path]:
    if "--out" not in argv or argv.index("--out") + 1 >= len(argv):
        sys.exit("usage: wakeword_blind.py ARTIFACT_DIR[=float,int8] [...] --out FILE.json")
    i = argv.index("--out")
    out = Path(argv[i + 1])
    items = []
    for a in argv[:i] + argv[i + 2 :]:
        path, _, how = a.partition("=")
        scorers = how.split(",") if how else ["float"]
        bad = [s for s in scorers if s not in ("float", "int8")]
        if bad:
            sys.exit(f"{a}: scorer '{bad[0]}' unknown; use =float, =int8 or =float,int8")
        d = Path(path)
        items.append((d / "artifact" if (d / "artifact" / "meta.json").is_file() else d, scorers))
    if not items:
        sys.exit("give at least one ARTIFACT_DIR")
    return items, out


def score(pipe, meta: dict, scorer, streams: list, voiced: list) -> dict:
    """The demo's test-stream figures (``detector.evaluate``) of ``scorer``'s scores through ``pipe``'s
    post stages; ``voiced``: the same streams with each wake phrase's whole voice as its source."""
    label = detector.target_class(pipe)
    t0 = time.perf_counter()
    scored = streaming.score_all(scorer, streams)
    ev = streaming.evaluate(pipe, None, label, scored=scored)
    seconds = [s.seconds for s in scored]
    ev["by_condition"] = streaming.by_condition(ev, [st.condition for st in streams], seconds)
    ev["by_source"] = streaming.by_source(ev, streams, label)
    ev["by_voice"] = streaming.by_source(ev, voiced, label)
    ev["curve"] = streaming.sweep(pipe, scored, label, detector.THRESHOLDS)  # the trade-off, to show only
    posts = pipe.post_stages()
    ev["threshold"] = posts[streaming.threshold_stage(posts)].params.threshold
    ev["dev_calibration"] = meta.get("calibration")
    ev["score_seconds"] = round(time.perf_counter() - t0, 1)
    ev.pop("per_stream", None)
    return ev


def main(argv: list[str]) -> None:
    items, out = parse_args(argv)
    results, built = [], {}
    for path, scorers in items:
        try:
            pipe, meta = artifact.load(path)
        except SensorflowError as exc:
            sys.exit(str(exc).splitlines()[0])
        if not meta.get("calibration"):
            sys.exit(
                f"{path}: no dev-chosen threshold in meta.json (calibration); train it with scripts/wakeword_dev_only.py"
            )
        key = json.dumps(pipe.config.dataset.options, sort_keys=True, default=str)
        if key not in built:
            recs, sr = wakeword_blind.load_recordings(pipe.config, log=lambda m: print(m, file=sys.stderr, flush=True))
            streams = wakeword.to_streams(recs, sr, Stream)
            # the same streams with the whole voice (accent + variant) of each wake phrase as its source
            voiced = [
                dataclasses.replace(st, event_sources=[str(v) for v in r["event_speaker"][r["event_kind"] == "wake"]])
                for st, r in zip(streams, recs)
            ]
            built[key] = (streams, voiced)
        streams, voiced = built[key]
        for how in scorers:
            scorer = pipe if how == "float" else model_path(pipe, BOARD, "int8")
            if how == "int8" and scorer is pipe:
                sys.exit(f"{path}: the model has no int8 path on {BOARD}; score it with =float")
            ev = score(pipe, meta, scorer, streams, voiced)
            results.append({"artifact": str(path), "pipeline": pipe.config.name, "scorer": how, **ev})
            print(row(results[-1]), flush=True)
    streams, voiced = next(iter(built.values()))
    summary = {
        "blind_streams": len(streams),
        "blind_minutes": round(sum(len(s.signal) for s in streams) / float(pipe.config.sensor.sample_rate) / 60, 1),
        "blind_wake_speakers": sorted({v for s in voiced for v in s.event_sources}),
        "results": results,
    }
    out.write_text(json.dumps(summary, indent=1, default=float))
    print_table(results)


def pct(v) -> str:
    return "  n/a" if v is None else f"{100 * v:5.1f} %"


def row(r: dict) -> str:
    o = r["other_audio"]
    return (
        f"{r['pipeline']:<14} {r['scorer']:<5} thr {r['threshold']:<5g} recall {pct(r['recall'])} "
        f"({r['hits']}/{r['n_events']})  FA/h other {o['false_accepts_per_hour']:.2f} ({o['false_accepts']})  "
        f"FA/h all {r['false_accepts_per_hour']:.2f} ({r['false_accepts']})"
    )


def print_table(results: list[dict]) -> None:
    print("\nblind streams at the dev-chosen threshold")
    for r in results:
        print(row(r))
        conds = "  ".join(f"{c['condition']}: {pct(c['recall'])} FA {c['false_accepts']}" for c in r["by_condition"])
        print(f"    per SNR  {conds}")
        srcs = "  ".join(f"{s['source']}: {s['hits']}/{s['n_events']}" for s in r["by_source"])
        print(f"    per accent  {srcs}")
        voices = "  ".join(f"{s['source'].split(':')[1]}: {s['hits']}/{s['n_events']}" for s in r["by_voice"])
        print(f"    per voice  {voices}")
        conf = [v for k, v in r["context_triggered"].items() if k.startswith("confusable")]
        print(
            f"    near-homophone phrases that drew a detection  {sum(v['triggered'] for v in conf)}/"
            f"{sum(v['n'] for v in conf)}; false accepts by context  {r['false_accepts_by_context']}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
