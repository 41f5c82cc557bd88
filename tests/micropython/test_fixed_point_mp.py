"""The fixed-point stages (stats and band_energy with q15_scale) exported to MicroPython and
run on the real interpreter: the same features as the host bit for bit (the integer codes are
Python ints, the float32 conversion is built with ldexp), and the host's labels."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from fixedcases import fixed_point_config
from mphelp import assert_agrees, export_and_run, need_micropython

from sensorflow.codegen.micropython.typecheck import check
from sensorflow.pipeline import Pipeline

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.mark.parametrize("band_hop", [36, 18], ids=["two-frames", "three-frames"])
def test_fixed_point_features_bit_identical(tmp_path, band_hop):
    need_micropython()
    cfg = fixed_point_config("fixed_mp", {"type": "random_forest", "n_estimators": 5, "max_depth": 4})
    cfg["stages"][1]["hop_length"] = band_hop  # 18: a lone last frame, paired with zeros
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    rng = np.random.default_rng(0)
    y = np.arange(40) % 2
    X = (rng.standard_normal((40, 100, 2)) * [10, 1000] * (1 + y[:, None, None])).astype(np.float32)
    X[1] = 0.0
    X[2] = np.where(np.arange(100)[:, None] % 2, 1e6, -1e6)
    X[3, ::2, 0] = 2**-10  # half-count ties
    X[4, :, 1] = 1e-40  # subnormal
    pipe.fit(X, y)
    run, _ = export_and_run(pipe, X, tmp_path)
    assert_agrees(pipe, X, run)
    host = np.asarray(pipe.transform(X), np.float32)
    np.testing.assert_array_equal(np.asarray(run.features, np.float32).view(np.uint32), host.view(np.uint32))
    files = {p.name: p.read_text() for p in tmp_path.glob("*.py")}
    assert "q15_bands" in files["sf_runtime.py"]
    assert check(files, tmp_path / "mypy") == []


@pytest.mark.parametrize("kind, top_db", [("log_mel", None), ("log_mel", 80.0), ("mfcc", 60.0)])
def test_fixed_point_log_mel_bit_identical(tmp_path, kind, top_db):
    need_micropython()
    from sensorflow.dsp import synth

    sr = 16000
    cfg = {
        "name": "fixed_mel_mp",
        "sensor": {"kind": "audio", "sample_rate": sr, "channels": ["a", "b"]},
        "window": {"length": 2000, "hop": 2000},
        "stages": [
            {
                "type": kind,
                **({"n_mfcc": 8} if kind == "mfcc" else {}),
                **{"n_fft": 256, "win_length": 200, "hop_length": 300, "center": False, "n_mels": 20},
                **{"fmin": 20, "fmax": 7600, "top_db": top_db, "q15_scale": 2**-15},
            },
            {"type": "random_forest", "n_estimators": 3, "max_depth": 3},
        ],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    X = np.stack([synth.vowels(0.125, sr, seed=i)[:2000] for i in range(6)]).reshape(3, 2000, 2).astype(np.float32)
    X[1, :, 0] = 0.0  # a silent channel
    pipe.fit(np.concatenate([X, X * 0.5]), np.arange(6) % 2)
    run, _ = export_and_run(pipe, X, tmp_path)
    host = np.asarray(pipe.transform(X), np.float32)
    np.testing.assert_array_equal(np.asarray(run.features, np.float32).view(np.uint32), host.view(np.uint32))
