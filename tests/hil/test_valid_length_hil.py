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


HEADS = {
    "stats": [
        {"type": "stats", "functions": ["mean", "std", "min", "max", "skew"]},
        {"type": "random_forest", "n_estimators": 6, "max_depth": 5},
    ],
    # three channels, 60 kept features: the straight-line C over n_valid (codegen minirocket_unrolled)
    "minirocket": [{"type": "minirocket", "n_features": 336, "keep": 60}, {"type": "ridge_classifier"}],
}


@pytest.fixture(scope="module", params=list(HEADS))
def pipeline_export(request, tmp_path_factory):
    cfg = {
        "name": "vlen",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b", "c"]},
        "window": {"length": L, "pad": "valid"},
        "stages": HEADS[request.param],
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
    if p.stages[0].name == "minirocket":  # PPV counts: the board's features are the host's exactly
        assert max(r.feature_error for r in run.records) == 0.0


def test_infer_n_valid_at_its_bounds_under_sanitizers(tmp_path):
    """The INFER body's n_valid u32 (catch22: MIN_VALID_LENGTH 10) at 0, 1, min-1, min,
    length-1, length, length+1, 2^31, 2^32-1 and truncated or over-long bodies, on the host
    firmware under ASan/UBSan: inside the range an answer, outside it the model's SF_ERR_ARG
    or 'bad length', never a crash; the board answers afterwards."""
    import struct

    from sensorflow.errors import HILError
    from sensorflow.hil import protocol as P

    cfg = {
        "name": "vlen22",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b", "c"]},
        "window": {"length": L, "pad": "valid"},
        "stages": [
            {"type": "catch22", "features": ["acf_timescale", "trev"]},
            {"type": "decision_tree", "max_depth": 3},
        ],
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    recs, y = _recordings(30, 0)
    p.fit([r if len(r) >= 10 else np.concatenate([r, r]) for r in recs], y)
    lo = p.min_valid_length
    assert lo == 10
    generate(p).write(tmp_path / "export")
    elf = build_hil(
        ported("host"),
        tmp_path / "export",
        tmp_path / "fw",
        extra_cflags=["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"],
    )
    with session.open_emulated("host", elf) as s:
        s.client.retries = 0
        for n_valid in (0, 1, lo - 1, lo, L - 1, L, L + 1, 2**31, 2**32 - 1):
            for flags in (0, 1):
                body = struct.pack("<BI", flags, n_valid)
                if lo <= n_valid <= L:
                    label, consistent = struct.unpack_from("<ii", s.client.request(P.INFER, body).body)
                    assert label >= 0 and consistent == (1 if flags else -1), n_valid
                else:
                    with pytest.raises(HILError, match=r"error \(-2\)"):
                        s.client.request(P.INFER, body)
                assert s.emulated.proc.poll() is None, n_valid
        for body in (b"", b"\x01\x0a", b"\x01\x0a\x00\x00", b"\x01\x0a\x00\x00\x00\x00", b"\x01" * 9):
            with pytest.raises(HILError, match=rf"bad length \({len(body)}\)"):
                s.client.request(P.INFER, body)
            assert s.emulated.proc.poll() is None, body
        assert s.client.ping(b"after n_valid") > 0
