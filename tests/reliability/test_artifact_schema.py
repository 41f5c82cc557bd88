"""Issue 29 item 5 (and the artifact part of item 4): ``artifact.load`` validates every learned
value against its stage's schema (``Stage.check_learned``) and reads only files inside the
artifact folder, so a tampered artifact -- re-hashed, since the hash is only a checksum -- is
refused with an ArtifactError before any export or inference uses it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from relhelp import ANOMALY, MODELS, cli, model_entry, one_line_error, rehash, saved, stages_json, write_stages_json

from sensorflow import artifact
from sensorflow.errors import ArtifactError


@pytest.mark.parametrize("model", MODELS + ANOMALY)
def test_every_model_round_trips_through_its_checks(tmp_path, model):
    art = saved(tmp_path, model, scaler=True)
    pipe, _ = artifact.load(art)
    X = np.load(art / "test_windows.npy")
    assert pipe.predict(X).shape == (len(X),)


def _npy(art, entry, key):
    return art / entry["arrays"][key]


def _replace(art, entry, key, value):
    np.save(_npy(art, entry, key), value, allow_pickle=False)
    rehash(art)


def test_class_list_disagreeing_with_leaf_table_refused(tmp_path):
    """The issue's case: 2 classes but a 4-column value table, re-hashed."""
    art = saved(tmp_path)
    _, entry = model_entry(art)
    value = np.load(_npy(art, entry, "value_"))
    _replace(art, entry, "value_", np.concatenate([value, value], axis=1))
    with pytest.raises(ArtifactError, match=r"stage 1 \(decision_tree\): 'value_' has shape .* expected"):
        artifact.load(art)


def test_export_refuses_the_tampered_artifact(tmp_path, capsys):
    art = saved(tmp_path)
    _, entry = model_entry(art)
    value = np.load(_npy(art, entry, "value_"))
    _replace(art, entry, "value_", np.concatenate([value, value], axis=1))
    rc, err, _ = cli(capsys, "export", art, "--board", "host", "--no-measure", "--out", tmp_path / "c")
    assert "value_" in one_line_error(rc, err, codes=(2,))
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "key, change, message",
    [
        ("left_", lambda a: np.where(a >= 0, a + 10_000, a).astype(a.dtype), "child index"),
        ("left_", lambda a: np.where(a >= 0, 0, a).astype(a.dtype), "child index"),  # a cycle back to the root
        ("right_", lambda a: np.where(a == a.max(), -1, a).astype(a.dtype), "one child"),
        ("feature_", lambda a: np.where(a >= 0, 99, a).astype(a.dtype), "feature index"),
        ("threshold_", lambda a: np.full_like(a, np.nan), "NaN or Inf"),
        ("threshold_", lambda a: a[:-1], "shape"),
        ("feature_", lambda a: a.astype(np.float32), "dtype"),
        ("value_", lambda a: -a, "negative"),
        ("offsets_", lambda a: a + 1, "offsets_"),
    ],
)
def test_tree_tables_checked(tmp_path, key, change, message):
    art = saved(tmp_path)
    _, entry = model_entry(art)
    _replace(art, entry, key, change(np.load(_npy(art, entry, key))))
    with pytest.raises(ArtifactError, match=message):
        artifact.load(art)


@pytest.mark.parametrize(
    "model, key, change",
    [
        ("logistic", "coef_", lambda a: a[:, :-1]),
        ("gaussian_nb", "var_", lambda a: -a),
        ("mlp", "weights_", lambda a: a[:-3]),
        ("knn", "fit_y_", lambda a: a + 5),
        ("knn", "fit_X_", lambda a: a[:, :1]),
        ("gaussian_anomaly", "precision_", lambda a: a[:1]),
        ("random_forest", "value_", lambda a: a[:, :1]),
    ],
)
def test_model_schemas_checked(tmp_path, model, key, change):
    art = saved(tmp_path, model)
    _, entry = model_entry(art)
    _replace(art, entry, key, change(np.load(_npy(art, entry, key))))
    with pytest.raises(ArtifactError, match=key):
        artifact.load(art)


def test_scaler_arrays_checked(tmp_path):
    art = saved(tmp_path, scaler=True)
    entries = stages_json(art)
    _replace(art, entries[1], "scale_", np.ones(3))
    with pytest.raises(ArtifactError, match=r"stage 1 \(scaler\): 'scale_' has shape"):
        artifact.load(art)


def test_array_path_outside_the_folder_refused(tmp_path):
    art = saved(tmp_path)
    np.save(tmp_path / "x.npy", np.zeros(3))
    entries, entry = model_entry(art)
    for bad in ["../x.npy", "../../x.npy", str(tmp_path / "x.npy"), "sub/x.npy", "meta.json"]:
        entry["arrays"]["value_"] = bad
        write_stages_json(art, entries)
        with pytest.raises(ArtifactError, match="not a .npy file of this artifact folder"):
            artifact.load(art)


def test_array_link_outside_the_folder_refused(tmp_path):
    art = saved(tmp_path)
    _, entry = model_entry(art)
    target = _npy(art, entry, "value_")
    outside = tmp_path / "outside.npy"
    target.rename(outside)
    target.symlink_to(outside)
    rehash(art)
    with pytest.raises(ArtifactError, match="outside the artifact folder"):
        artifact.load(art)


@pytest.mark.parametrize(
    "meta",
    [[1, 2], "text", 3, None],
)
def test_meta_not_an_object_refused(tmp_path, capsys, meta):
    art = saved(tmp_path)
    (art / "meta.json").write_text(json.dumps(meta))
    rc, err, _ = cli(capsys, "export", art, "--board", "host", "--no-measure", "--out", tmp_path / "c")
    assert "meta.json" in one_line_error(rc, err, codes=(2,))


def test_meta_classes_must_match_the_model(tmp_path):
    art = saved(tmp_path)
    meta = json.loads((art / "meta.json").read_text())
    meta["classes"] = ["c0", "c1", "c2", "c3"]
    (art / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ArtifactError, match="'classes' differs"):
        artifact.load(art)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda e: e.__setitem__(-1, [1, 2]), "entry 1 is not"),
        (lambda e: e.pop(), "one entry per stage"),
        (lambda e: e[-1]["values"].__setitem__("classes_", ["a"]), "two or more"),
        (lambda e: e[-1]["values"].__setitem__("classes_", ["a", "a"]), "twice"),
        (lambda e: e[-1]["values"].__setitem__("predict", 1), "not a learned attribute"),
        (lambda e: e[-1]["values"].__setitem__("n_classes_", {"x": float("nan")}), "finite"),
        (lambda e: e[-1]["values"].__setitem__("transform_", 1), None),  # a harmless new name is accepted
        (lambda e: e[-1]["arrays"].pop("left_"), "'left_' is missing"),
        (lambda e: e[-1]["arrays"].__setitem__("classes_", e[-1]["arrays"]["left_"]), "is not"),
    ],
)
def test_stages_json_structure_checked(tmp_path, mutate, message):
    art = saved(tmp_path)
    entries = stages_json(art)
    mutate(entries)
    write_stages_json(art, entries)
    if message is None:
        artifact.load(art)
        return
    with pytest.raises(ArtifactError, match=message):
        artifact.load(art)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[:-7]),  # truncated
        lambda p: p.write_bytes(p.read_bytes()[:60]),  # header only, cut
        lambda p: p.write_bytes(b""),
        lambda p: p.write_bytes(p.read_bytes() + b"\0" * 8),  # trailing bytes
        lambda p: np.save(p, np.array(["a", "b"])),  # wrong dtype (strings)
        lambda p: np.save(p, np.zeros((2, 2, 2, 2))),  # reshaped
        lambda p: p.write_bytes(p.read_bytes().replace(b"'shape': (", b"'shape': (99999999999, ", 1)),
    ],
)
def test_damaged_npy_refused(tmp_path, capsys, damage):
    art = saved(tmp_path)
    _, entry = model_entry(art)
    damage(_npy(art, entry, "left_"))
    rehash(art)
    with pytest.raises(ArtifactError, match="left"):
        artifact.load(art)
    rc, err, _ = cli(capsys, "eval", art, "--out", tmp_path / "ev")
    one_line_error(rc, err, codes=(2,))


def test_damaged_held_out_windows_refused(tmp_path, capsys):
    art = saved(tmp_path)
    p = art / "test_windows.npy"
    p.write_bytes(p.read_bytes()[:-5])
    rehash(art)
    rc, err, _ = cli(capsys, "eval", art, "--out", tmp_path / "ev")
    assert "test_windows.npy" in one_line_error(rc, err, codes=(2,))
