"""sensorflow tune end to end on BasicMotions: outputs, best.yaml reproduced by train,
determinism over worker counts, --resume after an interruption, an external Dask cluster
losing a worker mid-run."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tunefix import small_pipeline  # noqa: F401  (pytest fixture)

from sensorflow.cli import main
from sensorflow.pipeline import Pipeline
from sensorflow.training import train
from sensorflow.tune.runner import TuneOptions, run

REPO = Path(__file__).resolve().parents[2]


def _opts(pipeline, out, **kw):
    base = dict(pipeline=str(pipeline), board="stm32f411", trials=6, batch=3, seed=3, out=str(out), measure=False)
    return TuneOptions(**{**base, **kw})


def _quiet(_):
    return None


def _trials(out):
    return [json.loads(line) for line in (Path(out) / "trials.jsonl").read_text().splitlines()]


def _objectives(out):
    return [(t["number"], t["accuracy_cv"], t["flash_bytes"], t["instructions"], t["pipeline"]) for t in _trials(out)]


@pytest.mark.slow  # about 30 s on the shared 2-core machine (a Dask cluster, 6 trials, 3 front points trained)
def test_small_tune_outputs(small_pipeline, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "tune",
            str(small_pipeline),
            "--board",
            "stm32f411",
            "--trials",
            "6",
            "--batch",
            "3",
            "--workers",
            "1",
            "--seed",
            "3",
            "--out",
            str(out),
            "--no-measure",
            "--flash-kb",
            "64",
            "--ram-kb",
            "16",
            "--max-instructions",
            "2000000",
            "--json",
        ]
    )
    assert code == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n_trials"] == 6 and res["workers"] == 1 and res["scheduler"].startswith("LocalCluster")
    best = res["best"]
    assert set(best) >= {
        "accuracy_cv",
        "accuracy_test",
        "flash_bytes",
        "ram_bytes",
        "instructions_per_inference",
        "measured",
        "pipeline",
    }
    assert best["measured"] is False and best["flash_bytes"] <= 64 * 1024
    assert best["pipeline"] == str(out / "best.yaml")
    same = [p for p in res["pareto"] if all(p[k] == best[k] for k in best if k != "pipeline")]
    assert (
        len(same) == 1
        and Path(same[0]["pipeline"]).read_text().split("\n", 1)[1] == (out / "best.yaml").read_text().split("\n", 1)[1]
    )
    assert best["accuracy_cv"] == max(p["accuracy_cv"] for p in res["pareto"])
    for name in ("best.yaml", "pareto.csv", "pareto.png", "trials.jsonl", "study.journal"):
        assert (out / name).is_file(), name
    assert len(_trials(out)) == 6
    rows = list(csv.DictReader(open(out / "pareto.csv")))
    assert len(rows) == len(res["pareto"])
    for row, point in zip(rows, res["pareto"]):  # every column holds its own value (none shifted)
        assert row["within_budget"] == str(point["within_budget"]) and float(row["score"]) == point["score"]
        assert int(row["flash_bytes"]) == point["flash_bytes"] and float(row["flash_estimate"]) > 0
    assert (out / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    # `sensorflow train DIR/best.yaml` reproduces the held-out accuracy exactly
    pipe = Pipeline.from_yaml(out / "best.yaml")
    again = train(pipe, pipe.load_data(), out_dir=None, progress=False)
    assert again.metrics["accuracy"] == best["accuracy_test"]
    # a second run into the same folder without --resume is refused (exit 2, one line)
    assert main(["tune", str(small_pipeline), "--board", "stm32f411", "--out", str(out), "--no-measure"]) == 2


@pytest.mark.slow
def test_deterministic_over_worker_counts(small_pipeline, tmp_path):
    one = run(_opts(small_pipeline, tmp_path / "w1", workers=1), note=_quiet, progress=False)
    two = run(_opts(small_pipeline, tmp_path / "w2", workers=2), note=_quiet, progress=False)
    assert _objectives(tmp_path / "w1") == _objectives(tmp_path / "w2")
    assert (tmp_path / "w1" / "best.yaml").read_text() == (tmp_path / "w2" / "best.yaml").read_text()
    assert one["best"]["accuracy_test"] == two["best"]["accuracy_test"]


def test_a_window_of_trials_stays_in_flight(small_pipeline, tmp_path):
    """The driver keeps --batch trials in flight and asks trial n right after telling trial
    n - batch, so workers that finish early go on to new trials instead of waiting for the
    slowest trial of a batch; the asks happen at the same points on 1 or N workers."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    out = tmp_path / "window"
    asked = []

    def on_trial(r):  # called in the driver as each trial is told, in trial-number order
        storage = JournalStorage(JournalFileBackend(str(out / "study.journal")))
        asked.append(len(optuna.load_study(study_name="sensorflow-tune", storage=storage).trials))

    run(_opts(small_pipeline, out, workers=1, trials=7, on_trial=on_trial), note=_quiet, progress=False)
    # batch 3: trials 0-2 asked at once; telling trial k (k < 4) is followed by asking trial k + 3
    assert asked == [3, 4, 5, 6, 7, 7, 7]


@pytest.mark.slow
def test_resume_continues_the_study(small_pipeline, tmp_path):
    whole = tmp_path / "whole"
    run(_opts(small_pipeline, whole, workers=1), note=_quiet, progress=False)
    part = tmp_path / "part"
    with pytest.raises(KeyboardInterrupt):
        run(_opts(small_pipeline, part, workers=1, stop_after=3), note=_quiet, progress=False)
    assert len(_trials(part)) == 3 and not (part / "best.yaml").exists()
    res = run(_opts(small_pipeline, part, workers=1, resume=True), note=_quiet, progress=False)
    assert res["n_trials"] == 6
    assert _objectives(part) == _objectives(whole)
    assert (part / "best.yaml").read_text() == (whole / "best.yaml").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_external_cluster_survives_a_killed_worker(small_pipeline, tmp_path):
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("no dask command next to this python")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        time.sleep(2)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(dask),
                        "worker",
                        addr,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from distributed import Client

        with Client(addr, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        killed = []

        def kill_one(result):
            if not killed and result["number"] >= 1:
                procs[2].send_signal(signal.SIGKILL)  # mid-batch: its running trial is lost and rescheduled
                killed.append(result["number"])

        far = run(
            _opts(small_pipeline, tmp_path / "far", scheduler=addr, on_trial=kill_one), note=_quiet, progress=False
        )
        assert killed and procs[2].wait(10) == -signal.SIGKILL
        assert far["n_trials"] == 6 and far["scheduler"] == addr
        local = run(_opts(small_pipeline, tmp_path / "local", workers=2), note=_quiet, progress=False)
        assert (tmp_path / "far" / "best.yaml").read_text() == (tmp_path / "local" / "best.yaml").read_text()
        assert _objectives(tmp_path / "far") == _objectives(tmp_path / "local")
        assert far["best"]["accuracy_test"] == local["best"]["accuracy_test"]
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow  # a one-worker Dask cluster, 2 trials that fail at once
def test_all_trials_failing_is_an_error_not_an_empty_budget(tmp_path, capsys):
    """Every trial failing (here: window.pad: valid catch22 on 5-sample recordings) used to end
    'no feasible pipeline within the budget; raise the budget' with exit 0."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5, 3)).astype(np.float32)
    np.savez(tmp_path / "short.npz", X=X, y=np.array(["a", "b"] * 10))
    yml = tmp_path / "c22.yaml"
    yml.write_text(
        "name: c22\nsensor: {kind: imu, sample_rate: 50, channels: [x, y, z]}\n"
        "window: {length: 10, pad: valid}\nstages:\n  - type: catch22\n  - type: decision_tree\n"
        f"dataset: {{loader: npz, path: {tmp_path / 'short.npz'}}}\n"
    )
    argv = ["tune", str(yml), "--board", "qemu-riscv32", "--trials", "2", "--batch", "2", "--workers", "1"]
    code = main([*argv, "--no-measure", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and err.startswith("sensorflow tune: error: all 2 trials failed"), err
    assert "has 5 samples, fewer than the 10" in err and "budget" not in err


@pytest.mark.slow  # a one-worker Dask cluster that is given no time
def test_time_budget_ending_before_any_trial_is_one_line(small_pipeline, tmp_path, capsys):
    """A --time-budget over before the first batch used to end in a matplotlib traceback
    (plotting an empty study on a log scale)."""
    argv = ["tune", str(small_pipeline), "--board", "stm32f411", "--trials", "1000", "--workers", "1"]
    code = main([*argv, "--time-budget", "0.00001", "--no-measure", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and err.startswith("sensorflow tune: error: no trial finished within --time-budget"), err
