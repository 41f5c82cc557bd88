"""``sensorflow hil --lang micropython --recording F.npy``: a continuous recording streamed over the
raw REPL through the module's ``Pipeline.push`` (float32) or ``Pipeline.push_i16`` (int16 counts),
every completed window compared with the host's window at the same place (as the C firmware's
stream mode). Before, ``--recording`` was silently ignored with ``--lang micropython`` and the
held-out windows were run instead. Each completed window carries the board's time.ticks_us of
every push since the previous one (as the C stream mode's count), and the report the device time
per second of audio."""

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
from sensorflow.hil import report
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


def _spy_records(monkeypatch) -> list:
    """Each stream run's (records, regression, pushed_us), as ``_stream_records`` returned them."""
    seen = []
    real = mp_hil._stream_records

    def spy(*args):
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(mp_hil, "_stream_records", spy)
    return seen


@pytest.mark.slow
def test_int16_and_float32_recordings_stream_through_push(q15_art, tmp_path, capsys, monkeypatch):
    """An int16 .npy goes through push_i16 (auto), a float .npy through push; every window agrees
    and has the board's push time; the time per second of audio is every push's time over 1.6 s."""
    need_tools("node")
    art, signal = q15_art
    counts = fixed.quantize(signal[:, 0], K)
    np.save(tmp_path / "counts.npy", counts)
    np.save(tmp_path / "floats.npy", counts.astype(np.float32) * np.float32(2.0**-K))
    seen = _spy_records(monkeypatch)
    for rec, how in (("counts.npy", "int16"), ("floats.npy", "float32")):
        rc, res = _hil(art, tmp_path / rec, capsys)
        assert rc == 0, res
        assert res["mode"] == "stream" and res["samples"] == how and res["lang"] == "micropython"
        assert res["passed"] and res["n"] == N_WINDOWS and res["agreement"] == 1.0, res
        assert res["max_abs_score_error"] < 1e-4, res
        records, _, pushed_us = seen[-1]
        times = [r["device_us"] for r in records]
        assert len(times) == N_WINDOWS and all(type(t) is int and t > 0 for t in times), times
        assert res["device_us_per_inference"] == np.median(times) and res["device_ns_per_inference"] > 0, res
        # the last window ends on the last sample, so no push comes after it: the windows hold every push
        assert pushed_us == sum(times), (pushed_us, times)
        per_s = res["device_us_per_second_of_audio"]
        assert per_s > 0 and per_s == pytest.approx(sum(times) / SECONDS, abs=0.05), res
        row = next(ln for ln in report.format_table(res).splitlines() if ln.startswith("device time / s of audio"))
        assert f"{per_s / 1e3:,.6g} ms" in row and "% of real time" in row, row


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
    seen = _spy_records(monkeypatch)
    tail = Q15_HOP // 2  # samples after the last window: pushed and timed, in no window
    res = mp_hil.run_micropython_hil(art, stream=signal[: Q15_LENGTH + 2 * Q15_HOP + tail], samples="float32")
    assert res["n"] == 3 and not res["passed"] and res["disagreements"] == [0, 1, 2], res
    records, _, pushed_us = seen[-1]
    assert pushed_us >= sum(r["device_us"] for r in records) > 0, (pushed_us, records)
    seconds = (Q15_LENGTH + 2 * Q15_HOP + tail) / 8000
    assert res["device_us_per_second_of_audio"] == pytest.approx(pushed_us / seconds, abs=0.05), res


def test_push_lines_are_parsed():
    """The board's line per completed window (recorded from the emulated board): index, label,
    base64 scores or '-' (NONFINITE), microseconds; the line without the time is refused."""
    assert mp_hil._parse_push_line("0 0 +e0yPw0kmj4= 43000", "P") == (0, 0, "+e0yPw0kmj4=", 43000)
    assert mp_hil._parse_push_line("5 -6 - 31000", "P") == (5, -6, "-", 31000)
    for bad in ("0 0 +e0yPw0kmj4=", "0 0 +e0yPw0kmj4= 4.3", "Traceback (most recent call last):"):
        with pytest.raises(HILError, match="expected 'index label scores microseconds'"):
            mp_hil._parse_push_line(bad, "P")


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
