"""HIL with ``window.pad: valid`` (issue 25 item 4): only each recording's valid frames are
uploaded, INFER carries n_valid, and the firmware's ``sf_model_features_n`` / ``_infer_n`` give
the host's labels and features (the window buffer behind them still holds the previous,
longer recording's frames: they must not be read). Host board and the emulated Cortex-M4F."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import need_tools
from hilfix import BOARD_TOOLS

from sensorflow.codegen.c import generate
from sensorflow.device.firmware import build_hil, ported
from sensorflow.hil import runner, session
from sensorflow.pipeline import Pipeline

L, C = 29, 3


def _recordings(n: int, seed: int):
    rng = np.random.default_rng(seed)
    recs, y = [], []
    for i in range(n):
        c = i % 3
        k = int(rng.integers(7, 41))
        recs.append((rng.standard_normal((k, C)) * (1 + 0.4 * c) + 0.5 * c).astype(np.float32))
        y.append(f"class{c}")
    return recs, np.array(y)


@pytest.fixture(scope="module")
def pipeline_export(tmp_path_factory):
    cfg = {
        "name": "vlen",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b", "c"]},
        "window": {"length": L, "pad": "valid"},
        "stages": [
            {"type": "stats", "functions": ["mean", "std", "min", "max", "skew"]},
            {"type": "random_forest", "n_estimators": 6, "max_depth": 5},
        ],
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    p.fit(*_recordings(90, 0))
    out = tmp_path_factory.mktemp("vl_export")
    generate(p).write(out)
    return p, out


@pytest.fixture(scope="module", params=["host", pytest.param("qemu-mps2-an386", marks=pytest.mark.emulator)])
def board(request, pipeline_export, tmp_path_factory):
    need_tools(*BOARD_TOOLS[request.param])
    p, out = pipeline_export
    return request.param, p, build_hil(ported(request.param), out, tmp_path_factory.mktemp("vl_fw"))


def test_valid_length_windows_agree(board):
    name, p, elf = board
    recs, _ = _recordings(24, 1)
    recs.sort(key=len, reverse=True)  # longest first: later, shorter ones leave stale frames behind
    X, n_valid = p.to_windows(recs)
    assert n_valid.min() < L and n_valid.max() == L
    with session.open_emulated(name, elf) as s:
        run = runner.run_windows(s.client, X, p, board=name, n_valid=n_valid)
    assert run.agreement == 1.0 and run.passed, [(r.host_label, r.board_label) for r in run.records]
    assert [r.board_label for r in run.records] == list(p.predict(recs))
