"""Benchmarks of ``sensorflow tune`` (for ``make bench``; each function returns plain rows):

- :func:`tuning_table`: per UEA set (aeon, predefined split), the tuned pipeline's held-out
  accuracy on a board budget beside aeon's ``MiniRocketClassifier`` fitted and scored in the
  same run, with the search time and the front's measured costs;
- :func:`featurise_memory`: a synthetic dataset featurised by recording chunks on Dask, with the
  peak RSS of every worker (bounded by the chunk, not the dataset);
- :func:`speedups`: 2 workers over 1 for featurisation and for tuning, in one run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

# nominal sample rates: UEA files carry none; the window is the whole case
UEA = {
    "GunPoint": {"channels": ["x"], "length": 150, "sample_rate": 50},
    "JapaneseVowels": {"channels": [f"lpc{i}" for i in range(12)], "length": 29, "sample_rate": 100},
    "ACSF1": {"channels": ["power"], "length": 1460, "sample_rate": 100},
    "BasicMotions": {"channels": ["ax", "ay", "az", "gx", "gy", "gz"], "length": 100, "sample_rate": 10},
}

SYNTHETIC = """\
name: synthetic_imu
sensor: {kind: imu, sample_rate: 50, channels: [ax, ay, az]}
window: {length: 100}
stages:
  - {type: stats, functions: [mean, std, min, max, rms, zero_crossing_rate]}
  - {type: band_energy, n_bands: 4, n_fft: 64, hop_length: 32}
  - {type: random_forest, n_estimators: 5, max_depth: 4}
"""


def uea_pipeline(name: str) -> str:
    """A pipeline YAML without stages (the default search space) for a UEA set shipped in aeon."""
    d = UEA[name]
    chans = ", ".join(d["channels"])
    return (
        f"name: {name.lower()}_tune\nsensor: {{kind: generic, sample_rate: {d['sample_rate']}, channels: [{chans}]}}\n"
        f"window: {{length: {d['length']}}}\ndataset: {{loader: aeon, name: {name}, split: {{by: predefined}}}}\n"
        "train: {cv_folds: 3}\nsearch:\n  window:\n    length: [" + str(d["length"]) + "]\n"
    )


def minirocket_accuracy(name: str, seed: int = 0) -> tuple[float, float]:
    """(held-out accuracy, seconds) of aeon's MiniRocketClassifier on the predefined split."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.datasets import load_classification

    t0 = time.perf_counter()
    Xtr, ytr = load_classification(name, split="train")
    Xte, yte = load_classification(name, split="test")
    if isinstance(Xtr, list):  # unequal length (JapaneseVowels): zero-pad to the longest (the peer needs equal lengths)
        n = max(x.shape[-1] for x in Xtr + Xte)
        Xtr, Xte = ([np.pad(x, ((0, 0), (0, n - x.shape[-1]))) for x in X] for X in (Xtr, Xte))
        Xtr, Xte = np.stack(Xtr), np.stack(Xte)
    clf = MiniRocketClassifier(random_state=seed).fit(Xtr, ytr)
    return float(np.mean(clf.predict(Xte) == yte)), time.perf_counter() - t0


def tuning_table(
    datasets=tuple(UEA),
    board: str = "stm32f411",
    trials: int = 48,
    workers: int = 2,
    flash_kb: float = 64,
    ram_kb: float = 16,
    max_instructions: float = 2e6,
    measure: bool = True,
    seed: int = 0,
    time_budget_min: float | None = 20,
    work: str | Path | None = None,
) -> list[dict]:
    from .runner import TuneOptions, run

    rows = []
    with tempfile.TemporaryDirectory(prefix="sf-tune-bench-") as tmp:
        root = Path(work or tmp)
        root.mkdir(parents=True, exist_ok=True)
        for name in datasets:
            yml = root / f"{name}.yaml"
            yml.write_text(uea_pipeline(name))
            out = root / name
            if out.exists():
                import shutil

                shutil.rmtree(out)
            t0 = time.perf_counter()
            res = run(
                TuneOptions(
                    pipeline=str(yml),
                    board=board,
                    trials=trials,
                    workers=workers,
                    flash_kb=flash_kb,
                    ram_kb=ram_kb,
                    max_instructions=max_instructions,
                    seed=seed,
                    out=str(out),
                    measure=measure,
                    time_budget_min=time_budget_min,
                ),
                note=lambda _: None,
                progress=False,
            )
            seconds = time.perf_counter() - t0
            mr, mr_s = minirocket_accuracy(name, seed)
            b = res["best"] or {}
            rows.append(
                {
                    "dataset": name,
                    "board": board,
                    "trials": res["n_trials"],
                    "feasible": res["n_feasible"],
                    "accuracy_cv": b.get("accuracy_cv"),
                    "accuracy_test": b.get("accuracy_test"),
                    "minirocket_accuracy": mr,
                    "gap_points": None if not b else 100 * (mr - b["accuracy_test"]),
                    "flash_bytes": b.get("flash_bytes"),
                    "ram_bytes": b.get("ram_bytes"),
                    "instructions_per_inference": b.get("instructions_per_inference"),
                    "measured": b.get("measured"),
                    "pipeline": " + ".join(_stage_types(b["pipeline"])) if b else None,
                    "search_seconds": seconds,
                    "tune_seconds": res["search_seconds"],
                    "cluster_start_seconds": res["cluster_start_seconds"],
                    "minirocket_seconds": mr_s,
                    "differs": b.get("differs", []),
                    "filled": b.get("filled"),  # the forest raised to the budget (fill.py), with the searched point
                    "sized": b.get("sized"),  # an over-budget best sized down to fit as measured (runner._fit_best)
                }
            )
    return rows


def board_fronts(dataset: str = "GunPoint", boards=("stm32f411", "esp32-c3"), trials: int = 48) -> list[dict]:
    """The same search (seed, trials, flash/RAM budget and instruction limit) on an M4F board and
    on an FPU-less rv32imc board: each board's best point, measured on its emulated core."""
    rows = []
    for b in boards:
        r = tuning_table((dataset,), board=b, trials=trials)[0]
        rows.append(r)
    return rows


def _stage_types(path) -> list[str]:
    import yaml

    return [s["type"] for s in yaml.safe_load(Path(path).read_text())["stages"]]


def featurise_memory(n_windows: int = 100_000, workers: int = 2, per_chunk: int = 20, scheduler=None) -> dict:
    """Featurise ``n_windows`` synthetic 3-axis windows on Dask; peak RSS per worker at start,
    after one chunk each (imports and one chunk's windows) and after the whole set: when the
    last two agree, worker memory is bounded by the chunk, not by the dataset."""
    from . import cluster
    from .featurise import SyntheticChunks, featurise, workers_peak_rss

    src = SyntheticChunks(n_windows, per_recording=50, per_chunk=per_chunk)
    one = SyntheticChunks(per_chunk * 50 * max(1, workers or 1), per_recording=50, per_chunk=per_chunk, seed=1)
    with cluster.client(scheduler, workers) as (client, where):
        before = workers_peak_rss(client)
        featurise(client, SYNTHETIC, one)  # warm-up: imports and one chunk per worker
        warm = workers_peak_rss(client)
        r = featurise(client, SYNTHETIC, src)
        after = workers_peak_rss(client)
    raw = n_windows * 100 * 3 * 4
    return {
        "n_windows": int(len(r["X"])),
        "n_features": int(r["X"].shape[1]),
        "workers": len(after),
        "scheduler": where,
        "chunks": r["n_chunks"],
        "chunk_windows": per_chunk * 50,
        "seconds": r["seconds"],
        "raw_windows_bytes": raw,
        "worker_peak_rss_bytes": sorted(after.values()),
        "worker_rss_before_bytes": sorted(before.values()),
        "worker_peak_rss_after_one_chunk_bytes": sorted(warm.values()),
    }


# the speed-up workload: catch22 (about 70 ms per 3-axis window in the host reference) is the
# kind of featurisation worth spreading over workers; stats + band energy take microseconds a
# window, so their wall time is Dask's scheduling, not the work
SYNTHETIC_CATCH22 = """\
name: synthetic_imu_catch22
sensor: {kind: imu, sample_rate: 50, channels: [ax, ay, az]}
window: {length: 100}
stages:
  - {type: catch22}
  - {type: random_forest, n_estimators: 5, max_depth: 4}
"""


def featurise_seconds(n_windows: int, workers: int, per_chunk: int = 2) -> float:
    """Wall time of featurising ``n_windows`` synthetic windows with catch22 on ``workers``
    local workers (chunks of ``per_chunk`` recordings of 50 windows), cluster start excluded."""
    from . import cluster
    from .featurise import SyntheticChunks, featurise

    src = SyntheticChunks(n_windows, per_recording=50, per_chunk=per_chunk)
    with cluster.client(None, workers) as (client, _):
        featurise(client, SYNTHETIC_CATCH22, SyntheticChunks(50 * workers, per_recording=50, per_chunk=1, seed=1))
        return featurise(client, SYNTHETIC_CATCH22, src)["seconds"]


def _spin(n: int) -> float:
    t0 = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i % 7
    return time.perf_counter() - t0


def cpu_control(n: int = 20_000_000) -> float:
    """The speed-up two processes get over one on this machine now: the same pure-Python loop
    once alone, then twice at the same time in two processes (2 x alone / together). On an idle
    2-core machine about 2.0; other jobs on the cores lower it, and a measured speed-up of
    workers cannot exceed it."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as ex:
        list(ex.map(_spin, [1000, 1000]))  # both processes started
        alone = ex.submit(_spin, n).result()
        t0 = time.perf_counter()
        list(ex.map(_spin, [n, n]))
        together = time.perf_counter() - t0
    return 2 * alone / together


def _warm_driver() -> None:
    """Import what a search imports in the driver (Optuna, Dask distributed, the tune modules,
    the stages), so neither the 1-worker nor the 2-worker search is timed with them."""
    import distributed  # noqa: F401
    import optuna  # noqa: F401

    from .. import registry
    from . import crossval, objective, runner, space  # noqa: F401

    registry.names()


ORDER = (1, 2, 2, 1)  # the legs of a speed-up: a load that drifts during the run weighs on 1 and 2 alike


def speedups(
    n_windows: int = 2_000, dataset: str = "JapaneseVowels", trials: int = 16, parts=("featurise", "tune")
) -> dict:
    """Wall time on 1 and on 2 local workers, in one run (legs in :data:`ORDER`, the mean of
    each worker count's legs), for featurisation (catch22 on synthetic
    windows, after a warm-up chunk per worker) and for tuning (search time: the trials and the
    tie-break, the workers' first imports and dataset loads included; the cluster's start and
    shutdown excluded, as for featurisation: a fixed cost of a few seconds that a 16-trial search
    would otherwise weigh far above a real one; also given with the start included);
    ``parts`` limits it to one of the two. The load average is recorded, and the CPU control
    (:func:`cpu_control`) before, between and after the legs of each part, with the parallel
    efficiency (:func:`efficiency`): on a shared machine a ratio means little when other jobs
    hold the cores."""
    import os
    import warnings

    _warm_driver()  # else the first timed search pays the driver's imports (~3 s) and the order biases the ratio
    load_before = os.getloadavg()
    legs: dict[str, dict[int, list[float]]] = {}
    starts: dict[int, list[float]] = {1: [], 2: []}
    control, load = {}, {}

    def featurise_leg(w: int) -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return featurise_seconds(n_windows, w)

    def tune_leg(w: int) -> float:
        row = tuning_table((dataset,), trials=trials, workers=w, measure=False, time_budget_min=None)[0]
        starts[w].append(row["tune_seconds"])
        return row["tune_seconds"] - row["cluster_start_seconds"]

    for part, leg in (("featurise", featurise_leg), ("tune", tune_leg)):
        if part not in parts:
            continue
        legs[part], control[part] = {1: [], 2: []}, [cpu_control()]
        for w in ORDER:
            legs[part][w].append(leg(w))
            control[part].append(cpu_control())
        load[part] = os.getloadavg()[0]
    feat = {w: sum(v) / len(v) for w, v in legs.get("featurise", {}).items()}
    tune = {w: sum(v) / len(v) for w, v in legs.get("tune", {}).items()}
    with_start = {w: sum(v) / len(v) for w, v in starts.items() if v}
    feat_x = feat[1] / feat[2] if feat else None
    tune_x = tune[1] / tune[2] if tune else None
    return {
        "featurise_seconds": feat,  # mean of the legs of each worker count (ORDER)
        "legs_seconds": legs,
        "featurise_speedup": feat_x,
        "tune_seconds": tune,  # trials and tie-break; the cluster's start excluded, as for featurisation
        "tune_speedup": tune_x,
        "tune_seconds_with_cluster_start": with_start,
        "tune_speedup_with_cluster_start": with_start[1] / with_start[2] if with_start else None,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "load_average_after_part": load,  # 1-minute load average at the end of each part
        # 2 processes over 1 on a pure-Python loop: before a part, between its legs, after it
        "cpu_control": control,
        "featurise_efficiency": efficiency(feat_x, control.get("featurise")),
        "tune_efficiency": efficiency(tune_x, control.get("tune")),
        "n_windows": n_windows,
        "featurise_pipeline": "catch22 (3 channels, 100 samples)",
        "dataset": dataset,
        "trials": trials,
    }


def efficiency(speedup: float | None, controls: list[float] | None) -> float | None:
    """Parallel efficiency: a measured speed-up over the CPU control's (the mean of its readings
    before, between and after the 1- and 2-worker legs), i.e. the share of what the machine left to a second process that the
    second worker turned into speed; about 1 when nothing but the machine limits the ratio."""
    if not speedup or not controls:
        return None
    return speedup / (sum(controls) / len(controls))


def main(argv=None) -> int:
    """``python -m sensorflow.tune.benchmark [--quick]``: the tuning benchmark as one JSON object
    on stdout ({table, memory, speedups}); ``sensorflow bench`` runs it in a subprocess, so the
    bench layer never imports the tune layer and a Dask cluster's workers die with it."""
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m sensorflow.tune.benchmark")
    ap.add_argument("--quick", action="store_true", help="BasicMotions only, 8 trials, smaller datasets")
    args = ap.parse_args(argv)
    if args.quick:
        table = tuning_table(("BasicMotions",), trials=8, time_budget_min=5)
        boards = []
        memory = featurise_memory(10_000)
        speed = speedups(n_windows=400, dataset="BasicMotions", trials=8)
    else:
        table = tuning_table()
        boards = board_fronts()
        memory = featurise_memory(100_000)
        speed = speedups()
    print(json.dumps({"table": table, "boards": boards, "memory": memory, "speedups": speed}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
