"""Issue 29 item 1: ``train --out``, ``export --out`` and ``eval --out`` only ever delete or
replace files sensorflow wrote (a manifest of them), refuse otherwise with one line naming the
file, and never touch a user's ``.DIR.old``."""

from __future__ import annotations

import json

import pytest
from relhelp import cli, fitted, one_line_error, saved, windows

from sensorflow import artifact
from sensorflow.errors import ArtifactError


def _tree(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_a_folder_with_a_meta_json_and_user_files_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "meta.json").write_text(json.dumps({"mine": True}))
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(ArtifactError, match="meta.json") as info:
        artifact.save(fitted(), out)
    assert len(str(info.value).splitlines()) == 1
    assert (out / "thesis.tex").read_text() == "precious" and _tree(out) == ["meta.json", "thesis.tex"]


def test_an_artifact_with_an_extra_user_file_is_not_replaced(tmp_path):
    art = saved(tmp_path)
    (art / "notes.txt").write_text("mine")
    with pytest.raises(ArtifactError, match="notes.txt: not written by sensorflow"):
        artifact.save(fitted(), art)
    assert (art / "notes.txt").read_text() == "mine"
    assert artifact.content_hash(art) != json.loads((art / "meta.json").read_text())["content_hash"]


def test_replacing_an_own_artifact_works_and_keeps_a_users_old_folder(tmp_path):
    art = saved(tmp_path)
    old = tmp_path / ".art.old"
    old.mkdir()
    (old / "backup.txt").write_text("mine")
    X, y = windows(3, labels=["x", "y", "z"])
    artifact.save(fitted("decision_tree", n_classes=3), art)
    pipe, meta = artifact.load(art)
    assert meta["classes"] == ["c0", "c1", "c2"]
    assert (old / "backup.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".art.old", "art"]  # nothing left behind


def test_train_cli_refuses_a_foreign_folder_before_fitting(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "meta.json").write_text("{}")
    (out / "Makefile").write_text("all:\n")
    X, y = windows(2, labels=["a", "b"])
    import numpy as np

    np.savez(tmp_path / "d.npz", X=X, y=y, sample_rate=100.0)
    (tmp_path / "p.yaml").write_text(
        "name: rel\nsensor: {kind: generic, sample_rate: 100, channels: [a, b]}\nwindow: {length: 32}\n"
        "stages:\n  - type: stats\n    functions: [mean]\n  - type: decision_tree\n"
        "train: {cv_folds: 0}\n"
    )
    rc, err, _ = cli(capsys, "train", tmp_path / "p.yaml", "--data", tmp_path / "d.npz", "--out", out, "--no-progress")
    line = one_line_error(rc, err, codes=(2,))
    assert "meta.json" in line or "Makefile" in line
    assert (out / "Makefile").read_text() == "all:\n"


def test_export_does_not_overwrite_a_users_files(tmp_path, capsys):
    art = saved(tmp_path)
    out = tmp_path / "firmware"
    out.mkdir()
    (out / "Makefile").write_text("# my makefile\n")
    (out / "CMakeLists.txt").write_text("# my cmake\n")
    (out / "main.c").write_text("int main(void){return 0;}\n")
    rc, err, _ = cli(capsys, "export", art, "--board", "host", "--no-measure", "--out", out)
    line = one_line_error(rc, err, codes=(2,))
    assert "CMakeLists.txt" in line or "Makefile" in line
    assert (out / "Makefile").read_text() == "# my makefile\n"
    assert (out / "CMakeLists.txt").read_text() == "# my cmake\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["art", "firmware"]  # no staging folder left


def test_export_into_its_own_folder_again_and_beside_unrelated_files(tmp_path, capsys):
    art = saved(tmp_path)
    out = tmp_path / "firmware"
    out.mkdir()
    (out / "main.c").write_text("mine\n")
    rc, err, _ = cli(capsys, "export", art, "--board", "host", "--no-measure", "--out", out)
    assert rc == 0, err
    first = _tree(out)
    assert (out / "main.c").read_text() == "mine\n" and ".sensorflow-manifest.json" in first
    rc, err, _ = cli(capsys, "export", art, "--board", "host", "--no-measure", "--out", out)
    assert rc == 0, err
    assert _tree(out) == first and (out / "main.c").read_text() == "mine\n"


def test_export_refuses_a_file_as_out(tmp_path, capsys):
    art = saved(tmp_path)
    (tmp_path / "f").write_text("mine")
    rc, err, _ = cli(capsys, "export", art, "--board", "host", "--no-measure", "--out", tmp_path / "f")
    assert "is a file" in one_line_error(rc, err, codes=(2,))
    assert (tmp_path / "f").read_text() == "mine"


def test_eval_does_not_overwrite_a_users_files(tmp_path, capsys):
    art = saved(tmp_path)
    out = tmp_path / "report"
    out.mkdir()
    (out / "metrics.json").write_text('{"mine": 1}')
    rc, err, _ = cli(capsys, "eval", art, "--out", out)
    assert "metrics.json" in one_line_error(rc, err, codes=(2,))
    assert (out / "metrics.json").read_text() == '{"mine": 1}'
    (out / "metrics.json").unlink()
    (out / "Makefile").write_text("all:\n")
    rc, err, _ = cli(capsys, "eval", art, "--out", out)
    assert rc == 0, err
    rc, err, _ = cli(capsys, "eval", art, "--out", out)  # its own files: replaced
    assert rc == 0, err
    assert (out / "Makefile").read_text() == "all:\n"
    assert sorted(p.name for p in out.iterdir()) == [
        ".sensorflow-manifest.json",
        "Makefile",
        "confusion_matrix.png",
        "metrics.json",
    ]
