"""CLI manners: --json before or after the sub-command, -q/-v through logging, progress bars
(neural-net epochs included, without changing the weights), validate listing every error."""

from __future__ import annotations

import io
import json
import logging

import numpy as np
import pytest
from conftest import REPO
from rich.console import Console
from rich.progress import Progress

from sensorflow import stage
from sensorflow.cli import build_parser, main
from sensorflow.nn import conv1d as nn
from sensorflow.progress import epochs_on

GESTURE = str(REPO / "pipelines" / "gesture.yaml")


@pytest.mark.parametrize("argv", [["--json", "validate", GESTURE], ["validate", GESTURE, "--json"]])
def test_json_before_or_after_the_command(argv, capsys):
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["files"][0]["name"] == "gesture"


def test_help_builds_no_command_module():
    """``sensorflow --help`` adds no sub-command's arguments (their modules are not imported)."""
    parser = build_parser(["--help"])
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) >= {"train", "export", "hil"}
    assert all(
        {a.dest for a in p._actions} <= {"help", "json", "quiet", "verbose", "boards_dir"} for p in sub.choices.values()
    )
    full = build_parser()
    assert "pipelines" in {a.dest for a in full._subparsers._group_actions[0].choices["validate"]._actions}


def test_quiet_hides_notes_and_verbose_shows_debug(tmp_path, capsys):
    """A note (here: a recording shorter than a window is padded) is an INFO log line:
    shown by default, hidden by -q; -v adds DEBUG lines (start-up and total time)."""
    for label in ("up", "down"):  # the folder names the label
        (tmp_path / "data" / label).mkdir(parents=True)
        (tmp_path / "data" / label / "short.csv").write_text("x\n" + "".join(f"{np.sin(i)}\n" for i in range(5)))
    yaml = tmp_path / "p.yaml"
    yaml.write_text(
        "name: p\nsensor: {kind: generic, sample_rate: 10, channels: [x]}\nwindow: {length: 8}\n"
        "stages:\n  - type: stats\n    functions: [mean]\n"
    )
    args = ["features", str(yaml), "--data", str(tmp_path / "data"), "--out", str(tmp_path / "f.npz")]
    assert main(args) == 0
    default = capsys.readouterr().err
    assert main(["-q", *args]) == 0
    quiet = capsys.readouterr().err
    assert main([*args, "-v"]) == 0
    verbose = capsys.readouterr().err
    assert default.strip() and not quiet.strip()
    assert "started in" in verbose and "done in" in verbose and "started in" not in default
    assert logging.getLogger("sensorflow").level == logging.DEBUG


def test_validate_reports_every_error(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad name\n"
        "sensor: {kind: imu, sample_rate: -5, channels: [a]}\n"
        "window: {length: 10}\n"
        "stages:\n"
        "  - type: stats\n"
        "    colour: red\n"
        "  - type: nosuch\n"
        "  - type: random_forest\n"
        "    n_estimators: 0\n"
    )
    assert main(["validate", str(bad)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{bad}:{n}" for n in (1, 2, 6, 7, 9)]
    assert "unknown key 'colour'" in lines[2] and "unknown stage type 'nosuch'" in lines[3]
    assert main(["validate", str(bad), "--json"]) == 2
    entry = json.loads(capsys.readouterr().out)["files"][0]
    assert len(entry["errors"]) == 5 and entry["error"] in entry["errors"]


def _frames(rng):
    y = rng.integers(0, 2, 64)
    X = rng.normal(size=(64, 24)).astype(np.float32)
    X[y == 1, 8:12] += 2.0
    return X, y


def test_epoch_progress_leaves_the_weights_bit_identical():
    X, y = _frames(np.random.default_rng(0))
    kw = dict(filters=[4], frame_size=4, epochs=6, teachers=2, teacher_weight=0.5)
    plain = stage("conv1d", **kw).fit(X, y)
    heard = []
    with nn.reporting_epochs(lambda e, n, loss: heard.append((e, n, loss))):
        watched = stage("conv1d", **kw).fit(X, y)
    np.testing.assert_array_equal(watched.weights_, plain.weights_)
    np.testing.assert_array_equal(watched.out_weight_, plain.out_weight_)
    # two teachers, then the network itself: three runs of six epochs, losses finite
    assert [(e, n) for e, n, _ in heard] == [(e, 6) for _ in range(3) for e in range(6)]
    assert all(np.isfinite(loss) for *_, loss in heard)


def test_epochs_drive_a_progress_bar():
    X, y = _frames(np.random.default_rng(1))
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with Progress(console=console) as bar, epochs_on(bar, "network"):
        stage("conv1d", filters=[4], frame_size=4, epochs=5, teachers=1).fit(X, y)
        (task,) = bar.tasks
        assert (task.completed, task.total, task.description) == (5, 5, "network 2: epochs")
