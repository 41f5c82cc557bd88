"""sensorflow run ARTIFACT --input FILE | --port PORT: stream a recording (WAV, CSV, NPY) or a
live serial sensor through a trained pipeline and print what it detects, with timestamps.

A serial sensor prints one line per sample: the channel values separated by commas (or
spaces/tabs), as common sensor sketches do (``Serial.println(ax + "," + ay ...)``). Lines that
are not numbers or have the wrong count (boot messages, a header, a garbled line) are
skipped and counted. Raw values are multiplied by ``sensor.scale``. The port is opened with
pyserial's ``serial_for_url``, so ``socket://host:port`` and ``loop://`` work too.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import artifact
from ..errors import ConfigError, DataError
from ..pipeline import Pipeline
from ..windowing import PAD_DESCRIPTION

_SEP = re.compile(r"[,;\s]+")


def add_arguments(p):
    p.add_argument("artifact", metavar="ARTIFACT", help="trained artifact directory")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", metavar="FILE", help="recording: .wav, .csv or .npy")
    src.add_argument("--port", metavar="PORT", help="serial port (/dev/ttyACM0, COM3, socket://host:port, loop://)")
    p.add_argument("--baud", type=int, default=115200, help="serial baud rate (default 115200)")
    p.add_argument("--max-samples", type=int, metavar="N", help="stop after N samples")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds of samples")
    p.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="serial: stop when nothing arrives for S seconds (default 5)",
    )
    p.add_argument("--all-windows", action="store_true", help="print every window, not only events")


# ---------------------------------------------------------------------- sources
def read_recording(path: str, pipe: Pipeline) -> np.ndarray:
    """A whole recording as ``(n_samples, n_channels)`` float32 physical units."""
    sensor = pipe.config.sensor
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    suffix = p.suffix.lower()
    n_ch = len(sensor.channels)
    if suffix == ".wav":
        from ..datasets.wav import read_wav

        return _finite(p, read_wav(p, sensor.sample_rate, n_ch, sensor.scale)[0], sensor.channels)
    if suffix == ".npy":
        from ..npyfile import NpyError, read_npy

        try:
            data = read_npy(p)
        except NpyError as exc:
            raise DataError(f"{p}: not a plain numeric .npy array ({exc})") from None
        if data.ndim == 1 and n_ch == 1:
            data = data[:, None]
        if data.ndim != 2 or data.shape[1] != n_ch or data.dtype.kind not in "fiu":
            raise DataError(
                f"{p}: expected a numeric array of shape (n_samples, {n_ch}), got {data.dtype} {data.shape}"
            )
        return _finite(p, (data * sensor.scale).astype(np.float32), sensor.channels)
    if suffix == ".csv":
        from ..datasets.tables import read_csv_table

        header, rows, first = read_csv_table(p)
        if all(_is_number(h) for h in header):  # no header row
            rows, first, cols = [header] + rows, first - 1, list(range(n_ch))
        else:
            missing = [c for c in sensor.channels if c not in header]
            if missing:
                raise DataError(
                    f"{p}: no column '{missing[0]}' (columns: {', '.join(header)}); name the columns as sensor.channels"
                )
            cols = [header.index(c) for c in sensor.channels]
        out = np.empty((len(rows), n_ch))
        for i, row in enumerate(rows):
            try:
                out[i] = [float(row[c]) for c in cols]
            except (ValueError, IndexError):
                raise DataError(f"{p}:{first + i}: expected {n_ch} numbers") from None
        return _finite(p, (out * sensor.scale).astype(np.float32), sensor.channels, first)
    raise DataError(f"{p}: cannot read '{suffix}' recordings; use .wav, .csv or .npy")


def _finite(p: Path, x: np.ndarray, channels, first_line: int | None = None) -> np.ndarray:
    """``x`` if every value is finite, else a DataError naming the first bad sample (or CSV line) and channel."""
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        i, c = (int(v) for v in bad[0])
        at = f"{p}:{first_line + i}" if first_line is not None else f"{p}: sample {i}"
        raise DataError(f"{at}: channel '{channels[c]}' is {x[i, c]}; clean or interpolate the recording first")
    return x


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def parse_line(line: bytes | str, n_channels: int) -> list[float] | None:
    """Channel values of one serial line, or None if it is not one sample. ``nan``/``inf`` are
    values (a sensor's way to say it has none): the windows holding them get no class."""
    if isinstance(line, bytes):
        line = line.decode("ascii", errors="replace")
    parts = [x for x in _SEP.split(line.strip()) if x]
    if len(parts) != n_channels:
        return None
    try:
        values = [float(x) for x in parts]
    except ValueError:
        return None
    return values


class SerialSamples:
    """Chunks of samples read from an open pyserial port (any object with ``readline``)."""

    def __init__(self, ser, n_channels: int, scale: float, chunk: int, max_samples: int | None, timeout_s: float):
        self.ser, self.n_channels, self.scale = ser, n_channels, scale
        self.chunk, self.max_samples, self.timeout_s = max(1, chunk), max_samples, timeout_s
        self.n_samples = 0
        self.skipped = 0
        self.closed: str | None = None  # why the port went away (unplugged, socket closed), if it did

    def __iter__(self) -> Iterator[np.ndarray]:
        import serial

        buf: list[list[float]] = []
        last = time.monotonic()
        while self.max_samples is None or self.n_samples < self.max_samples:
            try:
                line = self.ser.readline()
            except (serial.SerialException, OSError) as exc:
                self.closed = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                break
            if not line:
                if time.monotonic() - last >= self.timeout_s:
                    break
                continue
            last = time.monotonic()
            values = parse_line(line, self.n_channels)
            if values is None:
                self.skipped += 1
                continue
            buf.append(values)
            self.n_samples += 1
            if len(buf) >= self.chunk:
                yield np.asarray(buf, dtype=np.float64) * self.scale
                buf = []
        if buf:
            yield np.asarray(buf, dtype=np.float64) * self.scale


def open_port(port: str, baud: int):
    import serial

    try:
        return serial.serial_for_url(port, baudrate=baud, timeout=0.2)
    except (serial.SerialException, ValueError, OSError) as exc:
        raise DataError(
            f"{port}: cannot open serial port ({str(exc).splitlines()[0]}); check the name and that "
            "no other program (serial monitor) holds it"
        ) from None


# ---------------------------------------------------------------------- streaming
def valid_length_record(pipe: Pipeline, signal: np.ndarray, all_windows: bool, emit, source: str = "recording") -> dict:
    """``window.pad: valid``: the one window of a recording shorter than the window, its features
    over its own samples (``Pipeline.predict_proba([signal])``), emitted as ``stream_records``
    would (the post stages see this one window). Fewer samples than ``min_valid_length`` is a
    DataError (the device answers SF_ERR_ARG), not a window without a class."""
    lo = pipe.min_valid_length
    if len(signal) < lo:
        raise DataError(
            f"{source}: {len(signal)} samples, fewer than the {lo} that pipeline '{pipe.name}' computes its "
            "features over (window.pad: valid); give a longer recording or train with window.pad: resample, edge or zero"
        )
    if not pipe.answerable([signal])[0]:
        emit({"time": 0.0, "window": 0, "status": "nonfinite"})
        return {"n_windows": 1, "n_events": 0, "n_nonfinite": 1}
    scores = pipe.predict_proba([signal])
    post = scores
    for p in pipe.post_stages():
        _, post = p.process(p.init_state(), post)
    classes = [str(c) for c in pipe.classes_]
    has_post = bool(pipe.post_stages())
    fired = np.flatnonzero(np.asarray(post[0]) > 0) if has_post else []
    for c in fired:
        emit({"time": 0.0, "event": classes[c], "score": float(scores[0][c])})
    if all_windows or not has_post:
        k = int(np.argmax(scores[0]))
        emit({"time": 0.0, "window": 0, "label": classes[k], "score": float(scores[0][k])})
    return {"n_windows": 1, "n_events": len(fired), "n_nonfinite": 0}


def stream_records(pipe: Pipeline, chunks, all_windows: bool, emit) -> dict:
    """Feed chunks through the pipeline; call ``emit(record)`` per event (or per window). A window
    holding a NaN/Inf sample (a serial sensor may send ``nan``) has no class: its record is
    ``status: nonfinite``, as the device's SF_ERR_NONFINITE, and it is counted in ``n_nonfinite``."""
    classes = [str(c) for c in pipe.classes_]
    has_post = bool(pipe.post_stages())
    n_windows = n_events = n_nonfinite = 0
    for rec in pipe.stream(chunks):
        n_windows += 1
        if rec["status"] != "ok":
            n_nonfinite += 1
            if all_windows or not has_post:
                emit({"time": round(float(rec["time"]), 6), "window": int(rec["window"]), "status": rec["status"]})
            continue
        scores = np.asarray(rec["scores"], dtype=float)
        fired = np.flatnonzero(np.asarray(rec["post"]) > 0) if has_post else []
        for c in fired:
            n_events += 1
            emit({"time": round(float(rec["time"]), 6), "event": classes[c], "score": float(scores[c])})
        if all_windows or not has_post:
            k = int(np.argmax(scores))
            emit(
                {
                    "time": round(float(rec["time"]), 6),
                    "window": int(rec["window"]),
                    "label": classes[k],
                    "score": float(scores[k]),
                }
            )
    return {"n_windows": n_windows, "n_events": n_events, "n_nonfinite": n_nonfinite}


def check_options(args) -> None:
    """Numeric options: finite and positive (NaN, Inf, 0 or negative refused, exit 2)."""
    from .options import MAX_DURATION_S, MAX_TIMEOUT_S, finite_positive, positive_int

    positive_int("--max-samples", args.max_samples)
    positive_int("--baud", args.baud)
    finite_positive("--duration", args.duration, maximum=MAX_DURATION_S)
    finite_positive("--timeout", args.timeout, maximum=MAX_TIMEOUT_S)


def run(args, out) -> int:
    check_options(args)
    pipe, meta = artifact.load(args.artifact)
    sensor = pipe.config.sensor
    records: list[dict] = []

    def emit(rec):
        records.append(rec)
        if "event" in rec:
            out.print(f"{rec['time']:10.3f} s  EVENT {rec['event']}  (score {rec['score']:.3f})", flush=True)
        elif "status" in rec:
            out.print(f"{rec['time']:10.3f} s  no class: the window holds NaN or Inf", flush=True)
        else:
            out.print(f"{rec['time']:10.3f} s  {rec['label']}  {rec['score']:.3f}", flush=True)

    limit = args.max_samples
    if args.duration is not None:
        by_time = int(round(args.duration * sensor.sample_rate))
        if by_time < 1:  # as --max-samples 0: nothing would be read
            raise ConfigError(
                f"--duration {args.duration:g} s is less than one sample at {sensor.sample_rate:g} Hz; "
                f"give at least {1 / sensor.sample_rate:g} s"
            )
        limit = by_time if limit is None else min(limit, by_time)
    if args.input:
        signal = read_recording(args.input, pipe)
        if limit is not None:
            signal = signal[:limit]
        step = max(pipe.hop, int(sensor.sample_rate))  # about 1 s per chunk; output does not depend on it
        summary = stream_records(
            pipe, (signal[i : i + step] for i in range(0, len(signal), step)), args.all_windows, emit
        )
        if summary["n_windows"] == 0 and len(signal):
            # a recording shorter than one window: one window as training made it (window.pad)
            if pipe.pad == "valid":  # features over the recording's own samples, as the device's _infer_n
                summary = valid_length_record(pipe, signal, args.all_windows, emit, str(args.input))
            else:
                summary = stream_records(pipe, [pipe.to_window(signal)], args.all_windows, emit)
            summary["short_recording"] = pipe.pad
            out.note(
                f"{args.input}: {len(signal)} samples, fewer than one window of {pipe.window_length}: "
                f"{PAD_DESCRIPTION[pipe.pad]} (window.pad: {pipe.pad}), as in training"
            )
        summary["n_samples"] = int(len(signal))
        source = args.input
    else:
        ser = open_port(args.port, args.baud)
        try:
            samples = SerialSamples(ser, len(sensor.channels), sensor.scale, pipe.hop, limit, args.timeout)
            summary = stream_records(pipe, samples, args.all_windows, emit)
        finally:
            ser.close()
        summary["n_samples"] = samples.n_samples
        summary["skipped_lines"] = samples.skipped
        if samples.skipped:
            out.note(f"{args.port}: skipped {samples.skipped} line(s) that were not {len(sensor.channels)} numbers")
        source = args.port
    if summary["n_nonfinite"]:
        out.note(f"{source}: {summary['n_nonfinite']} window(s) held NaN or Inf samples and got no class")
    if summary["n_windows"] == 0:
        out.note(f"{source}: {summary['n_samples']} samples, fewer than one window of {pipe.window_length}")
    out.print(f"{source}: {summary['n_samples']} samples, {summary['n_windows']} windows, {summary['n_events']} events")
    out.set(pipeline=pipe.name, source=source, records=records, **summary)
    if args.port and samples.closed is not None:
        return port_closed(
            out, "run", f"port {args.port} closed ({samples.closed}); the summary above is what arrived before"
        )
    return 0


def port_closed(out, command: str, message: str) -> int:
    """A device that went away mid-run: the summary is already out (stdout, or the --json
    object); one line on stderr (or ``error`` in the JSON), exit 1."""
    if out.as_json:
        out.set(error=message, error_type="PortClosed")
    else:
        print(f"sensorflow {command}: error: {message}", file=sys.stderr)
    return 1
