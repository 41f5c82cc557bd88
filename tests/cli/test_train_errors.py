"""Bad input to train / eval / run: one line naming the file, exit 2 for user errors and 1
when the job itself fails, and nothing half-written into the artifact directory."""

from __future__ import annotations

import json
import sys
import types

import numpy as np
from conftest import RECIPE_PIPELINE
from scipy.io import wavfile

from sensorflow.cli import main
from sensorflow.errors import ToolMissingError

CSV_PIPE = """
name: imu_csv
sensor: {kind: imu, sample_rate: 50, channels: [ax, ay, az]}
window: {length: 25, hop: 25}
stages:
  - type: stats
    functions: [mean, std]
  - type: decision_tree
dataset:
  loader: csv
  path: logs
  options: {label_column: label, time_column: t}
"""

WAV_PIPE = """
name: kws
sensor: {kind: audio, sample_rate: 8000, channels: [mic], dtype: int16, scale: 3.0517578125e-05}
window: {length: 400}
stages:
  - type: stats
    functions: [rms, zero_crossing_rate]
  - type: knn
    n_neighbors: 3
dataset:
  loader: wav_folder
  path: audio
  options: {group_pattern: "^(spk[0-9]+)_"}
"""


def _csv_logs(root, label_col="label", subjects=4, rng=None):
    rng = rng or np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for s in range(subjects):
        rows = ["t,ax,ay,az," + label_col]
        for i in range(200):
            label = "walk" if (i // 50) % 2 == 0 else "idle"
            amp = 1.0 if label == "walk" else 0.05
            v = rng.standard_normal(3) * amp
            rows.append(f"{i / 50:.4f},{v[0]:.5f},{v[1]:.5f},{v[2]:.5f},{label}")
        (root / f"subject{s}.csv").write_text("\n".join(rows) + "\n")


def _wavs(root, rng, speakers=4, channels=1):
    for label, amp in (("yes", 8000), ("no", 800)):
        for s in range(speakers):
            d = root / label
            d.mkdir(parents=True, exist_ok=True)
            x = (rng.standard_normal((800, channels)) * amp).astype(np.int16)
            wavfile.write(d / f"spk{s}_{label}.wav", 8000, x if channels > 1 else x[:, 0])


def _write(tmp_path, text):
    p = tmp_path / "pipe.yaml"
    p.write_text(text)
    return p


def _nothing_written(tmp_path, out):
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_csv_pipeline_trains(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _csv_logs(tmp_path / "logs")
    rc = main(["train", str(_write(tmp_path, CSV_PIPE)), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["accuracy"] >= 0.9 and res["classes"] == ["idle", "walk"]
    assert (tmp_path / "build" / "imu_csv" / "test_windows.npy").is_file()


def test_wav_pipeline_trains_with_speaker_groups(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    _wavs(tmp_path / "audio", rng)
    rc = main(["train", str(_write(tmp_path, WAV_PIPE)), "--json", "--out", "art"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["accuracy"] == 1.0 and res["n_train"] + res["n_test"] == 16


def test_label_column_missing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _csv_logs(tmp_path / "logs", label_col="activity")
    out = tmp_path / "art"
    rc = main(["train", str(_write(tmp_path, CSV_PIPE)), "--out", str(out)])
    err = _one_line_error(capsys)
    assert rc == 2 and "subject0.csv: no column 'label'" in err and "activity" in err
    _nothing_written(tmp_path, out)


def test_wav_wrong_channel_count(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    _wavs(tmp_path / "audio", rng)
    x = (rng.standard_normal((800, 2)) * 1000).astype(np.int16)
    wavfile.write(tmp_path / "audio" / "yes" / "spk9_yes.wav", 8000, x)
    out = tmp_path / "art"
    rc = main(["train", str(_write(tmp_path, WAV_PIPE)), "--out", str(out)])
    err = _one_line_error(capsys)
    assert rc == 2 and "spk9_yes.wav: 2 channel(s) but the pipeline sensor has 1" in err
    _nothing_written(tmp_path, out)


def test_mixed_sample_rates(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    _wavs(tmp_path / "audio", rng)
    wavfile.write(tmp_path / "audio" / "no" / "spk7_no.wav", 16000, np.zeros(800, np.int16))
    out = tmp_path / "art"
    rc = main(["train", str(_write(tmp_path, WAV_PIPE)), "--out", str(out)])
    err = _one_line_error(capsys)
    assert rc == 2 and "spk7_no.wav: sample rate 16000 Hz" in err
    _nothing_written(tmp_path, out)


def test_empty_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "audio").mkdir()
    out = tmp_path / "art"
    rc = main(["train", str(_write(tmp_path, WAV_PIPE)), "--out", str(out)])
    err = _one_line_error(capsys)
    assert rc == 2 and "audio: empty folder" in err
    _nothing_written(tmp_path, out)


def test_too_few_examples_of_a_class(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    _wavs(tmp_path / "audio", rng)
    (tmp_path / "audio" / "maybe").mkdir()
    wavfile.write(tmp_path / "audio" / "maybe" / "spk1_maybe.wav", 8000, np.ones(800, np.int16))
    out = tmp_path / "art"
    rc = main(["train", str(_write(tmp_path, WAV_PIPE)), "--out", str(out)])
    err = _one_line_error(capsys)
    assert rc == 2 and "class 'maybe' has only 1 recording group(s)" in err and "spk1_maybe.wav" in err
    _nothing_written(tmp_path, out)


def test_failed_retrain_keeps_the_previous_artifact(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    _wavs(tmp_path / "audio", rng)
    pipe = _write(tmp_path, WAV_PIPE)
    assert main(["train", str(pipe), "--out", "art", "--no-progress"]) == 0
    before = (tmp_path / "art" / "meta.json").read_text()
    wavfile.write(tmp_path / "audio" / "no" / "bad.wav", 8000, np.zeros((800, 2), np.int16))
    capsys.readouterr()
    assert main(["train", str(pipe), "--out", "art"]) == 2
    assert (tmp_path / "art" / "meta.json").read_text() == before


def test_json_error_object(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc = main(["train", str(_write(tmp_path, CSV_PIPE)), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 2 and res["ok"] is False and res["error_type"] == "DataError" and "logs" in res["error"]


def test_missing_pipeline_file(tmp_path, capsys):
    rc = main(["train", str(tmp_path / "nope.yaml")])
    assert rc == 2 and "nope.yaml: no such file" in _one_line_error(capsys)


def test_job_failure_exits_1(tmp_path, capsys, monkeypatch):
    """A dataset recipe whose tool is missing is a failed job (1), not a user error (2)."""
    mod = types.ModuleType("sensorflow.datasets.recipes.fails_for_tests")

    def load(config, options):
        raise ToolMissingError("espeak-ng not found; install with: apt-get install espeak-ng")

    mod.load = load
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    text = CSV_PIPE.replace("loader: csv", "loader: recipe\n  name: fails_for_tests")
    rc = main(["train", str(_write(tmp_path, text)), "--out", str(tmp_path / "art")])
    assert rc == 1 and "espeak-ng not found" in _one_line_error(capsys)
    _nothing_written(tmp_path, tmp_path / "art")


def test_eval_and_run_on_a_non_artifact(tmp_path, capsys):
    assert main(["eval", str(tmp_path)]) == 2
    assert "not a sensorflow artifact" in _one_line_error(capsys)
    assert main(["run", str(tmp_path / "x"), "--input", "a.wav"]) == 2
    assert "not an artifact directory" in _one_line_error(capsys)


def test_run_input_errors(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    _wavs(tmp_path / "audio", rng)
    assert main(["train", str(_write(tmp_path, WAV_PIPE)), "--out", "art", "--no-progress"]) == 0
    capsys.readouterr()
    wavfile.write(tmp_path / "stereo.wav", 8000, np.zeros((800, 2), np.int16))
    assert main(["run", "art", "--input", "stereo.wav"]) == 2
    assert "stereo.wav: 2 channel(s)" in _one_line_error(capsys)
    (tmp_path / "rec.txt").write_text("1\n")
    assert main(["run", "art", "--input", "rec.txt"]) == 2
    assert "cannot read '.txt' recordings" in _one_line_error(capsys)
    bad = rng.standard_normal(1600).astype(np.float32)
    bad[900] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    assert main(["run", "art", "--input", "nan.npy"]) == 2
    assert "nan.npy: sample 900: channel 'mic' is nan; clean or interpolate" in _one_line_error(capsys)
    (tmp_path / "inf.csv").write_text("mic\n0.5\n0.25\n-inf\n")
    assert main(["run", "art", "--input", "inf.csv"]) == 2
    assert "inf.csv:4: channel 'mic' is -inf" in _one_line_error(capsys)
    # a good recording: a loud "yes" then silence, window by window
    x = np.concatenate([rng.standard_normal(800) * 8000, rng.standard_normal(800) * 800]).astype(np.int16)
    wavfile.write(tmp_path / "rec.wav", 8000, x)
    assert main(["run", "art", "--input", "rec.wav", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in res["records"]] == ["yes", "yes", "no", "no"]


def test_data_override_and_features_errors(tmp_path, capsys, monkeypatch, rng):
    monkeypatch.chdir(tmp_path)
    X = np.concatenate([rng.standard_normal((10, 50, 3)) * 0.1, rng.standard_normal((10, 50, 3)) * 2.0])
    np.savez(tmp_path / "d.npz", X=X.astype(np.float32), y=np.array(["idle"] * 10 + ["shake"] * 10))
    pipe = _write(tmp_path, CSV_PIPE)
    rc = main(["train", str(pipe), "--data", "d.npz", "--out", "art", "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["classes"] == ["idle", "shake"] and res["n_train"] + res["n_test"] == 40
    assert main(["features", str(pipe), "--data", "d.npz", "--out", "f.csv"]) == 2
    assert "f.csv: --out must end in .npz" in _one_line_error(capsys)
    assert main(["features", str(pipe), "--data", "missing.npz", "--out", "f.npz"]) == 2
    assert "missing.npz: no such file or folder" in _one_line_error(capsys)
    assert not (tmp_path / "f.npz").exists()


def test_convergence_warning_is_reported_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _csv_logs(tmp_path / "logs")
    text = CSV_PIPE.replace("  - type: decision_tree", "  - type: logistic\n    max_iter: 1")
    assert main(["train", str(_write(tmp_path, text)), "--out", "art"]) == 0
    err = capsys.readouterr().err
    assert err.count("failed to converge") == 1 and "raise max_iter" in err


RECIPE_PIPE = "\n" + RECIPE_PIPELINE % ("wakeword", "    small: true\n    wake_variant_per_speaker: 2\n")


def test_bad_recipe_option_names_its_line(tmp_path, capsys):
    """A recipe checks its own options when it loads; the error still points into the pipeline file."""
    rc = main(["train", str(_write(tmp_path, RECIPE_PIPE)), "--out", str(tmp_path / "art")])
    err = _one_line_error(capsys)
    assert rc == 2 and "pipe.yaml:14: dataset.options.wake_variant_per_speaker:" in err and "wake_variants" in err
