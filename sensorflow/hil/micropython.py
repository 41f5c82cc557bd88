"""HIL for MicroPython boards over the raw REPL (the protocol mpremote uses).

The host copies the exported module to the board (files written in chunks through the raw
REPL, as ``mpremote fs cp`` does), imports it, streams windows (base64 float32) and reads
labels, scores and features back, then compares with the host pipeline. It talks to any
pyserial URL: an ESP32 on ``/dev/ttyUSB0``, or the emulated MicroPython board
(``sensorflow.mpy.board``, the WebAssembly MicroPython on a pseudo-terminal) when no port
is given.

Entry point for ``sensorflow hil ARTIFACT --board esp32 --lang micropython [--port P]``::

    run_micropython_hil(artifact_dir, *, port=None, board="esp32", baudrate=115200,
                        windows=None, max_windows=None, use_mpy=False, export_dir=None,
                        tolerance=None, timeout=10.0, batch=8, progress=None,
                        stream=None, samples="float32") -> dict

``port=None`` starts an emulated MicroPython board. ``windows`` defaults to the artifact's
held-out windows (``test_windows.npy``); ``stream`` (``--recording``) pushes a recording through
``Pipeline.push`` / ``push_i16`` instead and compares every completed window (``mode: stream``). The returned dict has the keys of
``sensorflow.hil.report.to_dict`` that apply (``board``, ``port``, ``n``, ``agreement``,
``passed``, ``disagreements``, ``out_of_tolerance``, ``max_abs_score_error``,
``max_abs_feature_error``, ``latency_ms_median``, ``ping_ms``, ..., so
``report.format_table`` prints it; ``counter_unit`` is ``"ns"`` with
``device_ns_per_inference`` from time.ticks_us on the board: MicroPython has no
instruction counter; in stream mode the median over windows of every push's time since the
previous completed window, as the C stream mode counts; state/RAM/flash bytes are the export
estimate) plus ``lang``, ``upload_seconds`` and ``heap_bytes`` (gc.mem_alloc growth of
Pipeline()), and in stream mode ``device_us_per_second_of_audio`` (every push's time over the
recording's duration at the pipeline's sample rate: under 1e6 the board keeps up in real time).
"""

from __future__ import annotations

import base64
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from ..errors import HILError, HILTimeout
from .runner import NONFINITE, NONFINITE_LABEL, Tolerance, compare_answer, host_answers, value_scale

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
CHUNK = 256  # bytes of file data per raw-REPL command (as mpremote)
PASTE_TIMEOUT = 2.0


class RemoteError(HILError):
    """Code raised an exception on the board; ``traceback`` is the board's text."""

    def __init__(self, port: str, traceback: str):
        lines = [ln for ln in traceback.strip().splitlines() if ln.strip()]
        super().__init__(f"board on {port} raised {lines[-1] if lines else 'an error'}")
        self.traceback = traceback


class RawRepl:
    """The raw REPL of a MicroPython board: Ctrl-A enter, code, Ctrl-D run -> ``OK`` output
    ``\\x04`` error ``\\x04`` ``>``; raw-paste mode (Ctrl-E A Ctrl-A) when the board offers it."""

    def __init__(self, url: str, baudrate: int = 115200, timeout: float = 10.0):
        import serial

        self.url = url
        self.timeout = timeout
        try:
            self.ser = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
        except (serial.SerialException, OSError) as exc:
            raise HILError(f"cannot open {url}: {exc}; check the port name and that no other program uses it") from None
        self.use_raw_paste = True
        self._buf = b""

    def close(self) -> None:
        try:
            self.ser.close()
        except Exception:
            pass

    # ------------------------------------------------------------------ bytes
    def _read_until(self, ending: bytes, timeout: float | None = None, what: str = "") -> bytes:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while ending not in self._buf:
            if time.monotonic() > deadline:
                seen = self._buf[-80:]
                raise HILTimeout(
                    f"board on {self.url} did not answer {what or repr(ending)} in time "
                    f"(last bytes {seen!r}); is it a MicroPython board, and is the baud rate right?"
                )
            data = self.ser.read(max(1, self.ser.in_waiting))
            self._buf += data
        i = self._buf.index(ending) + len(ending)
        out, self._buf = self._buf[:i], self._buf[i:]
        return out

    def _read_exact(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self._buf) < n:
            if time.monotonic() > deadline:
                raise HILTimeout(f"board on {self.url} stopped answering (raw-paste handshake)")
            self._buf += self.ser.read(max(1, self.ser.in_waiting))
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _drain(self, quiet: float = 0.1) -> None:
        end = time.monotonic() + quiet
        while time.monotonic() < end:
            if self.ser.read(max(1, self.ser.in_waiting)):
                end = time.monotonic() + quiet
        self._buf = b""

    # ------------------------------------------------------------------ modes
    def enter_raw(self, soft_reset: bool = True) -> None:
        """Interrupt any running program, enter the raw REPL, optionally soft-reset (fresh heap)."""
        for attempt in range(2):  # a board that resets when the port opens may miss the first try
            self.ser.write(b"\r\x03\x03")
            self._drain()
            self.ser.write(b"\r\x01")
            try:
                self._read_until(
                    RAW_BANNER + b">", timeout=self.timeout / 2 if attempt == 0 else None, what="the raw REPL banner"
                )
                break
            except HILTimeout:
                if attempt:
                    raise
        if soft_reset:
            self.ser.write(b"\x04")
            self._read_until(b"soft reboot\r\n", what="'soft reboot'")
            self._read_until(RAW_BANNER + b">", what="the raw REPL banner after a soft reboot")

    def exit_raw(self) -> None:
        self.ser.write(b"\r\x02")

    # ------------------------------------------------------------------ execution
    def _paste(self, code: bytes) -> bool:
        """Send with raw-paste flow control; False if the board lacks raw-paste mode."""
        self.ser.write(b"\x05A\x01")
        head = self._read_exact(2, PASTE_TIMEOUT)
        if head == b"R\x00":
            return False
        if head != b"R\x01":
            # an old firmware treats Ctrl-E as text: recover the raw prompt
            self._read_until(RAW_BANNER + b">", timeout=PASTE_TIMEOUT, what="the raw REPL prompt")
            return False
        window = int.from_bytes(self._read_exact(2, PASTE_TIMEOUT), "little")
        remain = window
        i = 0
        while i < len(code):
            while remain == 0 or self.ser.in_waiting or self._buf:
                b = self._read_exact(1, self.timeout)
                if b == b"\x01":
                    remain += window
                elif b == b"\x04":
                    self.ser.write(b"\x04")
                    raise HILError(f"board on {self.url} ended the raw-paste transfer early")
                else:
                    raise HILError(f"board on {self.url}: unexpected byte {b!r} during raw-paste transfer")
            part = code[i : i + remain]
            self.ser.write(part)
            remain -= len(part)
            i += len(part)
        self.ser.write(b"\x04")
        self._read_until(b"\x04", what="the end of the raw-paste transfer")
        return True

    def exec_(self, code: str | bytes, timeout: float | None = None) -> str:
        """Run code; return its output text; raise RemoteError with the board's traceback."""
        data = code.encode() if isinstance(code, str) else code
        pasted = False
        if self.use_raw_paste:
            pasted = self._paste(data)
            self.use_raw_paste = pasted
        if not pasted:
            for i in range(0, len(data), 256):
                self.ser.write(data[i : i + 256])
                time.sleep(0.005)
            self.ser.write(b"\x04")
            ok = self._read_exact(2, self.timeout)
            if ok != b"OK":
                raise HILError(
                    f"board on {self.url} refused the command (answered {ok!r}); reset the board and try again"
                )
        out = self._read_until(b"\x04", timeout, what="the program output")[:-1]
        err = self._read_until(b"\x04", timeout, what="the error output")[:-1]
        self._read_until(b">", timeout, what="the raw REPL prompt")
        if err:
            raise RemoteError(self.url, err.decode(errors="replace").replace("\r\n", "\n"))
        return out.decode(errors="replace").replace("\r\n", "\n")

    def put_file(self, name: str, data: bytes) -> None:
        """Write a file on the board in chunks (``mpremote fs cp``)."""
        self.exec_(f"f=open({name!r},'wb')\nw=f.write")
        for i in range(0, len(data), CHUNK):
            self.exec_(f"w({data[i : i + CHUNK]!r})")
        self.exec_("f.close()")
        size = int(self.exec_(f"import os\nprint(os.stat({name!r})[6])").strip())
        if size != len(data):
            raise HILError(f"board on {self.url}: {name} has {size} bytes after the copy, expected {len(data)}")


# ---------------------------------------------------------------------- the run
_SETUP = """
import gc, time, binascii, sys
from array import array
for _m in ({modules}):
    if _m in sys.modules:
        del sys.modules[_m]
import {module} as _sf
gc.collect()
_m0 = gc.mem_alloc()
_p = _sf.Pipeline()
gc.collect()
print(_sf.WINDOW_LENGTH, _sf.N_CHANNELS, _sf.N_FEATURES, _sf.N_CLASSES, _sf.PIPELINE_HASH, gc.mem_alloc() - _m0)
def _run(s):
    w = array('f', binascii.a2b_base64(s))
    t0 = time.ticks_us()
    lab = {infer}[0]
    dt = time.ticks_diff(time.ticks_us(), t0)
    print(lab, dt, binascii.b2a_base64(bytes(_p.feat)).strip().decode(), binascii.b2a_base64(bytes(_p.scores)).strip().decode())
_acc = 0
def _push(s, typ):
    global _acc
    x = array(typ, binascii.a2b_base64(s))
    t0 = time.ticks_us()
    out = list(_p.push_i16(x) if typ == 'h' else _p.push(x))
    dt = time.ticks_diff(time.ticks_us(), t0)
    _acc += dt
    for i, lab, sc, _post in out:
        print(i, lab, '-' if sc is None else binascii.b2a_base64(bytes(sc)).strip().decode(), _acc)
        _acc = 0
print(getattr(_sf, 'I16_SCALE', 0))
"""


def _module_files(export_dir: Path, use_mpy: bool) -> dict[str, bytes]:
    ext = ".mpy" if use_mpy else ".py"
    files = {p.name: p.read_bytes() for p in sorted(export_dir.glob(f"*{ext}"))}
    if not files:
        raise HILError(f"{export_dir} holds no {ext} files; export with --lang micropython first")
    return files


def run_micropython_hil(
    artifact_dir,
    *,
    port: str | None = None,
    board: str = "esp32",
    baudrate: int = 115200,
    windows=None,
    max_windows: int | None = None,
    use_mpy: bool = False,
    export_dir=None,
    tolerance: Tolerance | None = None,
    timeout: float = 10.0,
    batch: int = 8,
    progress=None,
    n_valid=None,
    stream=None,
    samples: str = "float32",
) -> dict:
    """Held-out windows through ``Pipeline.infer`` (default), or with ``stream`` (an array
    ``(n_samples, channels)``) a continuous recording through ``Pipeline.push`` (``samples``
    ``float32``) or ``Pipeline.push_i16`` (``int16``: an int16 array of counts; the host runs on
    ``counts * I16_SCALE``, which ``push_i16`` equals bit for bit; ``auto``: int16 when ``stream``
    is int16 and the module has ``push_i16``), every completed window compared with the host's
    window at the same place, as ``runner.run_stream`` does for the C firmware."""
    from .. import artifact
    from ..codegen.micropython import export
    from ..device import boards

    pipeline, meta = artifact.load(artifact_dir)
    if stream is None:
        windows, n_valid = _held_out_windows(pipeline, artifact_dir, windows, max_windows, n_valid)
    elif samples not in ("auto", "float32", "int16"):
        raise ValueError(f"samples must be 'auto', 'float32' or 'int16', got {samples!r}")
    tol = tolerance or Tolerance()
    classes = [str(c) for c in pipeline.classes_]

    tmp = None
    if export_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="sf-mp-hil-")
        export_dir = Path(tmp.name)
        export(pipeline, meta, boards.get(board), export_dir, mpy=use_mpy)
    export_dir = Path(export_dir)
    report_path = export_dir / "export_report.json"
    exported = json.loads(report_path.read_text()) if report_path.exists() else {}
    prefix = exported.get("prefix", "sf_model")
    files = _module_files(export_dir, use_mpy)

    emulated = None
    if port is None:
        from ..mpy.board import EmulatedMicroPythonBoard

        emulated = EmulatedMicroPythonBoard()
        port = emulated.start()
    repl = None
    try:
        repl = RawRepl(port, baudrate=baudrate, timeout=timeout)
        t0 = time.perf_counter()
        repl.enter_raw(soft_reset=True)
        boot = time.perf_counter() - t0
        t0 = time.perf_counter()
        # a foo.py on the board would shadow the foo.mpy we copy (and an old foo.mpy is stale)
        other = ".py" if use_mpy else ".mpy"
        stale = ", ".join(repr(Path(n).stem + other) for n in files)
        repl.exec_(
            f"import os\nfor _n in ({stale},):\n    try:\n        os.remove(_n)\n    except OSError:\n        pass"
        )
        for name, data in files.items():
            repl.put_file(name, data)
            if progress:
                progress(f"copied {name} ({len(data)} bytes) to {port}")
        upload = time.perf_counter() - t0
        mods = ", ".join(repr(Path(n).stem) for n in files) + ","
        infer = "_p.infer(w, len(w) // _sf.N_CHANNELS)" if n_valid is not None else "_p.infer(w)"
        setup = _SETUP.format(module=prefix, modules=mods, infer=infer)
        head = repl.exec_(setup, timeout=max(timeout, 30.0)).split()
        pings = []
        for _ in range(5):
            t0 = time.perf_counter()
            repl.exec_("pass")
            pings.append(time.perf_counter() - t0)
        L, C, nf, nc, heap = (int(v) for v in (head[0], head[1], head[2], head[3], head[5]))
        board_hash = head[4]
        want_hash = str(meta.get("content_hash") or "0" * 16)[:16]
        if (L, C, nc) != (pipeline.window_length, pipeline.input_spec.n_channels, len(classes)):
            raise HILError(
                f"module on {port} has window {L}x{C} and {nc} classes, the artifact "
                f"{pipeline.window_length}x{pipeline.input_spec.n_channels} and {len(classes)}"
            )
        if board_hash != want_hash:
            raise HILError(f"module on {port} is pipeline {board_hash}, the artifact is {want_hash}; copy failed?")
        pushed_us = seconds = None  # stream mode: device time of every push, the recording's duration
        if stream is None:
            records, regression = _window_records(repl, pipeline, windows, n_valid, tol, batch, timeout, port, progress)
        else:
            i16_scale = float(head[6])
            if samples == "auto":  # int16 counts when the recording holds them and the module takes them
                samples = "int16" if np.asarray(stream).dtype == np.int16 and i16_scale else "float32"
            if samples == "int16" and not i16_scale:
                raise HILError(
                    f"module on {port} has no Pipeline.push_i16 (only a pipeline whose first stage is a streaming "
                    "q15 log_mel/mfcc has one); stream float32 samples instead"
                )
            records, regression, pushed_us = _stream_records(
                repl, pipeline, stream, samples, i16_scale, tol, batch, timeout, port, progress
            )
            rate = pipeline.input_spec.sample_rate
            seconds = len(stream) / rate if rate else None
        raw_paste = repl.use_raw_paste
        repl.exit_raw()
    finally:
        if repl is not None:
            repl.close()
        if emulated is not None:
            emulated.stop()
        if tmp is not None:
            tmp.cleanup()
    n = len(records)
    agreement = float(np.mean([r["agree"] for r in records])) if records else 0.0
    device_us = [r["device_us"] for r in records if r["device_us"] is not None]
    return {
        "board": board if emulated is None else f"{board} (emulated MicroPython)",
        "lang": "micropython",
        "port": port,
        "mode": "windows" if stream is None else "stream",
        **({"samples": samples} if stream is not None else {}),
        "n": n,
        "agreement": agreement,
        "value_rtol": tol.value_rtol if regression else None,
        "passed": bool(records) and all(r["agree"] and r["ok"] for r in records),
        "disagreements": [r["index"] for r in records if not r["agree"]],
        "out_of_tolerance": [r["index"] for r in records if not r["ok"]],
        "max_abs_score_error": max((r["score_error"] for r in records), default=None),
        "max_abs_feature_error": (max((r["feature_error"] for r in records), default=None) if stream is None else None),
        "counter_unit": "ns",
        "instructions_per_inference": None,
        "instructions_features": None,
        "instructions_classify": None,
        "cycles_per_inference": None,
        "device_ns_per_inference": 1000.0 * statistics.median(device_us) if device_us else None,
        "device_us_per_inference": statistics.median(device_us) if device_us else None,
        **({"device_us_per_second_of_audio": _per_second(pushed_us, seconds)} if stream is not None else {}),
        "latency_ms_median": round(1e3 * statistics.median(r["latency_s"] for r in records), 3) if records else None,
        "ping_ms": round(1e3 * statistics.median(pings), 3),
        "stack_high_water_bytes": None,
        "stack_size_bytes": None,
        "state_bytes": exported.get("state_bytes"),
        "ram_bytes": exported.get("ram_bytes"),
        "flash_bytes": exported.get("flash_bytes"),
        "boot_ms": round(1e3 * boot, 3),
        "upload_seconds": round(upload, 3),
        "heap_bytes": int(heap),
        "pipeline_hash": board_hash,
        "firmware": "MicroPython raw REPL" + (" (raw-paste)" if raw_paste else ""),
        "resets": 0,
        "retries": 0,
        "bad_frames": 0,
    }


def _per_second(pushed_us: int, seconds: float | None) -> float | None:
    """Device microseconds per second of audio: the time of every push over the recording's
    duration (below 1e6 the board keeps up in real time, ignoring the serial link)."""
    return round(pushed_us / seconds, 1) if seconds else None


def _held_out_windows(pipeline, artifact_dir, windows, max_windows, n_valid):
    """The windows to infer (default: the artifact's held-out set, with its valid lengths for
    ``window.pad: valid``), checked and cut to ``max_windows``."""
    if windows is None:
        path = Path(artifact_dir) / "test_windows.npy"
        if not path.exists():
            raise HILError(f"{artifact_dir} has no held-out windows (test_windows.npy); pass windows or re-train")
        windows = np.load(path, allow_pickle=False)
        nv_path = Path(artifact_dir) / "test_n_valid.npy"
        if pipeline.pad == "valid" and nv_path.exists():  # pad: valid: each window's valid frames
            n_valid = np.load(nv_path, allow_pickle=False)
    windows = pipeline.check_windows(np.asarray(windows, dtype=np.float32))
    if max_windows is not None:
        windows = windows[:max_windows]
        n_valid = None if n_valid is None else n_valid[:max_windows]
    return pipeline.windows_with_lengths(windows, n_valid)  # checks n_valid (pad: valid, 1..length)


def _window_records(repl, pipeline, windows, n_valid, tol, batch, timeout, port, progress) -> tuple[list, bool]:
    """Each window through ``_run`` (``Pipeline.infer``), ``batch`` windows per raw-REPL command;
    (records, whether the pipeline answers values: a regressor)."""
    host_scores, host_feats, finite = host_answers(pipeline, windows, True, n_valid)
    classes = [str(c) for c in pipeline.classes_]
    regression, scale = value_scale(pipeline, host_scores)
    records = []
    feat_scale = max(1.0, float(np.max(np.abs(host_feats[finite]))) if host_feats[finite].size else 1.0)
    for start in range(0, len(windows), batch):
        part = windows[start : start + batch]
        if n_valid is not None:  # only the valid frames: the module infers over len(w) // N_CHANNELS
            part = [w[:nv] for w, nv in zip(part, n_valid[start : start + batch])]
        code = "\n".join(f"_run({base64.b64encode(np.ascontiguousarray(w, dtype='<f4').tobytes())!r})" for w in part)
        t0 = time.perf_counter()
        lines = [ln for ln in repl.exec_(code, timeout=max(timeout, 30.0)).splitlines() if ln.strip()]
        elapsed = time.perf_counter() - t0
        if len(lines) != len(part):
            raise HILError(f"board on {port} answered {len(lines)} lines for {len(part)} windows")
        for j, line in enumerate(lines):
            i = start + j
            lab, dt, f64, s64 = line.split()
            if not finite[i]:  # no class on either side: the module must answer NONFINITE
                records.append(_nonfinite_record(i, int(lab), classes, int(dt), elapsed / len(part)))
                continue
            feats = np.frombuffer(base64.b64decode(f64), dtype="<f4").astype(np.float64)
            scores = np.frombuffer(base64.b64decode(s64), dtype="<f4").astype(np.float64)
            host, answer, agree = compare_answer(regression, classes, host_scores[i], scores, int(lab), tol, scale)
            ok = (agree if regression else tol.ok(scores, host_scores[i], "score")) and tol.ok(
                feats, host_feats[i], "feature", feat_scale
            )
            records.append(
                {
                    "index": i,
                    "host": host,
                    "board": answer,
                    "agree": agree,
                    "ok": ok,
                    "device_us": int(dt),
                    "latency_s": elapsed / len(part),
                    "score_error": float(np.max(np.abs(scores - host_scores[i]))),
                    "feature_error": float(np.max(np.abs(feats - host_feats[i]))) if feats.size else 0.0,
                }
            )
        if progress:
            progress(f"{len(records)}/{len(windows)} windows")
    return records, regression


def _nonfinite_record(i: int, lab: int, classes: list[str], device_us, latency_s: float) -> dict:
    """A window holding NaN or Inf: no class on either side, so the module must answer NONFINITE."""
    agree = lab == NONFINITE
    return {
        "index": i,
        "host": NONFINITE_LABEL,
        "board": NONFINITE_LABEL if agree else (classes[lab] if 0 <= lab < len(classes) else str(lab)),
        "agree": agree,
        "ok": agree,
        "device_us": device_us,
        "latency_s": latency_s,
        "score_error": 0.0,
        "feature_error": 0.0,
    }


def _parse_push_line(line: str, port: str) -> tuple[int, int, str, int]:
    """One line ``_push`` prints per completed window: ``index label scores microseconds``
    (scores: base64 of the float32 bytes, ``-`` for NONFINITE; microseconds: time.ticks_us of
    every push since the previous completed window, as the C stream mode counts)."""
    parts = line.split()
    if len(parts) != 4 or not all(p.lstrip("-").isdigit() for p in (parts[0], parts[1], parts[3])):
        raise HILError(
            f"board on {port} answered {line[:80]!r} to a push; expected 'index label scores microseconds' "
            "(is the module the one just copied?)"
        )
    return int(parts[0]), int(parts[1]), parts[2], int(parts[3])


def _stream_records(
    repl, pipeline, stream, samples, i16_scale, tol, batch, timeout, port, progress
) -> tuple[list, bool, int]:
    """The recording pushed one window hop at a time (``batch`` pushes per raw-REPL command), and
    every window the module completes compared with the host's window of the same index;
    (records, whether the pipeline answers values, the device microseconds of every push). A
    record's ``device_us`` is the time of every push since the previous completed window: one
    window hop's work, its frames and its window."""
    from ..windowing import frame

    if samples == "int16":
        counts = np.asarray(stream)
        if counts.dtype != np.int16:
            raise ValueError(f"samples='int16' takes an int16 array, got {counts.dtype}")
        signal = counts.astype(np.float32) * np.float32(i16_scale)  # exact: I16_SCALE is a power of two
        wire, typ = np.ascontiguousarray(counts, dtype="<i2"), "h"
    else:
        signal = np.asarray(stream, dtype=np.float32)
        wire, typ = np.ascontiguousarray(signal, dtype="<f4"), "f"
    host_windows = frame(signal, pipeline.window_length, pipeline.hop)
    host_scores, _, finite = host_answers(pipeline, host_windows, False)
    classes = [str(c) for c in pipeline.classes_]
    regression, scale = value_scale(pipeline, host_scores)
    hop = pipeline.hop
    records: list[dict] = []
    for first in range(0, len(wire), hop * batch):
        pushes = [wire[a : a + hop] for a in range(first, min(first + hop * batch, len(wire)), hop)]
        code = "\n".join(f"_push({base64.b64encode(p.tobytes())!r}, {typ!r})" for p in pushes)
        t0 = time.perf_counter()
        lines = [ln for ln in repl.exec_(code, timeout=max(timeout, 30.0)).splitlines() if ln.strip()]
        elapsed = time.perf_counter() - t0
        for line in lines:
            i, lab, s64, dt = _parse_push_line(line, port)
            if i != len(records) or i >= len(host_windows):
                raise HILError(
                    f"board on {port} completed window {i} near sample {first}; the host expects window "
                    f"{len(records)} of {len(host_windows)} there"
                )
            latency = elapsed / max(len(lines), 1)
            if not finite[i]:
                records.append(_nonfinite_record(i, lab, classes, dt, latency))
                continue
            if s64 == "-":
                raise HILError(f"board on {port} gave window {i} no scores (NONFINITE) where the host has finite ones")
            scores = np.frombuffer(base64.b64decode(s64), dtype="<f4").astype(np.float64)
            host, answer, agree = compare_answer(regression, classes, host_scores[i], scores, lab, tol, scale)
            records.append(
                {
                    "index": i,
                    "host": host,
                    "board": answer,
                    "agree": agree,
                    "ok": agree if regression else tol.ok(scores, host_scores[i], "score"),
                    "device_us": dt,
                    "latency_s": latency,
                    "score_error": float(np.max(np.abs(scores - host_scores[i]))),
                    "feature_error": 0.0,
                }
            )
        if progress:
            progress(f"{min(first + hop * batch, len(wire))}/{len(wire)} samples, {len(records)} windows")
    if len(records) != len(host_windows):
        raise HILError(
            f"board on {port} completed {len(records)} windows of the recording; the host has {len(host_windows)}"
        )
    tail = repl.exec_("print(_acc)").strip()  # the pushes after the last completed window
    if not tail.isdigit():
        raise HILError(f"board on {port} answered {tail[:80]!r} for its last pushes' time; expected microseconds")
    return records, regression, sum(r["device_us"] for r in records) + int(tail)
