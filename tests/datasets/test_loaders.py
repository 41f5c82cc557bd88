"""Loaders: WAV folders, CSV logs, NPZ arrays, UEA/aeon, the recipe hook; each bad input gives
one DataError naming the file (and line where there is one)."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.io import wavfile

from sensorflow.datasets import Dataset, load_dataset
from sensorflow.datasets.arrays import load_npz
from sensorflow.datasets.tables import load_csv
from sensorflow.datasets.uea import load_uea
from sensorflow.datasets.wav import load_wav_folder
from sensorflow.errors import DataError, ToolMissingError
from sensorflow.pipeline import Pipeline

AUDIO = SimpleNamespace(sample_rate=8000.0, channels=["mic"], scale=1 / 32768)
IMU = SimpleNamespace(sample_rate=50.0, channels=["ax", "ay", "az"], scale=1.0)


def _wav(path: Path, rate=8000, n=800, channels=1, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (np.random.default_rng(seed).standard_normal((n, channels)) * 3000).astype(np.int16)
    wavfile.write(path, rate, data if channels > 1 else data[:, 0])
    return data


def _wav_tree(root: Path):
    for label in ("yes", "no"):
        for spk in ("alice", "bob", "carol"):
            _wav(root / label / f"{spk}_{label}_0.wav", seed=hash((label, spk)) % 1000)


# ---------------------------------------------------------------------- wav_folder
def test_wav_folder_labels_groups_and_scale(tmp_path):
    _wav_tree(tmp_path)
    raw = _wav(tmp_path / "no" / "dave_no_1.wav", seed=7)
    ds = load_wav_folder(tmp_path, AUDIO, {"group_pattern": r"^([a-z]+)_"})
    assert len(ds) == 7 and ds.classes == ["no", "yes"]
    assert set(ds.groups) == {"alice", "bob", "carol", "dave"}
    i = ds.names.index(str(tmp_path / "no" / "dave_no_1.wav"))
    np.testing.assert_allclose(ds.signals[i][:, 0], raw[:, 0] / 32768, rtol=1e-6)
    assert ds.signals[i].dtype == np.float32
    # default: each file its own group
    assert len(set(load_wav_folder(tmp_path, AUDIO, {}).groups)) == 7


def test_wav_float_files_are_physical_values(tmp_path):
    (tmp_path / "a").mkdir()
    x = np.linspace(-0.5, 0.5, 400, dtype=np.float32)
    wavfile.write(tmp_path / "a" / "f.wav", 8000, x)
    _wav(tmp_path / "b" / "g.wav")
    ds = load_wav_folder(tmp_path, AUDIO, {})
    np.testing.assert_array_equal(ds.signals[0][:, 0], x)


def test_wav_wrong_channel_count_names_file(tmp_path):
    _wav_tree(tmp_path)
    bad = tmp_path / "yes" / "stereo.wav"
    _wav(bad, channels=2)
    with pytest.raises(DataError) as e:
        load_wav_folder(tmp_path, AUDIO, {})
    assert str(bad) in str(e.value) and "2 channel(s)" in str(e.value) and "\n" not in str(e.value)


def test_wav_mixed_sample_rates_name_file(tmp_path):
    _wav_tree(tmp_path)
    bad = tmp_path / "no" / "zed_no_0.wav"
    _wav(bad, rate=16000)
    with pytest.raises(DataError, match=f"{bad}: sample rate 16000 Hz but the pipeline sensor is 8000 Hz"):
        load_wav_folder(tmp_path, AUDIO, {})


def test_wav_empty_folders(tmp_path):
    with pytest.raises(DataError, match="empty folder; put WAV files in one sub-folder per label"):
        load_wav_folder(tmp_path, AUDIO, {})
    _wav(tmp_path / "yes" / "a.wav")
    (tmp_path / "no").mkdir()
    with pytest.raises(DataError, match=f"{tmp_path / 'no'}: empty folder"):
        load_wav_folder(tmp_path, AUDIO, {})


def test_wav_not_a_wav(tmp_path):
    _wav(tmp_path / "yes" / "a.wav")
    (tmp_path / "no").mkdir()
    (tmp_path / "no" / "b.wav").write_text("hello")
    with pytest.raises(DataError, match="b.wav: not a readable WAV file"):
        load_wav_folder(tmp_path, AUDIO, {})


# ---------------------------------------------------------------------- csv
def _csv(path: Path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")


def test_csv_label_column_runs_become_recordings(tmp_path):
    rows = [[i / 50, i, 2 * i, 3 * i, "walk" if i < 60 else "idle", "s1"] for i in range(100)]
    _csv(tmp_path / "log.csv", ["t", "ax", "ay", "az", "activity", "subject"], rows)
    ds = load_csv(
        tmp_path / "log.csv", IMU, {"time_column": "t", "label_column": "activity", "group_column": "subject"}
    )
    assert len(ds) == 2 and list(ds.labels) == ["walk", "idle"]
    assert ds.signals[0].shape == (60, 3) and ds.signals[1][0, 0] == 60
    assert list(ds.groups) == ["s1", "s1"]
    assert ds.names[0].endswith("log.csv:2-61")


def test_csv_per_file_labels_from_subfolders(tmp_path):
    for label in ("walk", "idle"):
        for k in range(2):
            _csv(tmp_path / label / f"r{k}.csv", ["ax", "ay", "az"], [[k, 1, 2]] * 30)
    ds = load_csv(tmp_path, IMU, {})
    assert sorted(ds.labels.tolist()) == ["idle", "idle", "walk", "walk"]


def test_csv_missing_label_column_names_file_and_columns(tmp_path):
    _csv(tmp_path / "log.csv", ["ax", "ay", "az", "lbl"], [[1, 2, 3, "a"]] * 5)
    with pytest.raises(DataError, match=r"log.csv: no column 'label' \(columns: ax, ay, az, lbl\)"):
        load_csv(tmp_path / "log.csv", IMU, {"label_column": "label"})


def test_csv_no_label_at_all(tmp_path):
    _csv(tmp_path / "log.csv", ["ax", "ay", "az"], [[1, 2, 3]] * 5)
    with pytest.raises(DataError, match="log.csv: no label; set dataset.options.label_column"):
        load_csv(tmp_path / "log.csv", IMU, {})


def test_csv_bad_number_names_line(tmp_path):
    rows = [[1, 2, 3, "a"]] * 3 + [[1, "oops", 3, "a"]]
    _csv(tmp_path / "log.csv", ["ax", "ay", "az", "label"], rows)
    with pytest.raises(DataError, match=r"log.csv:5: a channel or time value is not a number"):
        load_csv(tmp_path / "log.csv", IMU, {"label_column": "label"})


def test_csv_time_column_rate_mismatch(tmp_path):
    rows = [[i / 100, 1, 2, 3, "a"] for i in range(20)]
    _csv(tmp_path / "log.csv", ["t", "ax", "ay", "az", "label"], rows)
    with pytest.raises(DataError, match="time column implies 100 Hz but the pipeline sensor is 50 Hz"):
        load_csv(tmp_path / "log.csv", IMU, {"label_column": "label", "time_column": "t"})


def test_csv_empty_folder(tmp_path):
    with pytest.raises(DataError, match="empty folder"):
        load_csv(tmp_path, IMU, {})


# ---------------------------------------------------------------------- npz
def test_npz_round_trip_and_errors(tmp_path, rng):
    X = rng.standard_normal((12, 40, 3)).astype(np.float32)
    y = np.array([0, 1, 2] * 4)
    np.savez(tmp_path / "d.npz", X=X, y=y, groups=np.arange(12) // 2, sample_rate=50.0)
    ds = load_npz(tmp_path / "d.npz", IMU, {})
    assert len(ds) == 12 and ds.labels.dtype.kind == "i" and ds.groups[3] == "1"
    np.testing.assert_array_equal(ds.signals[5], X[5])
    np.savez(tmp_path / "bad.npz", data=X)
    with pytest.raises(DataError, match=r"bad.npz: no array 'X' \(has: data\)"):
        load_npz(tmp_path / "bad.npz", IMU, {})
    np.savez(tmp_path / "obj.npz", X=X, y=np.array([object()] * 12, dtype=object))
    with pytest.raises(DataError, match="obj.npz: .*object arrays are refused"):
        load_npz(tmp_path / "obj.npz", IMU, {})
    np.savez(tmp_path / "rate.npz", X=X, y=y, sample_rate=100.0)
    with pytest.raises(DataError, match="sample rate 100 Hz but the pipeline sensor is 50 Hz"):
        load_npz(tmp_path / "rate.npz", IMU, {}).check_sensor(50.0, 3)


# ---------------------------------------------------------------------- aeon / UEA
def test_basic_motions_offline():
    sensor = SimpleNamespace(sample_rate=10.0, channels=["ax", "ay", "az", "gx", "gy", "gz"], scale=1.0)
    ds = load_uea(None, "BasicMotions", sensor, {})
    assert len(ds) == 80 and ds.classes == ["badminton", "running", "standing", "walking"]
    assert ds.signals[0].shape == (100, 6)
    assert (ds.fold == "train").sum() == 40 and (ds.fold == "test").sum() == 40
    from aeon.datasets import load_basic_motions

    X, y = load_basic_motions(split="train")
    np.testing.assert_allclose(ds.signals[3], X[3].T.astype(np.float32))


def test_uea_unknown_name_and_wrong_channels():
    sensor = SimpleNamespace(sample_rate=10.0, channels=["ax", "ay", "az"], scale=1.0)
    with pytest.raises(DataError, match="'UWaveGesture' does not ship with aeon.*BasicMotions"):
        load_uea(None, "UWaveGesture", sensor, {})
    with pytest.raises(DataError, match="6 channels but the pipeline sensor has 3"):
        load_uea(None, "BasicMotions", sensor, {})


def test_uea_ts_folder(tmp_path):
    import aeon.datasets as ad
    from aeon.datasets import load_basic_motions

    src = Path(ad.__file__).parent / "data" / "BasicMotions"
    for name in ("BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts"):
        (tmp_path / name).write_bytes((src / name).read_bytes())
    sensor = SimpleNamespace(sample_rate=10.0, channels=["a", "b", "c", "d", "e", "f"], scale=1.0)
    ds = load_uea(tmp_path, None, sensor, {})
    assert len(ds) == 80 and ds.fold is not None
    X, _ = load_basic_motions(split="test")
    np.testing.assert_allclose(ds.signals[40], X[0].T.astype(np.float32))


# ---------------------------------------------------------------------- dispatch and recipes
YAML = """
name: t
sensor: {kind: imu, sample_rate: 50, channels: [ax, ay, az]}
window: {length: 20}
stages:
  - type: stats
    functions: [mean]
  - type: decision_tree
dataset:
  loader: recipe
  name: fake_for_tests
  options: {n: 6}
"""


def test_recipe_hook(monkeypatch):
    seen = {}

    def load(config, options):
        seen["config"], seen["options"] = config, options
        sig = [np.full((40, 3), i, np.float32) for i in range(options["n"])]
        return Dataset(
            sig,
            [i % 2 for i in range(6)],
            [str(i) for i in range(6)],
            50.0,
            ["ax", "ay", "az"],
            [f"r{i}" for i in range(6)],
            source="fake",
        )

    mod = types.ModuleType("sensorflow.datasets.recipes.fake_for_tests")
    mod.load = load
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    pipe = Pipeline.from_string(YAML)
    ds = load_dataset(pipe.config)
    assert len(ds) == 6 and seen["options"] == {"n": 6} and seen["config"].name == "t"


def test_recipe_must_return_a_dataset_and_exist(monkeypatch):
    mod = types.ModuleType("sensorflow.datasets.recipes.fake_for_tests")
    mod.load = lambda config, options: {"not": "a dataset"}
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    pipe = Pipeline.from_string(YAML)
    with pytest.raises(DataError, match="returned dict, not a Dataset"):
        load_dataset(pipe.config)
    pipe = Pipeline.from_string(YAML.replace("fake_for_tests", "no_such_recipe_here"))
    with pytest.raises(DataError, match="no dataset recipe 'no_such_recipe_here'"):
        load_dataset(pipe.config)


def test_recipe_tool_errors_pass_through(monkeypatch):
    def load(config, options):
        raise ToolMissingError("espeak-ng not found; install with: apt-get install espeak-ng")

    mod = types.ModuleType("sensorflow.datasets.recipes.fake_for_tests")
    mod.load = load
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    with pytest.raises(ToolMissingError):
        load_dataset(Pipeline.from_string(YAML).config)


def test_data_path_guesses_the_loader(tmp_path, rng):
    np.savez(tmp_path / "d.npz", X=rng.standard_normal((6, 20, 3)), y=np.arange(6) % 2)
    pipe = Pipeline.from_string(YAML)
    assert len(load_dataset(pipe.config, str(tmp_path / "d.npz"))) == 6
    with pytest.raises(DataError, match="no such file or folder"):
        load_dataset(pipe.config.model_copy(update={"dataset": None}), str(tmp_path / "missing"))


def test_data_path_for_a_recipe_pipeline(monkeypatch, tmp_path, rng):
    """A --data path of a known kind is loaded by that loader (not silently ignored by the
    recipe); a folder no loader recognises (e.g. .mat files) goes to the recipe as options.path."""
    seen = {}

    def load(config, options):
        seen.update(options)
        return Dataset([np.ones((40, 3))] * 4, [0, 1, 0, 1], list("abcd"), 50.0, ["ax", "ay", "az"], list("abcd"))

    mod = types.ModuleType("sensorflow.datasets.recipes.fake_for_tests")
    mod.load = load
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    config = Pipeline.from_string(YAML).config
    np.savez(tmp_path / "d.npz", X=rng.standard_normal((6, 20, 3)), y=np.arange(6) % 2)
    assert len(load_dataset(config, str(tmp_path / "d.npz"))) == 6 and not seen
    (tmp_path / "mats").mkdir()
    (tmp_path / "mats" / "97.mat").write_bytes(b"\0")
    assert len(load_dataset(config, str(tmp_path / "mats"))) == 4
    assert seen == {"n": 6, "path": str(tmp_path / "mats")}
