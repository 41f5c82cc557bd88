"""``sensorflow hil --lang micropython --recording F.npy``: a continuous recording streamed over the
raw REPL through the module's ``Pipeline.push`` (float32) or ``Pipeline.push_i16`` (int16 counts),
every completed window compared with the host's window at the same place (as the C firmware's
stream mode). Before, ``--recording`` was silently ignored with ``--lang micropython`` and the
held-out windows were run instead."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import need_tools

from sensorflow import artifact
from sensorflow.cli import main
from sensorflow.dsp import fixed
from sensorflow.errors import HILError
from sensorflow.hil import micropython as mp_hil
from sensorflow.testing.int16_stream import Q15_HOP, Q15_LENGTH, q15_stream_pipeline

K = 15  # q15_scale 2**-15 of q15_stream_pipeline
SECONDS = 1.6  # the recording streamed: (12,800 - 2,400) / 400 + 1 = 27 windows at 8 kHz
N_WINDOWS = (int(SECONDS * 8000) - Q15_LENGTH) // Q15_HOP + 1


@pytest.fixture(scope="module")
def q15_art(tmp_path_factory):
    """The one-channel q15 log_mel -> conv1d pipeline saved as an artifact, and its signal."""
    pipe, signal = q15_stream_pipeline(1)
    tmp = tmp_path_factory.mktemp("mp_stream")
    return artifact.save(pipe, tmp / "art"), signal[: int(SECONDS * 8000)]


def _hil(art, rec, capsys, *extra):
    capsys.readouterr()
    rc = main(["hil", str(art), "--board", "esp32", "--lang", "micropython", "--recording", str(rec), "--json", *extra])
    out = capsys.readouterr().out
    return rc, (json.loads(out) if out.strip().startswith("{") else out)


@pytest.mark.slow
def test_int16_and_float32_recordings_stream_through_push(q15_art, tmp_path, capsys):
    """An int16 .npy goes through push_i16 (auto), a float .npy through push; every window agrees,
    and the int16 stream is half the bytes of the float32 one on the wire."""
    need_tools("node")
    art, signal = q15_art
    counts = fixed.quantize(signal[:, 0], K)
    np.save(tmp_path / "counts.npy", counts)
    np.save(tmp_path / "floats.npy", counts.astype(np.float32) * np.float32(2.0**-K))
    for rec, how in (("counts.npy", "int16"), ("floats.npy", "float32")):
        rc, res = _hil(art, tmp_path / rec, capsys)
        assert rc == 0, res
        assert res["mode"] == "stream" and res["samples"] == how and res["lang"] == "micropython"
        assert res["passed"] and res["n"] == N_WINDOWS and res["agreement"] == 1.0, res
        assert res["max_abs_score_error"] < 1e-4, res


@pytest.mark.slow
def test_a_wrong_host_answer_is_reported(q15_art, monkeypatch):
    """The comparison is live: with the host's class scores swapped, every window disagrees."""
    need_tools("node")
    art, signal = q15_art
    real = mp_hil.host_answers

    def swapped(pipeline, windows, *args):
        scores, feats, finite = real(pipeline, windows, *args)
        return scores[:, ::-1].copy(), feats, finite

    monkeypatch.setattr(mp_hil, "host_answers", swapped)
    res = mp_hil.run_micropython_hil(art, stream=signal[: Q15_LENGTH + 2 * Q15_HOP], samples="float32")
    assert res["n"] == 3 and not res["passed"] and res["disagreements"] == [0, 1, 2], res


@pytest.mark.slow
def test_int16_asked_of_a_module_without_push_i16(tmp_path):
    """--samples int16 for a pipeline whose first stage is not a q15 front end: one-line error."""
    need_tools("node")
    from hilfix import small_windows

    from sensorflow.pipeline import Pipeline

    cfg = """
name: tiny
sensor: {kind: imu, sample_rate: 50, channels: [ax, ay]}
window: {length: 32, hop: 16}
stages:
  - {type: stats, functions: [mean, std]}
  - {type: logistic}
"""
    pipe = Pipeline.from_string(cfg, source="<test>")
    X, y = small_windows(40)
    pipe.fit(X, y)
    art = artifact.save(pipe, tmp_path / "art")
    counts = np.arange(200, dtype=np.int16).reshape(100, 2)
    with pytest.raises(HILError, match="no Pipeline.push_i16"):
        mp_hil.run_micropython_hil(art, stream=counts, samples="int16")


def test_samples_without_recording_is_refused(tmp_path, capsys):
    """--samples only means something with --recording (as for the C firmware): exit 2, one line."""
    pipe, _ = q15_stream_pipeline(2)
    art = artifact.save(pipe, tmp_path / "art")
    rc = main(["hil", str(art), "--board", "esp32", "--lang", "micropython", "--samples", "int16"])
    err = capsys.readouterr().err
    assert rc == 2 and "--samples chooses how a --recording is streamed" in err
