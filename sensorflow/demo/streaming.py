"""Event-detector evaluation on continuous streams: recall of annotated events and false
accepts per hour of non-event audio, the way keyword spotters are scored (a detection
that falls within an annotated event's tolerance interval is a hit, at most one per event;
every other detection is a false accept)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..windowing import frame
from .frame_reuse import framed_first_stage, score_from_frames

#: a detection (window end) counts for an event from ``start + BEFORE`` to ``end + AFTER`` seconds
BEFORE_S = 0.2
AFTER_S = 1.0


@dataclass
class StreamScores:
    """Model scores of every window of one stream and when each window ends (s)."""

    scores: np.ndarray
    end_times: np.ndarray
    events: list  # (start_s, end_s, label)
    seconds: float
    context: list = field(default_factory=list)  # (start_s, end_s, kind) of non-target audio


def score_stream(pipeline, signal: np.ndarray, chunk_windows: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """``predict_proba`` of every window the pipeline cuts from ``signal`` (in chunks, so a
    long stream never materialises all windows at once); returns (scores, window end times).
    When the first stage's frames can be shared by consecutive windows, each frame is computed
    once (:mod:`.frame_reuse`; the same scores bit for bit)."""
    sig = np.asarray(signal, dtype=np.float32)
    if sig.ndim == 1:
        sig = sig[:, None]
    length, hop = pipeline.window_length, pipeline.hop
    sr = float(pipeline.config.sensor.sample_rate)
    n_windows = 0 if len(sig) < length else 1 + (len(sig) - length) // hop
    stage = framed_first_stage(pipeline) if n_windows and np.isfinite(sig).all() else None
    parts = [] if stage is None else [score_from_frames(pipeline, stage, sig, n_windows, chunk_windows)]
    for first in range(0 if stage is None else n_windows, n_windows, chunk_windows):
        last = min(first + chunk_windows, n_windows)
        segment = sig[first * hop : (last - 1) * hop + length]
        parts.append(pipeline.predict_proba(frame(segment, length, hop)))
    n_classes = len(pipeline.classes_)
    scores = np.concatenate(parts) if parts else np.empty((0, n_classes), np.float32)
    ends = (np.arange(n_windows) * hop + length) / sr
    return scores, ends


def post_process(post_stages: list, scores: np.ndarray) -> np.ndarray:
    """Run the pipeline's post stages (batch form) over a whole score sequence."""
    out = scores
    for stage in post_stages:
        out = stage.transform(out)
    return out


def with_param(stage, **update):
    """A copy of a bound stage with some params changed (bound to the same input)."""
    new = type(stage)(stage.params.model_copy(update=update))
    if stage.input_spec_ is not None:
        new.bind(stage.input_spec_)
    for k, v in stage.learned().items():
        setattr(new, k, v)
    return new


def match(detections: np.ndarray, events: list, label) -> dict:
    """Match detection times (s) to events of ``label``: hits, misses, false accepts."""
    targets = sorted((s, e) for s, e, lab in events if str(lab) == str(label))
    used = np.zeros(len(targets), dtype=bool)
    false_accepts, duplicates = [], 0
    for t in np.sort(detections):
        hit = None
        for i, (s, e) in enumerate(targets):
            if s + BEFORE_S <= t <= e + AFTER_S:
                hit = i
                if not used[i]:
                    break
        if hit is None:
            false_accepts.append(float(t))
        elif used[hit]:
            duplicates += 1
            false_accepts.append(float(t))
        else:
            used[hit] = True
    return {
        "n_events": len(targets),
        "hits": int(used.sum()),
        "missed": [targets[i] for i in np.flatnonzero(~used)],
        "false_accepts": false_accepts,
        "duplicates": duplicates,
    }


def attribute(false_accepts: list[float], context: list) -> dict:
    """Count false accepts by the annotated background they fall on (same tolerance as hits);
    ``"background"`` when none (noise or silence between utterances)."""
    out: dict[str, int] = {}
    for t in false_accepts:
        kind = next((str(k) for s, e, k in context if s + BEFORE_S <= t <= e + AFTER_S), "background")
        out[kind] = out.get(kind, 0) + 1
    return out


def triggered(detections: np.ndarray, context: list) -> dict:
    """Per background kind: how many annotated stretches there are and how many drew a detection."""
    out: dict[str, list[int]] = {}
    for s, e, k in context:
        entry = out.setdefault(str(k), [0, 0])
        entry[0] += 1
        entry[1] += int(np.any((detections >= s + BEFORE_S) & (detections <= e + AFTER_S)))
    return {k: {"n": n, "triggered": t} for k, (n, t) in out.items()}


def summarise(results: list[dict], seconds: list[float], event_seconds: list[float]) -> dict:
    """Recall over all events and false accepts per hour of non-event audio."""
    n_events = sum(r["n_events"] for r in results)
    hits = sum(r["hits"] for r in results)
    fa = sum(len(r["false_accepts"]) for r in results)
    hours = max(sum(seconds) - sum(event_seconds), 1e-9) / 3600.0
    return {
        "n_events": n_events,
        "hits": hits,
        "recall": hits / n_events if n_events else None,
        "false_accepts": fa,
        "duplicates": sum(r["duplicates"] for r in results),
        "hours_non_event": hours,
        "hours_total": sum(seconds) / 3600.0,
        "false_accepts_per_hour": fa / hours,
    }


def evaluate(pipeline, streams, label, post_stages=None, scored: list[StreamScores] | None = None) -> dict:
    """Recall and false accepts per hour of ``label`` events over ``streams`` (Dataset.Stream)."""
    posts = pipeline.post_stages() if post_stages is None else post_stages
    k = [str(c) for c in pipeline.classes_].index(str(label))
    if scored is None:
        scored = score_all(pipeline, streams)
    results, by_context, stretches = [], {}, {}
    for s in scored:
        post = post_process(posts, s.scores)
        detections = s.end_times[post[:, k] > 0]
        results.append(match(detections, s.events, label))
        for kind, n in attribute(results[-1]["false_accepts"], s.context).items():
            by_context[kind] = by_context.get(kind, 0) + n
        for kind, v in triggered(detections, s.context).items():
            acc = stretches.setdefault(kind, {"n": 0, "triggered": 0})
            acc["n"] += v["n"]
            acc["triggered"] += v["triggered"]
    out = summarise(
        results,
        [s.seconds for s in scored],
        [sum(e - b for b, e, lab in s.events if str(lab) == str(label)) for s in scored],
    )
    # the same figure with the near-homophone ("confusable") stretches and their false accepts
    # left out: false accepts per hour of ordinary speech and noise, the way KWS vendors quote it
    conf_fa = sum(n for kind, n in by_context.items() if kind.startswith("confusable"))
    conf_s = sum(e - b for s in scored for b, e, kind in s.context if str(kind).startswith("confusable"))
    hours = max(out["hours_non_event"] - conf_s / 3600.0, 1e-9)
    out["other_audio"] = {
        "false_accepts": out["false_accepts"] - conf_fa,
        "hours": hours,
        "false_accepts_per_hour": (out["false_accepts"] - conf_fa) / hours,
    }
    out["false_accepts_by_context"] = by_context
    out["context_triggered"] = stretches
    out["per_stream"] = [
        {"n_events": r["n_events"], "hits": r["hits"], "false_accepts": len(r["false_accepts"]),
         "false_accept_times": r["false_accepts"][:50], "missed_starts": [s for s, _ in r["missed"]]}
        for r in results
    ]  # fmt: skip
    return out


def by_condition(ev: dict, conditions: list[str], seconds: list[float]) -> list[dict]:
    """Recall and false accepts (all non-target audio) per recording condition, from ``evaluate``'s
    ``per_stream`` figures; the order of first appearance, or [] when no stream names one."""
    if not any(conditions):
        return []
    rows: dict[str, dict] = {}
    for c, r, sec in zip(conditions, ev["per_stream"], seconds):
        name = c or "unnamed"
        row = rows.setdefault(
            name, {"condition": name, "streams": 0, "seconds": 0.0, "n_events": 0, "hits": 0, "false_accepts": 0}
        )
        row["streams"] += 1
        row["seconds"] += sec
        for k in ("n_events", "hits", "false_accepts"):
            row[k] += r[k]
    for row in rows.values():
        row["recall"] = row["hits"] / row["n_events"] if row["n_events"] else None
    return list(rows.values())


def by_source(ev: dict, streams: list, label) -> list[dict]:
    """Recall per event source (``Stream.event_sources``, e.g. a speaker's accent) from ``evaluate``'s
    ``per_stream`` misses, sorted by source; [] when no stream names its sources."""
    rows: dict[str, dict] = {}
    for st, r in zip(streams, ev["per_stream"]):
        if not st.event_sources:
            continue
        missed = set(r["missed_starts"])
        for (start, _, lab), src in zip(st.events, st.event_sources, strict=True):
            if str(lab) != str(label):
                continue
            row = rows.setdefault(str(src), {"source": str(src), "n_events": 0, "hits": 0})
            row["n_events"] += 1
            row["hits"] += int(start not in missed)
    for row in rows.values():
        row["recall"] = row["hits"] / row["n_events"]
    return [rows[k] for k in sorted(rows)]


def score_all(pipeline, streams) -> list[StreamScores]:
    sr = float(pipeline.config.sensor.sample_rate)
    out = []
    for st in streams:
        scores, ends = score_stream(pipeline, st.signal)
        out.append(StreamScores(scores, ends, list(st.events), len(st.signal) / sr, list(st.context)))
    return out


def threshold_stage(post_stages: list):
    """The post stage that has a ``threshold`` parameter, or None."""
    for i, s in enumerate(post_stages):
        if "threshold" in type(s.params).model_fields:
            return i
    return None


def sweep(pipeline, scored: list[StreamScores], label, thresholds) -> list[dict]:
    """Recall and false accepts/hour for each threshold (other post stages unchanged): the
    detection-error trade-off curve of the whole detector."""
    posts = pipeline.post_stages()
    i = threshold_stage(posts)
    if i is None:
        return []
    curve = []
    for t in thresholds:
        stages = list(posts)
        stages[i] = with_param(posts[i], threshold=float(t))
        r = evaluate(pipeline, None, label, stages, scored)
        curve.append(
            {
                "threshold": float(t),
                "recall": r["recall"],
                "false_accepts_per_hour": r["false_accepts_per_hour"],
                "other_false_accepts_per_hour": r["other_audio"]["false_accepts_per_hour"],
            }
        )
    return curve
