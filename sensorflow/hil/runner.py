"""The HIL run: send windows (or a continuous recording) to a board, compare each answer
with the host reference, collect the measurements.

The reference is anything with ``predict_proba(X)``, ``transform(X)`` and ``classes_``
(a fitted ``Pipeline``). Labels must agree exactly; scores and features within tolerance
(``|board - host| <= atol + rtol * |host|``). A window holding NaN or Inf has no class on
either side: the board answers SF_ERR_NONFINITE, the host expects it, and both are recorded
as the label ``nonfinite`` (docs/design.md, "Non-finite input"). A regression model
(``reference.task == "regression"``) has no label: its value agrees when ``|board - host| <=
value_rtol * max(|host|, scale)``, scale being the largest |host value| of the run
(``Tolerance.value_ok``)."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..codegen.c.status import STATUSES
from ..errors import HILError
from ..windowing import frame
from . import protocol as P
from .client import BoardClient, BoardReset
from .transport import PortClosed

NONFINITE = next(v for name, v, _ in STATUSES if name == "SF_ERR_NONFINITE")  # the board's label for NaN/Inf
NONFINITE_LABEL = "nonfinite"


def host_answers(
    reference, windows: np.ndarray, features: bool, n_valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Host scores and features of the answerable windows (NaN rows for the others), and which
    are answerable (finite samples and finite features: ``Pipeline.answerable``; a reference
    without it, e.g. a test double: finite samples). ``n_valid``: ``window.pad: valid`` lengths."""
    if hasattr(reference, "answerable"):
        finite = reference.answerable(windows, n_valid)
    else:
        finite = np.isfinite(windows).reshape(len(windows), -1).all(axis=1)
    extra = () if n_valid is None else (np.asarray(n_valid)[finite],)  # only references that take it
    scores = np.full((len(windows), len(reference.classes_)), np.nan)
    feats = None
    if finite.any():
        scores[finite] = reference.predict_proba(windows[finite], *extra)
    if features:
        ok = np.asarray(reference.transform(windows[finite], *extra), dtype=np.float64) if finite.any() else None
        feats = np.full((len(windows), ok.shape[1] if ok is not None else 0), np.nan)
        if ok is not None:
            feats[finite] = ok
    return scores, feats, finite


def _board_label(label: int, classes) -> str:
    if label == NONFINITE:
        return NONFINITE_LABEL
    return str(classes[label]) if 0 <= label < len(classes) else str(label)


@dataclass
class Tolerance:
    score_atol: float = 1e-4
    score_rtol: float = 1e-3
    feature_atol: float = 1e-4
    feature_rtol: float = 1e-3
    value_rtol: float = 1e-4
    """Regression: relative to the value, with a floor of this times the run's largest |value|
    (the board's features are float32 computations of the host's, each within the feature tolerance)."""

    def value_ok(self, board: np.ndarray, host: np.ndarray, scale: float) -> bool:
        """A regression value within ``value_rtol`` of the host's (see the class docstring)."""
        host = np.asarray(host, dtype=np.float64)
        bound = self.value_rtol * np.maximum(np.abs(host), scale)
        return bool(np.all(np.abs(np.asarray(board, dtype=np.float64) - host) <= bound))

    def ok(self, board: np.ndarray, host: np.ndarray, kind: str, scale: float = 1.0) -> bool:
        atol, rtol = (
            (self.score_atol, self.score_rtol) if kind == "score" else (self.feature_atol * scale, self.feature_rtol)
        )
        return bool(np.all(np.abs(board.astype(np.float64) - host) <= atol + rtol * np.abs(host)))


@dataclass
class WindowRecord:
    index: int
    host_label: str
    board_label: str
    agree: bool
    score_error: float
    feature_error: float | None
    within_tolerance: bool
    count_features: int | None
    count_classify: int | None
    latency_s: float
    stack_used: int
    near_tie: bool = False


@dataclass
class HILRun:
    board: str
    port: str
    hello: P.Hello
    records: list[WindowRecord] = field(default_factory=list)
    mode: str = "windows"
    boot_seconds: float | None = None
    ping_seconds: float | None = None
    resets: int = 0
    retries: int = 0
    bad_frames: int = 0
    expected_hash: str | None = None
    value_rtol: float | None = None  # set for a regression model: agreement means values within it
    complete: bool = True  # False: the port closed before every window was compared
    samples: str | None = None  # stream mode: "float32" (sf_model_push) or "int16" (sf_model_push_i16)

    @property
    def n(self) -> int:
        return len(self.records)

    @property
    def agreement(self) -> float:
        return float(np.mean([r.agree for r in self.records])) if self.records else 0.0

    @property
    def passed(self) -> bool:
        return self.complete and bool(self.records) and all(r.agree and r.within_tolerance for r in self.records)

    def _mean(self, values) -> float | None:
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else None

    @property
    def counter_unit(self) -> str | None:
        return self.hello.counter_unit

    def per_inference(self) -> dict:
        f = self._mean(r.count_features for r in self.records)
        c = self._mean(r.count_classify for r in self.records)
        total = None if f is None or c is None else f + c
        return {"features": f, "classify": c, "total": total}


def compare_answer(
    regression: bool,
    classes,
    ref: np.ndarray,
    scores: np.ndarray,
    label: int,
    tol: Tolerance,
    scale: float,
    finite: bool = True,
) -> tuple[str, str, bool]:
    """(host answer, board answer, agree) of one window: the class names and label equality, or
    for a regression model the two values and ``tol.value_ok``; a non-finite window agrees only
    when the board answers SF_ERR_NONFINITE."""
    if not finite:
        return NONFINITE_LABEL, _board_label(label, classes), label == NONFINITE
    if regression:
        return f"{ref[0]:.7g}", f"{scores[0]:.7g}", tol.value_ok(scores[:1], ref[:1], scale)
    host_idx = int(np.argmax(ref))
    return str(classes[host_idx]), _board_label(label, classes), label == host_idx


def value_scale(reference, host_scores: np.ndarray) -> tuple[bool, float]:
    """(is a regression model, the largest |host value| of the finite windows) for ``compare_answer``."""
    regression = getattr(reference, "task", None) == "regression"
    seen = np.abs(host_scores[np.isfinite(host_scores)]) if regression else np.empty(0)
    return regression, float(np.max(seen)) if seen.size else 0.0


def _stack_note(hello: P.Hello) -> str:
    return f" (stack high-water {hello.stack_used} of {hello.stack_size} bytes)" if hello.stack_size else ""


def check_hello(hello: P.Hello, reference, port: str, expected_hash: str | None = None) -> None:
    """The firmware must carry the pipeline we compare against."""
    want = {
        "window length": (hello.window_length, getattr(reference, "window_length", hello.window_length)),
        "channels": (hello.n_channels, getattr(reference, "n_channels", None) or _ref_channels(reference, hello)),
        "classes": (hello.n_classes, len(reference.classes_)),
    }
    for what, (board, host) in want.items():
        if board != host:
            raise HILError(
                f"board on {port} runs a pipeline with {what} {board}, the host pipeline has {host}; "
                "rebuild and flash the firmware for this artifact"
            )
    if expected_hash and hello.pipeline_hash != expected_hash:
        raise HILError(
            f"board on {port} runs pipeline {hello.pipeline_hash}, expected {expected_hash}; "
            "rebuild and flash the firmware for this artifact"
        )


def _ref_channels(reference, hello):
    spec = getattr(reference, "input_spec", None)
    return spec.n_channels if spec is not None else hello.n_channels


def measure_ping(client: BoardClient, n: int = 10) -> float:
    return statistics.median(client.ping(bytes(range(32))) for _ in range(n))


@contextlib.contextmanager
def _partial_on_close(client: BoardClient, run: HILRun) -> Iterator[None]:
    """A PortClosed raised inside carries ``run`` (what was compared so far) as ``partial``."""
    try:
        yield
    except PortClosed as exc:
        run.retries, run.bad_frames = client.retried, client.decoder.bad_frames
        run.complete = False
        exc.partial = run
        raise


def _same_pipeline_after_reset(exc: BoardReset, hello: P.Hello, port: str) -> None:
    if exc.hello.pipeline_hash != hello.pipeline_hash:
        raise HILError(
            f"board on {port} came back from a reset with pipeline {exc.hello.pipeline_hash} instead of "
            f"{hello.pipeline_hash}"
        ) from None


def _ping_through_resets(client: BoardClient, hello: P.Hello, run: HILRun, max_resets: int, progress=None) -> None:
    """The initial round-trip measurement; a board reset during it (a board that resets when
    its port opens, a brown-out) is counted and the measurement starts over."""
    for attempt in range(max_resets + 1):
        try:
            run.ping_seconds = measure_ping(client)
            return
        except BoardReset as exc:
            run.resets += 1
            _same_pipeline_after_reset(exc, hello, client.port)
            if attempt == max_resets:
                raise HILError(
                    f"board on {client.port} reset {attempt + 1} times while measuring the round trip; "
                    f"is its power supply stable?{_stack_note(exc.hello)}"
                ) from None
            if progress:
                progress(f"board on {client.port} reset during the ping measurement; measuring again")


def run_windows(
    client: BoardClient,
    windows: np.ndarray,
    reference,
    *,
    board: str,
    tolerance: Tolerance | None = None,
    check_features: bool = True,
    max_resets: int = 3,
    expected_hash: str | None = None,
    progress=None,
    n_valid: np.ndarray | None = None,
) -> HILRun:
    """Upload each window, run the pipeline on the board, compare with the host. ``n_valid``
    (``window.pad: valid``): each window's valid frames; only those are uploaded and the INFER
    request carries the count (the board's ``sf_model_features_n``)."""
    tol = tolerance or Tolerance()
    hello = client.hello
    check_hello(hello, reference, client.port, expected_hash)
    windows = np.asarray(windows, dtype=np.float32)
    host_scores, host_feats, finite = host_answers(reference, windows, check_features, n_valid)
    if host_feats is not None and finite.any() and host_feats.shape[1] != hello.n_features:
        raise HILError(
            f"board on {client.port} computes {hello.n_features} features, the host pipeline "
            f"{host_feats.shape[1]}; rebuild and flash the firmware for this artifact"
        )
    feat_scale = (
        float(np.max(np.abs(host_feats[finite]))) if host_feats is not None and host_feats[finite].size else 1.0
    )
    classes = np.asarray(reference.classes_)
    regression, scale = value_scale(reference, host_scores)
    run = HILRun(board, client.port, hello, expected_hash=expected_hash)
    run.value_rtol = tol.value_rtol if regression else None
    _ping_through_resets(client, hello, run, max_resets, progress)
    with _partial_on_close(client, run):
        for i, window in enumerate(windows):
            resets_here = 0
            while True:
                try:
                    nv = None if n_valid is None else int(n_valid[i])
                    client.upload(window if nv is None else window[:nv])
                    t0 = time.perf_counter()
                    res = client.infer(check_infer=True, n_valid=nv)
                    latency = time.perf_counter() - t0
                    feats = client.features() if host_feats is not None and finite[i] else None
                    break
                except BoardReset as exc:
                    resets_here += 1
                    run.resets += 1
                    _same_pipeline_after_reset(exc, hello, client.port)
                    if resets_here > max_resets:
                        raise HILError(
                            f"board on {client.port} reset {resets_here} times while running window {i}; "
                            f"the pipeline may crash on it{_stack_note(exc.hello)}"
                        ) from None
                    if progress:
                        progress(f"board on {client.port} reset during window {i}; uploading it again")
            if res.infer_consistent == 0:
                raise HILError(
                    f"board on {client.port}: sf_model_infer and sf_model_features + sf_model_classify "
                    f"disagree on window {i}; the exported pipeline is inconsistent"
                )
            # instruction counts of features and classify, when the board's counter has a unit
            counts = (res.count_features, res.count_classify) if hello.counter_unit is not None else (None, None)
            if not finite[i]:  # no class on either side; the board must say so
                agree = res.label == NONFINITE
                run.records.append(
                    WindowRecord(
                        i,
                        NONFINITE_LABEL,
                        _board_label(res.label, classes),
                        agree,
                        0.0,
                        None,
                        agree,
                        *counts,
                        latency,
                        res.stack_used,
                    )
                )
                continue
            if not 0 <= res.label < len(classes):
                raise HILError(
                    f"board on {client.port} returned class index {res.label} for window {i}, "
                    f"but the pipeline has {len(classes)} classes"
                )
            ref = host_scores[i]
            top2 = np.sort(ref)[-2:] if len(ref) > 1 else ref
            score_err = float(np.max(np.abs(res.scores - ref)))
            host_answer, board_answer, agree = compare_answer(
                regression, classes, ref, res.scores, res.label, tol, scale
            )
            ok = agree if regression else tol.ok(res.scores, ref, "score")
            feat_err = None
            if feats is not None and host_feats is not None:
                feat_err = float(np.max(np.abs(feats - host_feats[i]))) if feats.size else 0.0
                ok = ok and tol.ok(feats, host_feats[i], "feature", max(1.0, feat_scale))
            run.records.append(
                WindowRecord(
                    i,
                    host_answer,
                    board_answer,
                    agree,
                    score_err,
                    feat_err,
                    ok,
                    *counts,
                    latency,
                    res.stack_used,
                    near_tie=bool(len(ref) > 1 and top2[1] - top2[0] <= tol.score_atol),
                )
            )
            if progress and (i + 1) % 50 == 0:
                progress(f"{i + 1}/{len(windows)} windows")

    run.retries, run.bad_frames = client.retried, client.decoder.bad_frames
    return run


def run_stream(
    client: BoardClient,
    signal: np.ndarray,
    reference,
    *,
    board: str,
    window_length: int,
    hop: int,
    tolerance: Tolerance | None = None,
    expected_hash: str | None = None,
    samples: str = "float32",
) -> HILRun:
    """Push a continuous recording ``(n_samples, n_channels)`` in chunks of at most one hop,
    compare every completed window with the host's windows. ``samples``: ``float32`` (values
    in the pipeline's input units, through ``sf_model_push``) or ``int16`` (an int16 array of
    the q15 front end's counts, through ``sf_model_push_i16``; the host runs on ``counts *
    2^-k``, k from the board's hello, which ``_push_i16`` equals bit for bit)."""
    tol = tolerance or Tolerance()
    hello = client.hello
    check_hello(hello, reference, client.port, expected_hash)
    if samples not in ("float32", "int16"):
        raise ValueError(f"samples must be 'float32' or 'int16', got {samples!r}")
    if samples == "int16":
        client.require_push_i16()
        counts = np.asarray(signal)
        if counts.dtype != np.int16:
            raise ValueError(f"samples='int16' takes an int16 array, got {counts.dtype}")
        signal = counts.astype(np.float32) * np.float32(2.0**-hello.i16_k)  # exact: a power of two
        push, per_frame = client.push_i16, hello.counts_per_frame
    else:
        signal = np.asarray(signal, dtype=np.float32)
        counts, push, per_frame = signal, client.push, hello.floats_per_frame
    host_windows = frame(signal, window_length, hop)
    host_scores, _, finite = host_answers(reference, host_windows, False)
    classes = np.asarray(reference.classes_)
    regression, scale = value_scale(reference, host_scores)
    run = HILRun(board, client.port, hello, mode="stream", expected_hash=expected_hash, samples=samples)
    run.value_rtol = tol.value_rtol if regression else None
    _ping_through_resets(client, hello, run, max_resets=3)
    step = max(1, min(hop, per_frame // hello.n_channels))
    with _partial_on_close(client, run):
        try:
            client.reset_state()
            pushed = 0  # device count of every push since the last completed window
            for start in range(0, len(signal), step):
                t0 = time.perf_counter()
                res = push(counts[start : start + step])
                latency = time.perf_counter() - t0
                pushed += res.count
                if res.completed == 0:
                    continue
                i = len(run.records)
                if res.completed != 1 or i >= len(host_windows):
                    raise HILError(
                        f"board on {client.port} completed {res.completed} window(s) at sample {start}; "
                        f"the host expects window {i} of {len(host_windows)} there"
                    )
                ref = host_scores[i]
                host_answer, board_answer, agree = compare_answer(
                    regression, classes, ref, res.scores, res.label, tol, scale, bool(finite[i])
                )
                run.records.append(
                    WindowRecord(
                        i,
                        host_answer,
                        board_answer,
                        agree,
                        float(np.max(np.abs(res.scores - ref))) if finite[i] else 0.0,
                        None,
                        agree if regression or not finite[i] else tol.ok(res.scores, ref, "score"),
                        pushed if hello.counter_unit else None,
                        0 if hello.counter_unit else None,
                        latency,
                        res.stack_used,
                    )
                )
                pushed = 0
        except BoardReset:
            raise HILError(
                f"board on {client.port} reset in the middle of the stream after {len(run.records)} "
                "windows; its streaming state is lost, so the run cannot resume"
            ) from None
    if len(run.records) != len(host_windows):
        raise HILError(f"board on {client.port} completed {len(run.records)} windows, the host {len(host_windows)}")
    run.retries, run.bad_frames = client.retried, client.decoder.bad_frames
    return run
