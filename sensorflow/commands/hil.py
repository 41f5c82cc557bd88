"""sensorflow hil: run an exported pipeline on a board over serial and compare it with the
host reference window by window (labels exactly, scores and features within tolerance)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ArtifactError, ConfigError, DataError
from ..hil.client import DEFAULT_RETRIES

MAX_RETRIES = 1000


def add_arguments(p):
    p.add_argument("artifact", help="trained artifact directory (sensorflow train ... --out DIR)")
    p.add_argument("--board", required=True, help="board name: qemu-mps2-an386, qemu-riscv32, host, or a real board")
    p.add_argument("--port", help="serial port of a real board (any pyserial URL: /dev/ttyUSB0, socket://host:port)")
    p.add_argument("--no-flash", action="store_true", help="with --port: the board already runs this HIL firmware")
    p.add_argument("--limit", type=int, help="only the first N held-out windows")
    p.add_argument(
        "--windows", help="windows to run instead of the artifact's held-out set (.npy, (n, length, channels))"
    )
    p.add_argument(
        "--recording",
        help="stream a recording (.npy, (n_samples, channels)) through sf_model_push (MicroPython: Pipeline.push) "
        "instead, every completed window compared with the host",
    )
    p.add_argument(
        "--samples",
        choices=["auto", "int16", "float32"],
        default="auto",
        help="with --recording: int16 pushes the values as raw int16 counts through sf_model_push_i16 (exports "
        "whose first stage is a streaming q15 log_mel/mfcc; each count stands for count x q15_scale), "
        "float32 as the pipeline's input values through sf_model_push; auto (default): int16 when the "
        "recording is an int16 .npy and the export has sf_model_push_i16, else float32 (MicroPython: "
        "Pipeline.push_i16 and Pipeline.push)",
    )
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    p.add_argument("--build-dir", default="build/hil", help="where the export and firmware go (default build/hil)")
    p.add_argument("--export-dir", help="use this existing C export instead of exporting the artifact")
    p.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each answer (default 2)")
    p.add_argument("--boot-timeout", type=float, default=15.0, help="seconds to wait for the board's hello")
    p.add_argument(
        "--retries",
        type=int,
        default=DEFAULT_RETRIES,
        metavar="N",
        help=f"re-send an unanswered request up to N times (default {DEFAULT_RETRIES}; "
        "raise it on a noisy line, lower it with a short --timeout to give up sooner)",
    )
    p.add_argument("--no-features", action="store_true", help="compare labels and scores only")
    p.add_argument(
        "--lang",
        choices=["c", "micropython"],
        default="c",
        help="c: HIL firmware over the sensorflow protocol; micropython: copy the module over the raw "
        "REPL (no --port: an emulated MicroPython board)",
    )
    p.add_argument("--mpy", action="store_true", help="with --lang micropython: upload the mpy-cross compiled module")


def _held_out(artifact: Path, args) -> np.ndarray:
    path = Path(args.windows) if args.windows else artifact / "test_windows.npy"
    if not path.exists():
        raise ArtifactError(
            f"{path}: no held-out windows; re-train with 'sensorflow train' (it saves them) or pass --windows FILE.npy"
        )
    from ..npyfile import NpyError, read_npy

    try:
        windows = read_npy(path)
    except (NpyError, OSError) as exc:
        raise DataError(f"{path}: not a readable .npy array ({str(exc).splitlines()[0]})") from None
    if windows.dtype.kind not in "fiu" or windows.ndim not in (2, 3) or len(windows) == 0:
        raise DataError(
            f"{path}: expected numeric windows of shape (n, length, channels), got {windows.dtype} {windows.shape}"
        )
    if args.limit is not None:
        if args.limit <= 0:
            raise DataError(f"--limit must be positive, got {args.limit}")
        windows = windows[: args.limit]
    return windows


def _held_out_n_valid(artifact: Path, args, pipeline, n: int) -> np.ndarray | None:
    """The held-out windows' valid frames (``test_n_valid.npy``, saved by train for
    ``window.pad: valid``); None for other pipelines or for ``--windows`` (whole windows)."""
    path = artifact / "test_n_valid.npy"
    if args.windows or pipeline.pad != "valid" or not path.exists():
        return None
    from ..npyfile import NpyError, read_npy

    try:
        n_valid = read_npy(path)
    except (NpyError, OSError) as exc:
        raise DataError(f"{path}: not a readable .npy array ({str(exc).splitlines()[0]})") from None
    n_valid = n_valid[:n] if n_valid.ndim == 1 else n_valid
    L, lo = pipeline.window_length, pipeline.min_valid_length
    if n_valid.dtype.kind not in "iu" or n_valid.shape != (n,) or n_valid.min() < lo or n_valid.max() > L:
        raise DataError(f"{path}: expected {n} integers from {lo} to {L} (one per held-out window); re-train")
    return n_valid.astype(np.int64)


def export_for_board(pipeline, meta: dict, board: str, out: Path) -> Path:
    """``sensorflow export`` for the board (prefix sf_model, as the firmware expects) into
    ``out``; the export refuses a pipeline that does not fit the board's budget."""
    from ..device import boards
    from ..device.export import export

    export(pipeline, meta, boards.get(board), out, prefix="sf_model", measure=False)
    return out


def _run_micropython(args, out) -> int:
    from ..artifact import load
    from ..hil import report
    from ..hil.micropython import run_micropython_hil

    stream = samples = windows = None
    if args.recording:
        stream = _recording(args.recording)
        _check_recording(args.recording, stream, load(Path(args.artifact))[0])
        samples = args.samples  # auto: decided by the module on the board (does it have push_i16?)
        if samples != "auto":
            stream = _as_samples(args.recording, stream, samples)
    else:
        if args.samples != "auto":
            raise ConfigError("--samples chooses how a --recording is streamed; give --recording FILE.npy")
        windows = _held_out(Path(args.artifact), args)
        if args.windows:
            _check_windows(args.windows, windows, load(Path(args.artifact))[0])
    data = run_micropython_hil(
        args.artifact,
        port=args.port,
        board=args.board,
        # the artifact's own held-out set is read there with its valid lengths (pad: valid)
        windows=windows if args.windows else None,
        max_windows=None if windows is None else len(windows),
        use_mpy=args.mpy,
        export_dir=args.export_dir,
        timeout=max(args.timeout, 10.0),
        progress=out.note,
        stream=stream,
        samples=samples or "auto",
    )
    if args.junit:
        out.note("--junit is written for C runs only; ignored with --lang micropython")
    out.set(**data)
    out.print(report.format_table(data))
    return 0 if data.get("passed") else 1


def check_options(args) -> None:
    """Numeric options: finite and positive (NaN, Inf, 0 or negative refused, exit 2)."""
    from .options import MAX_TIMEOUT_S, finite_positive, positive_int

    finite_positive("--timeout", args.timeout, maximum=MAX_TIMEOUT_S)
    finite_positive("--boot-timeout", args.boot_timeout, maximum=MAX_TIMEOUT_S)
    positive_int("--limit", args.limit)
    if not 0 <= args.retries <= MAX_RETRIES:
        raise ConfigError(f"--retries must be an integer from 0 to {MAX_RETRIES}, got {args.retries}")


def _recording(path: str) -> np.ndarray:
    """``--recording``: a plain numeric .npy of shape (n_samples,) or (n_samples, channels), as stored
    (finite); ``_as_samples`` makes it what the chosen entry takes."""
    from ..npyfile import NpyError, read_npy

    try:
        stream = read_npy(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except NpyError as exc:
        raise DataError(f"{path}: not a plain numeric .npy array ({exc})") from None
    if stream.ndim == 1:
        stream = stream[:, None]
    if stream.ndim != 2 or stream.dtype.kind not in "fiu" or len(stream) == 0:
        raise DataError(
            f"{path}: expected a numeric array of shape (n_samples, channels), got {stream.dtype} {stream.shape}"
        )
    if stream.dtype.kind == "f" and not np.all(np.isfinite(stream.astype(np.float32))):
        raise DataError(
            f"{path}: holds NaN or Inf (or values beyond float32); clean or interpolate the recording first"
        )
    return stream


I16_MIN, I16_MAX = -32768, 32767


def _as_samples(path: str, stream: np.ndarray, samples: str) -> np.ndarray:
    """The recording as ``samples`` takes it: float32 values, or int16 counts; a value that is
    not a count (fractional, or outside -32768..32767) is refused naming it, never rounded."""
    if samples == "float32":
        return stream.astype(np.float32)
    if stream.dtype == np.int16:
        return stream
    wide = stream.astype(np.float64) if stream.dtype.kind == "f" else stream
    bad = (wide < I16_MIN) | (wide > I16_MAX)
    if stream.dtype.kind == "f":
        bad |= wide != np.round(wide)
    if bad.any():
        i, c = (int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{path}: sample {i} (channel {c}) is {stream[i, c].item()!r}, not an int16 count (a whole number from "
            f"{I16_MIN} to {I16_MAX}); --samples int16 streams the sensor's raw counts: give those, or pass "
            "--samples float32 to stream the values through sf_model_push"
        )
    return stream.astype(np.int16)


def _export_has_push_i16(export_dir: Path | None) -> bool | None:
    """Does the export in ``export_dir`` have ``sf_model_push_i16``? None: no export to read
    (``--port --no-flash``: the board's hello tells)."""
    if export_dir is None or not (export_dir / "sf_model.h").is_file():
        return None
    return "#define SF_MODEL_PUSH_I16" in (export_dir / "sf_model.h").read_text(errors="replace")


def _choose_samples(args, stream: np.ndarray, export_dir: Path | None) -> str | None:
    """``--samples``: int16 or float32, or None (auto, no export to read: decided from the
    board's hello). An explicit int16 for an export without ``_push_i16`` is refused here."""
    has = _export_has_push_i16(export_dir)
    if args.samples == "int16" and has is False:
        raise ConfigError(
            f"--samples int16: the export in {export_dir} has no sf_model_push_i16 (only a pipeline whose "
            "first stage is a streaming q15 log_mel/mfcc has one); use --samples float32"
        )
    if args.samples != "auto":
        return args.samples
    if stream.dtype != np.int16:
        return "float32"
    return None if has is None else ("int16" if has else "float32")


def _check_windows(path: str, windows: np.ndarray, pipeline) -> None:
    """``--windows``: whole windows of the pipeline's length and channels (else the board refuses
    or, worse, computes over a different window than the host: exit 2 before any board run)."""
    length, channels = pipeline.input_spec.shape
    shape = windows.shape[1:] if windows.ndim == 3 else (*windows.shape[1:], 1)
    if shape != (length, channels):
        raise DataError(
            f"{path}: windows of shape {tuple(windows.shape[1:])}, but pipeline '{pipeline.name}' takes "
            f"({length}, {channels}) (window.length, channels); cut them to the pipeline's window"
        )


def _check_recording(path: str, stream: np.ndarray, pipeline) -> None:
    """``--recording``: the pipeline's channels and at least one window (sf_model_push streams whole windows)."""
    length, channels = pipeline.input_spec.shape
    if stream.shape[1] != channels:
        raise DataError(f"{path}: {stream.shape[1]} channel(s), but pipeline '{pipeline.name}' takes {channels}")
    if len(stream) < length:
        raise DataError(
            f"{path}: {len(stream)} samples, fewer than one window of {length}; --recording streams whole "
            "windows (give a short recording to 'sensorflow run --input' instead)"
        )


def _until_port_closes(work, sess):
    """``(work(sess), None)``, or ``(what was compared, message)`` if the port closed mid-run
    (board unplugged, its process gone); a port that closes before any window raises."""
    from ..hil.transport import PortClosed

    try:
        return work(sess), None
    except PortClosed as exc:
        if exc.partial is None:
            raise
        return exc.partial, f"{exc}".split(" (", 1)[0]


def run(args, out) -> int:
    check_options(args)
    if args.lang == "micropython":
        return _run_micropython(args, out)
    from ..artifact import load
    from ..hil import report, runner, session

    artifact = Path(args.artifact)
    pipeline, meta = load(artifact)
    expected_hash = str(meta.get("content_hash", ""))[:16] or None
    build_dir = Path(args.build_dir) / args.board
    export_dir = None
    if args.export_dir:
        export_dir = Path(args.export_dir)  # must be this artifact's export: the hello's hash is checked
    elif not (args.port and args.no_flash):
        export_dir = export_for_board(pipeline, meta, args.board, build_dir / "export")
    from ..hil.int8_reference import reference_for

    reference = reference_for(pipeline, export_dir)  # an int8 model stage: compare with the int8 reference
    progress = out.note
    stream = samples = None
    if args.recording:
        stream = _recording(args.recording)
        _check_recording(args.recording, stream, pipeline)
        samples = _choose_samples(args, stream, export_dir)
        if samples is not None:
            stream = _as_samples(args.recording, stream, samples)
    else:
        if args.samples != "auto":
            raise ConfigError("--samples chooses how a --recording is streamed; give --recording FILE.npy")
        windows = _held_out(artifact, args)
        if args.windows:
            _check_windows(args.windows, windows, pipeline)
        n_valid = _held_out_n_valid(artifact, args, pipeline, len(windows))

    def work(sess):
        if stream is not None:
            how = samples or ("int16" if sess.client.hello.push_i16 else "float32")  # auto, no export read
            res = runner.run_stream(
                sess.client,
                stream if samples else _as_samples(args.recording, stream, how),
                reference,
                board=args.board,
                window_length=pipeline.window_length,
                hop=pipeline.hop,
                expected_hash=expected_hash,
                samples=how,
            )
        else:
            res = runner.run_windows(
                sess.client,
                windows,
                reference,
                board=args.board,
                expected_hash=expected_hash,
                check_features=not args.no_features,
                progress=progress,
                n_valid=n_valid,
            )
        res.boot_seconds = sess.boot_seconds
        return res

    if args.port:
        from ..device import boards

        try:
            bdef = boards.get(args.board)
            serial_cfg = bdef.serial
        except Exception:
            bdef, serial_cfg = None, None
        if not args.no_flash:
            elf = session.build(args.board, export_dir, build_dir)
            session.flash(args.board, elf, args.port)
        with session.open_port(
            args.board,
            args.port,
            baudrate=serial_cfg.baudrate if serial_cfg else 115200,
            timeout=args.timeout,
            boot_timeout=args.boot_timeout,
            reset_on_open=bool(serial_cfg and serial_cfg.reset_on_open),
            boot_delay=serial_cfg.boot_delay_s if serial_cfg else 0.0,
            retries=args.retries,
        ) as sess:
            result, closed = _until_port_closes(work, sess)
    else:
        from ..progress import progress_bar, step

        with progress_bar(out.progress) as bar:
            with step(bar, f"building the HIL firmware for {args.board}"):
                elf = session.build(args.board, export_dir, build_dir)
            progress(f"built {elf}")
            with step(bar, f"running on {args.board}"):
                with session.open_emulated(
                    args.board, elf, timeout=args.timeout, boot_timeout=args.boot_timeout, retries=args.retries
                ) as sess:
                    result, closed = _until_port_closes(work, sess)

    data = report.to_dict(result)
    if args.junit:
        report.write_junit([result], args.junit)
    out.set(**data)
    out.print(report.format_table(data))
    if closed is not None:
        from .run import port_closed

        of = "" if stream is not None else f" of {len(windows)}"
        return port_closed(
            out,
            "hil",
            f"{closed} after {result.n}{of} windows were compared ({result.n - len(data['disagreements'])} agreed "
            "with the host); reconnect the board and run again",
        )
    if not result.passed:
        if not out.as_json:
            out.note(
                f"sensorflow hil: the board disagrees with the host on {len(data['disagreements'])} window(s) "
                f"and is out of tolerance on {len(data['out_of_tolerance'])}"
            )
        return 1
    return 0
