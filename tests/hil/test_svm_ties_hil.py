"""An ``svm`` pipeline on the emulated boards (and the emulated MicroPython board), on vectors
where the one-vs-one votes tie: the device gives the host's label on every window, and the
host's label is ``SVC.predict``'s (the lowest tied class index, as libsvm). The pipeline's
windows are two equal samples of 4 channels and its only feature is their mean, so the
windows are chosen feature vectors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import yaml
from conftest import need_tools
from hilfix import BOARD_TOOLS

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.stages.models.svm import ovo_votes

pytestmark = [pytest.mark.emulator, pytest.mark.slow]
N, D, K = 240, 4, 4


@pytest.fixture(scope="module")
def tie_case(tmp_path_factory):
    """(artifact dir, probe windows .npy with 60 vote-tie and 40 other windows, probe features)."""
    tmp = tmp_path_factory.mktemp("svm_ties")
    rng = np.random.default_rng(0)
    y = np.arange(N) % K
    V = (rng.standard_normal((N, D)) + 2.4 * np.eye(K, D)[y]).astype(np.float32)
    fold = np.where(np.arange(N) < 180, "train", "test")
    np.savez(tmp / "d.npz", X=np.repeat(V[:, None, :], 2, axis=1), y=y, fold=fold)
    cfg = {
        "name": "svmtie",
        "sensor": {"kind": "generic", "sample_rate": 10.0, "channels": [f"c{i}" for i in range(D)]},
        "window": {"length": 2},
        "stages": [{"type": "stats", "functions": ["mean"]}, {"type": "svm", "C": 2.0}],
        "dataset": {"loader": "npz", "path": str(tmp / "d.npz"), "split": {"by": "predefined"}},
    }
    (tmp / "p.yaml").write_text(yaml.safe_dump(cfg))
    assert main(["train", str(tmp / "p.yaml"), "--out", str(tmp / "art"), "--no-progress"]) == 0
    pipe, _ = artifact.load(tmp / "art")
    # means of three training vectors of three classes: the votes often go round in a circle
    picks = [rng.choice(np.flatnonzero(y[:180] == c), 2000) for c in range(3)]
    M = np.mean([V[i] for i in picks], axis=0).astype(np.float32)
    votes = ovo_votes(pipe.model.ovo_decision(M), K)
    tie = (votes == votes.max(1, keepdims=True)).sum(1) > 1
    assert tie.sum() >= 60
    probe = np.concatenate([M[tie][:60], M[~tie][:40]])
    W = np.repeat(probe[:, None, :], 2, axis=1)
    np.save(tmp / "probe.npy", W)
    # the host's labels are SVC.predict's on those vectors
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        svc = pipe.model.estimator().fit(V[:180], y[:180])
    np.testing.assert_array_equal(pipe.predict(W), np.asarray(pipe.classes_)[svc.predict(probe)])
    return tmp / "art", tmp / "probe.npy"


@pytest.mark.parametrize("board", ["qemu-mps2-an386", "qemu-riscv32"])
def test_svm_vote_ties_on_emulated_board(tie_case, board, tmp_path, capsys):
    need_tools(*BOARD_TOOLS[board])
    art, probe = tie_case
    capsys.readouterr()
    status = main(
        ["hil", str(art), "--board", board, "--windows", str(probe), "--json", "--build-dir", str(tmp_path / "b")]
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["n"] == 100 and result["agreement"] == 1.0 and result["passed"]
    assert result["max_abs_score_error"] < 1e-5


def test_svm_vote_ties_on_emulated_micropython(tie_case, capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "micropython"))
    from mphelp import need_micropython

    need_micropython()
    art, probe = tie_case
    capsys.readouterr()
    argv = ["hil", str(art), "--board", "esp32", "--lang", "micropython", "--windows", str(probe), "--json"]
    status = main(argv)
    result = json.loads(capsys.readouterr().out)
    assert status == 0, result
    assert result["n"] == 100 and result["agreement"] == 1.0 and result["passed"]
