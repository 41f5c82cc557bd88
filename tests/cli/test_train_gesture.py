"""`sensorflow train pipelines/gesture.yaml` end to end on the real BasicMotions IMU data,
then eval, run (file and serial) and features on the artifact it saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sensorflow import artifact
from sensorflow.cli import main


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr().out
    return rc, json.loads(out)


@pytest.fixture(scope="module")
def gesture_run(tmp_path_factory):
    """`sensorflow train pipelines/gesture.yaml --json` run once from an empty directory:
    (artifact directory, JSON result)."""
    import contextlib
    import io
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    cwd = tmp_path_factory.mktemp("gesture")
    old = os.getcwd()
    os.chdir(cwd)
    try:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = main(["train", str(repo / "pipelines" / "gesture.yaml"), "--json"])
    finally:
        os.chdir(old)
    assert rc == 0
    return cwd / "build" / "gesture", json.loads(buf.getvalue())


@pytest.fixture(scope="module")
def gesture_artifact(gesture_run):
    return gesture_run[0]


def test_train_gesture_json(gesture_run):
    out, res = gesture_run
    assert res["ok"] is True
    assert res["accuracy"] >= 0.95
    assert res["macro_f1"] >= 0.95
    assert res["n_train"] == 40 and res["n_test"] == 40
    assert res["classes"] == ["badminton", "running", "standing", "walking"]
    assert res["cv"]["folds"] == 5
    assert out.name == "gesture" and out.parent.name == "build"  # the default artifact directory
    pipe, meta = artifact.load(out)
    assert meta["dataset_fingerprint"] == res["dataset_fingerprint"]
    X = artifact.load_array(out, "test_windows")
    y = artifact.load_array(out, "test_labels")
    assert X.shape == (40, 100, 6) and X.dtype == np.float32 and y.shape == (40,)
    assert np.mean(pipe.predict(X) == y) == pytest.approx(res["accuracy"])
    # small enough for a Cortex-M4F: 10 trees, depth <= 6
    assert pipe.model.n_trees == 10 and pipe.model.depth() <= 6
    assert pipe.model.cost().flash_bytes < 16 * 1024


@pytest.mark.slow
def test_gesture_one_command_from_clean_directory(repo, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(repo))
    proc = subprocess.run(
        [sys.executable, "-m", "sensorflow", "train", str(repo / "pipelines" / "gesture.yaml"), "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["accuracy"] >= 0.95
    assert (tmp_path / "build" / "gesture" / "meta.json").is_file()


def test_eval_saved_test_windows(gesture_artifact, tmp_path, capsys):
    rc, res = _json(capsys, ["eval", str(gesture_artifact), "--out", str(tmp_path / "ev"), "--json"])
    meta = artifact.read_meta(gesture_artifact)
    assert rc == 0 and res["accuracy"] == pytest.approx(meta["metrics"]["accuracy"])
    assert res["n_test"] == 40
    assert np.asarray(res["confusion_matrix"]).sum() == 40
    png = tmp_path / "ev" / "confusion_matrix.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "ev" / "metrics.json").read_text())["per_class"]["running"]["support"] == 10


def test_eval_on_training_data_scores_held_out_part_only(gesture_artifact, tmp_path, capsys):
    from pathlib import Path

    import aeon.datasets as ad

    src = Path(ad.__file__).parent / "data" / "BasicMotions"
    for name in ("BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    rc, res = _json(
        capsys, ["eval", str(gesture_artifact), "--data", str(tmp_path), "--out", str(tmp_path / "e"), "--json"]
    )
    assert rc == 0 and res["n_test"] == 40


def test_eval_human_output(gesture_artifact, tmp_path, capsys):
    assert main(["eval", str(gesture_artifact), "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "true \\ predicted" in text and "precision" in text and "confusion matrix plot" in text


def _test_signal(art):
    X = artifact.load_array(art, "test_windows")
    return X, X.reshape(-1, 6)


@pytest.mark.parametrize("fmt", ["csv", "npy"])
def test_run_on_a_recording(gesture_artifact, tmp_path, capsys, fmt):
    X, signal = _test_signal(gesture_artifact)
    path = tmp_path / f"rec.{fmt}"
    if fmt == "csv":
        lines = ["ax,ay,az,gx,gy,gz"] + [",".join(f"{v:.9g}" for v in row) for row in signal]
        path.write_text("\n".join(lines) + "\n")
    else:
        np.save(path, signal)
    rc, res = _json(capsys, ["run", str(gesture_artifact), "--input", str(path), "--json"])
    assert rc == 0 and res["n_windows"] == 40 and res["n_samples"] == 4000
    pipe, _ = artifact.load(gesture_artifact)
    expected = pipe.predict(X)
    assert [r["label"] for r in res["records"]] == list(expected)
    assert [r["time"] for r in res["records"]] == pytest.approx(np.arange(40) * 10.0)


def _loop_port(lines: list[str]):
    """A pyserial loop:// port with a 'sensor' thread writing the lines into it (loop:// holds
    only 4 KB, so the writer runs beside the reader like a real device would)."""
    import threading

    import serial

    port = serial.serial_for_url("loop://", timeout=0.05)
    data = "".join(line + "\r\n" for line in lines).encode()

    def sensor():
        for i in range(0, len(data), 512):
            port.write(data[i : i + 512])

    threading.Thread(target=sensor, daemon=True).start()
    return port


def test_run_on_a_serial_stream_loop(gesture_artifact, monkeypatch, capsys):
    import serial

    X, signal = _test_signal(gesture_artifact)
    lines = ["boot: imu ready", "ax,ay,az,gx,gy,gz", "1.0,2.0"]  # noise a sketch prints first
    lines += [",".join(f"{v:.9g}" for v in row) for row in signal[:1000]]
    port = _loop_port(lines)
    monkeypatch.setattr(serial, "serial_for_url", lambda url, **kw: port)
    rc, res = _json(capsys, ["run", str(gesture_artifact), "--port", "loop://", "--timeout", "0.3", "--json"])
    assert rc == 0
    assert res["n_samples"] == 1000 and res["n_windows"] == 10 and res["skipped_lines"] == 3
    pipe, _ = artifact.load(gesture_artifact)
    assert [r["label"] for r in res["records"]] == list(pipe.predict(X[:10]))


def test_serial_samples_reader_on_loop_url():
    """SerialSamples on a real pyserial loop:// port: chunking, max samples, skipped lines."""
    from sensorflow.commands.run import SerialSamples

    port = _loop_port(["1,2,3", "4 5 6", "x,y,z", "7;8;9", "10,11,12"])
    chunks = list(SerialSamples(port, 3, 0.5, chunk=2, max_samples=3, timeout_s=0.3))
    np.testing.assert_allclose(np.concatenate(chunks), [[0.5, 1, 1.5], [2, 2.5, 3], [3.5, 4, 4.5]])
    assert [len(c) for c in chunks] == [2, 1]


def test_run_bad_port_is_a_user_error(gesture_artifact, capsys):
    rc = main(["run", str(gesture_artifact), "--port", "/dev/sensorflow-no-such-port"])
    err = capsys.readouterr().err
    assert rc == 2 and "/dev/sensorflow-no-such-port: cannot open serial port" in err and err.count("\n") == 1


def test_features_command(repo, tmp_path, capsys):
    out = tmp_path / "f" / "gesture_features.npz"
    rc, res = _json(capsys, ["features", str(repo / "pipelines" / "gesture.yaml"), "--out", str(out), "--json"])
    assert rc == 0
    with np.load(out, allow_pickle=False) as d:
        assert d["X"].shape == (80, 60) and d["y"].shape == (80,)
        assert list(d["feature_names"][:2]) == ["stats.ax_mean", "stats.ax_std"]
    assert res["n_features"] == 60


def test_run_a_recording_shorter_than_one_window(gesture_artifact, tmp_path, capsys):
    """`run --input` on 37 samples of a 100-sample pipeline: one window made as training makes
    short recordings (window.pad, here the default resample), the label the pipeline gives it."""
    X, signal = _test_signal(gesture_artifact)
    path = tmp_path / "short.npy"
    np.save(path, signal[:37])
    rc, res = _json(capsys, ["run", str(gesture_artifact), "--input", str(path), "--json"])
    assert rc == 0 and res["n_windows"] == 1 and res["n_samples"] == 37 and res["short_recording"] == "resample"
    pipe, _ = artifact.load(gesture_artifact)
    window = pipe.to_window(signal[:37].astype(np.float32))
    assert [r["label"] for r in res["records"]] == list(pipe.predict(window[None]))
