"""Issue 29 item 4: hostile input to the CLI ends with exit 1 or 2 and one line, never a
traceback: damaged WAV headers, NaN/Inf and negative numbers in options, unreadable arrays,
empty files, folders where files go."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from relhelp import cli, one_line_error, saved

from sensorflow.datasets.wav import read_wav
from sensorflow.errors import DataError


def _wav(fmt: bytes | None, data: bytes = b"\0\0" * 8, fmt_first: bool = True) -> bytes:
    chunks = []
    if fmt is not None:
        chunks.append(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
    data_chunk = b"data" + struct.pack("<I", len(data)) + data
    chunks = chunks + [data_chunk] if fmt_first else [data_chunk] + chunks
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


PCM16 = struct.pack("<HHIIHH", 1, 1, 100, 200, 2, 16)
BAD_WAVS = {
    "data_before_fmt": _wav(PCM16, fmt_first=False),
    "no_fmt": _wav(None),
    "zero_channels": _wav(struct.pack("<HHIIHH", 1, 0, 100, 0, 0, 16)),
    "zero_bits": _wav(struct.pack("<HHIIHH", 1, 1, 100, 0, 0, 0)),
    "odd_bits": _wav(struct.pack("<HHIIHH", 1, 1, 100, 200, 2, 13)),
    "unknown_format": _wav(struct.pack("<HHIIHH", 99, 1, 100, 200, 2, 16)),
    "short_fmt": _wav(b"\x01\x00"),
    "huge_data_size": _wav(PCM16)[:-20] + b"data" + struct.pack("<I", 2**31) + b"\0" * 12,
    "riff_only": b"RIFF\0\0\0\0WAVE",
    "empty": b"",
    "text": b"hello, world\n",
    "zero_rate": _wav(struct.pack("<HHIIHH", 1, 1, 0, 0, 2, 16)),
}


@pytest.mark.parametrize("name", sorted(BAD_WAVS))
def test_read_wav_damaged_header_is_a_data_error(tmp_path, name):
    p = tmp_path / f"{name}.wav"
    p.write_bytes(BAD_WAVS[name])
    try:
        signal, rate = read_wav(p)
    except DataError as exc:
        assert str(exc).startswith(str(p)) and len(str(exc).splitlines()) == 1
    else:  # scipy read it: then it is a sane array
        assert signal.ndim == 2 and signal.dtype == np.float32 and rate > 0


@pytest.fixture(scope="module")
def art(tmp_path_factory):
    return saved(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", sorted(BAD_WAVS))
def test_run_on_a_damaged_wav(tmp_path, capsys, art, name):
    p = tmp_path / "rec.wav"
    p.write_bytes(BAD_WAVS[name])
    rc, err, _ = cli(capsys, "run", art, "--input", p)
    if rc != 0:
        one_line_error(rc, err)


@pytest.mark.parametrize(
    "option",
    [
        ["--duration", "nan"],
        ["--duration", "inf"],
        ["--duration", "-1"],
        ["--duration", "0.001"],  # less than one sample at 100 Hz: read nothing and exited 0
        ["--duration", "1e308"],  # was a traceback (OverflowError: float infinity to integer)
        ["--timeout", "1e308"],
        ["--timeout", "nan"],
        ["--timeout=-inf"],
        ["--timeout", "0"],
        ["--max-samples", "-5"],
        ["--max-samples", "0"],
        ["--baud", "-9600"],
    ],
)
def test_run_numeric_options_refused(tmp_path, capsys, art, option):
    np.save(tmp_path / "r.npy", np.zeros((100, 2), np.float32))
    rc, err, _ = cli(capsys, "run", art, "--input", tmp_path / "r.npy", *option)
    assert option[0].split("=")[0] in one_line_error(rc, err, codes=(2,))


@pytest.mark.parametrize(
    "option",
    [
        ["--timeout", "nan"],
        ["--timeout", "inf"],
        ["--timeout", "1e308"],  # was a traceback (OverflowError: timestamp out of range for platform time_t)
        ["--boot-timeout", "1e308"],
        ["--boot-timeout", "nan"],
        ["--limit", "-3"],
    ],
)
def test_hil_numeric_options_refused(capsys, art, option):
    rc, err, _ = cli(capsys, "hil", art, "--board", "host", *option)
    assert option[0] in one_line_error(rc, err, codes=(2,))


RECORDINGS = {
    "r.npy": b"",
    "truncated.npy": None,  # filled below
    "object.npy": None,
    "text.npy": b"not an array",
    "huge_header.npy": None,
}


def _recording(tmp_path, name) -> object:
    p = tmp_path / name
    if name == "truncated.npy":
        np.save(p, np.zeros((100, 2), np.float32))
        p.write_bytes(p.read_bytes()[:-10])
    elif name == "object.npy":
        np.save(p, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    elif name == "huge_header.npy":
        np.save(p, np.zeros((2, 2), np.float32))
        p.write_bytes(p.read_bytes().replace(b"(2, 2)", b"(10**12, 2)".replace(b"10**12", b"999999999999"), 1))
    elif name == "folder.npy":
        p.mkdir()
    elif name == "strings.npy":
        np.save(p, np.array([["a", "b"]] * 50))
    elif name == "nan.npy":
        np.save(p, np.full((100, 2), np.nan, np.float32))
    elif name == "three_d.npy":
        np.save(p, np.zeros((4, 100, 2), np.float32))
    else:
        p.write_bytes(RECORDINGS.get(name) or b"")
    return p


HOSTILE_NPY = ["r.npy", "truncated.npy", "object.npy", "text.npy", "huge_header.npy", "folder.npy", "strings.npy"]


@pytest.mark.parametrize("name", HOSTILE_NPY + ["nan.npy", "three_d.npy"])
def test_run_on_a_hostile_npy(tmp_path, capsys, art, name):
    rc, err, _ = cli(capsys, "run", art, "--input", _recording(tmp_path, name))
    one_line_error(rc, err, codes=(2,))


@pytest.mark.parametrize("name", HOSTILE_NPY + ["nan.npy", "three_d.npy"])
def test_hil_recording_guarded(tmp_path, capsys, art, name):
    """``hil --recording`` reads the file before any board is opened (--port with --no-flash)."""
    p = _recording(tmp_path, name)
    rc, err, _ = cli(capsys, "hil", art, "--board", "host", "--port", "loop://", "--no-flash", "--recording", p)
    assert str(p) in one_line_error(rc, err, codes=(2,))


@pytest.mark.parametrize("name", HOSTILE_NPY)
def test_hil_windows_guarded(tmp_path, capsys, art, name):
    p = _recording(tmp_path, name)
    rc, err, _ = cli(capsys, "hil", art, "--board", "host", "--port", "loop://", "--no-flash", "--windows", p)
    assert str(p) in one_line_error(rc, err, codes=(2,))


@pytest.mark.parametrize(
    "content",
    [b"", b"a,b\n", b"a,b\nx,y\n", b"a,b\n1,nan\n", b"a,b\n1\n", b"\xff\xfe\x00garbage", b"1,2\n" * 3],
)
def test_run_on_a_hostile_csv(tmp_path, capsys, art, content):
    p = tmp_path / "r.csv"
    p.write_bytes(content)
    rc, err, _ = cli(capsys, "run", art, "--input", p)
    if rc != 0:
        one_line_error(rc, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{tmp}"],
        ["validate", "{tmp}/empty.yaml"],
        ["validate", "{tmp}/binary.yaml"],
        ["eval", "{tmp}/empty.yaml"],
        ["eval", "{tmp}"],
        ["export", "{tmp}", "--board", "host"],
        ["export", "{art}", "--board", "/dev/zero", "--out", "{tmp}/x"],
        ["export", "{art}", "--board", "{tmp}/binary.yaml", "--out", "{tmp}/x"],
        ["run", "{art}", "--input", "{tmp}"],
        ["run", "{art}", "--input", "/dev/zero"],
        ["eval", "{art}", "--data", "{tmp}/empty.npz"],
        ["eval", "{art}", "--data", "{tmp}/bad.npz"],
        ["eval", "{art}", "--data", "{tmp}/strings.npz"],
        ["train", "{tmp}/binary.yaml"],
        ["features", "{tmp}/empty.yaml", "--out", "{tmp}/f.npz"],
    ],
)
def test_hostile_paths(tmp_path, capsys, art, argv):
    (tmp_path / "empty.yaml").write_bytes(b"")
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)))
    (tmp_path / "empty.npz").write_bytes(b"")
    np.savez(tmp_path / "bad.npz", X=np.zeros((3, 32)), y=np.zeros((3, 2)))
    np.savez(tmp_path / "strings.npz", X=np.array([["a"] * 32] * 3), y=np.array(["a", "b", "c"]))
    args = [a.format(tmp=tmp_path, art=art) for a in argv]
    rc, err, dt = cli(capsys, *args)
    one_line_error(rc, err)
    assert dt < 30


WRONG_WINDOWS = {"short": (3, 31, 2), "long": (3, 33, 2), "channels": (3, 32, 3), "flat": (3, 32)}


@pytest.mark.parametrize("name", sorted(WRONG_WINDOWS))
def test_hil_windows_of_another_shape_are_refused(tmp_path, capsys, art, name):
    """Windows not of the pipeline's (length, channels) used to go to the board: 'refused load:
    offset out of range' (exit 1) or, shorter ones, a board that 'disagrees with the host'."""
    p = tmp_path / f"{name}.npy"
    np.save(p, np.zeros(WRONG_WINDOWS[name], np.float32))
    rc, err, _ = cli(capsys, "hil", art, "--board", "host", "--port", "loop://", "--no-flash", "--windows", p)
    line = one_line_error(rc, err, codes=(2,))
    assert str(p) in line and "(32, 2)" in line


WRONG_RECORDINGS = {"one_sample": (1, 2), "shorter_than_a_window": (31, 2), "channels": (100, 3), "mono": (100,)}


@pytest.mark.parametrize("name", sorted(WRONG_RECORDINGS))
def test_hil_recording_of_another_shape_is_refused(tmp_path, capsys, art, name):
    """A recording shorter than one window used to end in a traceback (ValueError in
    host_answers); one of other channels in 'refused push: bad length' (exit 1)."""
    p = tmp_path / f"{name}.npy"
    np.save(p, np.ones(WRONG_RECORDINGS[name], np.float32))
    rc, err, _ = cli(capsys, "hil", art, "--board", "host", "--port", "loop://", "--no-flash", "--recording", p)
    assert str(p) in one_line_error(rc, err, codes=(2,))


NOT_COUNTS = {  # --samples int16 takes whole numbers from -32768 to 32767 only, never rounded
    "fraction": (np.float32, 0.5, "0.5"),
    "above": (np.float64, 32768.0, "32768.0"),
    "below": (np.int32, -32769, "-32769"),
    "wide_int": (np.int64, 70000, "70000"),
}


@pytest.mark.parametrize("name", sorted(NOT_COUNTS))
def test_hil_int16_samples_refuse_non_counts(tmp_path, capsys, art, name):
    """``hil --samples int16`` on a recording that is not int16 counts: one line naming the file,
    the sample and its channel, before any board is opened."""
    dtype, value, shown = NOT_COUNTS[name]
    rec = np.zeros((100, 2), dtype)
    rec[37, 1] = value
    p = tmp_path / f"{name}.npy"
    np.save(p, rec)
    argv = ["hil", art, "--board", "host", "--port", "loop://", "--no-flash", "--recording", p]
    rc, err, _ = cli(capsys, *argv, "--samples", "int16")
    line = one_line_error(rc, err, codes=(2,))
    assert str(p) in line and f"sample 37 (channel 1) is {shown}" in line and "--samples float32" in line


def test_hil_samples_without_a_recording(capsys, art):
    rc, err, _ = cli(capsys, "hil", art, "--board", "host", "--port", "loop://", "--no-flash", "--samples", "int16")
    assert "--recording" in one_line_error(rc, err, codes=(2,))


def test_hil_int16_samples_for_a_float_export(tmp_path, capsys, art):
    """An export without sf_model_push_i16 (this artifact's stats + tree) asked for int16: one
    line naming the export, exit 2, before the firmware is built."""
    rec = tmp_path / "counts.npy"
    np.save(rec, np.zeros((100, 2), np.int16))
    exp = tmp_path / "exp"
    assert cli(capsys, "export", art, "--board", "host", "--out", exp, "--prefix", "sf_model", "--no-measure")[0] == 0
    argv = ["hil", art, "--board", "host", "--export-dir", exp, "--recording", rec, "--samples", "int16"]
    line = one_line_error(*cli(capsys, *argv)[:2], codes=(2,))
    assert str(exp) in line and "no sf_model_push_i16" in line and "--samples float32" in line


@pytest.mark.parametrize(
    "option",
    [
        ["--flash-kb", "1e308"],  # was a traceback (OverflowError: float infinity to integer)
        ["--flash-kb", "nan"],
        ["--ram-kb", "-1"],
        ["--max-instructions", "inf"],
        ["--time-budget", "nan"],
        ["--trials", "0"],
        ["--batch", "0"],
        ["--workers", "100000"],  # would start that many local processes
    ],
)
def test_tune_numeric_options_refused(tmp_path, capsys, option):
    """Checked before the pipeline is read or any cluster started."""
    rc, err, _ = cli(capsys, "tune", tmp_path / "p.yaml", "--board", "host", *option)
    assert option[0] in one_line_error(rc, err, codes=(2,))
