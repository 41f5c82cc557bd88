"""Evaluation of an event detector demo (wake word): held-out windows, then the whole
detector (model + smooth + threshold + refractory) on continuous streams of held-out voices."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import plots, streaming
from .sections import data_section, heldout_section

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95)
CALIBRATION_GRID = tuple(np.round(np.arange(0.30, 0.995, 0.025), 3))
MAX_DEV_FALSE_ACCEPTS_PER_HOUR = 1.0


def split_streams(streams) -> tuple[list, list]:
    """(dev streams of held-out speakers for the threshold, test streams of other held-out speakers)."""
    dev = [s for s in streams if s.part == "dev"]
    return dev, [s for s in streams if s.part != "dev"]


def set_threshold(pipe, value: float) -> None:
    """Change the pipeline's threshold stage in place (config and stage), keeping the rest."""
    posts = pipe.post_stages()
    k = streaming.threshold_stage(posts)
    i = pipe.stages.index(posts[k])
    params = pipe.config.stages[i].model_copy(update={"threshold": float(value)})
    stages = list(pipe.config.stages)
    stages[i] = params
    pipe.config = pipe.config.model_copy(update={"stages": stages})
    pipe.stages[i] = type(pipe.stages[i])(params)
    pipe.rebind()


def calibrate(pipe, dev_scored, label, tr, log) -> dict:
    """Choose the threshold on the dev stream (held-out dev voices): the highest recall with at
    most MAX_DEV_FALSE_ACCEPTS_PER_HOUR on other speech and noise (near-homophone phrases are
    reported apart), the highest such threshold on ties; then save the
    artifact again with it. The held-out streams play no part in this choice."""
    from .. import artifact

    curve = streaming.sweep(pipe, dev_scored, label, CALIBRATION_GRID)
    if not curve:
        return {"note": "the pipeline has no threshold stage; nothing to calibrate"}
    ok = [c for c in curve if c["other_false_accepts_per_hour"] <= MAX_DEV_FALSE_ACCEPTS_PER_HOUR]
    best = max(ok, key=lambda c: (c["recall"] or 0.0, c["threshold"])) if ok else curve[-1]
    before = pipe.post_stages()[streaming.threshold_stage(pipe.post_stages())].params.threshold
    set_threshold(pipe, best["threshold"])
    if tr.artifact is not None:
        meta = artifact.read_meta(tr.artifact)
        extra = {k: v for k, v in meta.items() if k == "dataset"}
        extra["calibration"] = {"threshold": best["threshold"], "was": before, "dev": best}
        artifact.save(
            pipe,
            tr.artifact,
            metrics=tr.metrics,
            dataset_fingerprint=tr.fingerprint,
            extra=extra,
            arrays={"test_windows": tr.test_windows, "test_labels": np.asarray(tr.test_labels)},
        )
    log(
        f"threshold {before} -> {best['threshold']} (dev stream: recall {_pct(best['recall'])}, "
        f"{best['other_false_accepts_per_hour']:.2f} false accepts/hour on other speech and noise)"
    )
    return {
        "threshold": best["threshold"],
        "was": before,
        "dev_recall": best["recall"],
        "dev_false_accepts_per_hour": best["other_false_accepts_per_hour"],
        "met_on_dev": bool(ok),
    }


def target_class(pipe) -> str:
    """The class the detector fires for: the threshold stage's ``target``, else the one class
    that is not a background class."""
    for s in pipe.post_stages():
        t = getattr(s.params, "target", None)
        if t:
            return str(t if isinstance(t, str) else t[0])
    classes = [str(c) for c in pipe.classes_]
    fg = [c for c in classes if c not in ("other", "background", "noise", "_unknown")]
    return fg[0] if fg else classes[-1]


def evaluate(pipe, ds, tr, out: Path, result: dict, demo, log) -> dict:
    metrics: dict = {"heldout": tr.metrics}
    sections = [data_section(ds, tr)]
    sections.append(heldout_section(pipe, tr, out, "held-out voices, 1 s windows"))
    if not ds.streams:
        result["sections"] += sections
        result["metrics"] = metrics
        return {"detail": "no evaluation streams in the dataset; streaming recall not measured"}
    label = target_class(pipe)
    dev, test = split_streams(ds.streams)
    if not test:
        result["sections"] += sections
        result["metrics"] = metrics
        return {"detail": "no held-out evaluation streams in the dataset; streaming recall not measured"}
    calib = None
    if dev:
        log(f"choosing the threshold on {len(dev)} dev stream(s) of held-out dev voices")
        calib = calibrate(pipe, streaming.score_all(pipe, dev), label, tr, log)
        metrics["calibration"] = calib
    log(f"scoring {len(test)} streams ({sum(len(s.signal) for s in test) / ds.sample_rate / 60:.1f} min)")
    scored = streaming.score_all(pipe, test)
    ev = streaming.evaluate(pipe, None, label, scored=scored)
    curve = streaming.sweep(pipe, scored, label, THRESHOLDS)
    conditions = streaming.by_condition(ev, [st.condition for st in test], [s.seconds for s in scored])
    if conditions:
        ev["by_condition"] = conditions
    sources = streaming.by_source(ev, test, label)
    if sources:
        ev["by_source"] = sources
    metrics["stream"] = ev
    metrics["curve"] = curve
    k = [str(c) for c in pipe.classes_].index(label)
    plots.det_curve(curve, ev, out / "det_curve.png", 1.0, 0.95)
    s0 = scored[0]
    post = streaming.post_process(pipe.post_stages(), s0.scores)
    plots.stream_excerpt(test[0].signal, ds.sample_rate, s0.end_times, s0.scores[:, k],
                         s0.end_times[post[:, k] > 0], test[0].events, out / "stream.png")  # fmt: skip
    calib_text = ""
    if calib and "threshold" in calib:
        calib_text = (
            f" The detection threshold {calib['threshold']:g} (YAML: {calib['was']}) was chosen on "
            f"separate dev streams spoken by held-out dev voices, neither trained on nor tested "
            f"(recall {_pct(calib['dev_recall'])}, "
            f"{calib['dev_false_accepts_per_hour']:.2f} false accepts/hour on other speech and noise there"
            f"{'' if calib['met_on_dev'] else '; no threshold met 1 false accept/hour there'})."
        )
    rows = [
        [
            f"{c['threshold']:.2f}",
            _pct(c["recall"]),
            f"{c['other_false_accepts_per_hour']:.2f}",
            f"{c['false_accepts_per_hour']:.2f}",
        ]
        for c in curve
    ]
    context_text = _context_text(ev)
    sections.append({
        "title": "Continuous streams (held-out voices)",
        "text": (
            f"{len(test)} streams, {ev['hours_total'] * 60:.1f} min in total "
            f"({ev['hours_non_event'] * 60:.1f} min without the wake phrase), {ev['n_events']} wake phrases among "
            f"confusable phrases, other speech and background noise. A detection counts for a wake phrase from "
            f"{streaming.BEFORE_S} s after it starts until {streaming.AFTER_S} s after it ends, once; every other "
            f"detection (repeats included) is a false accept.\n\n"
            f"**Recall {_pct(ev['recall'])}** ({ev['hits']}/{ev['n_events']}), **{ev['other_audio']['false_accepts']}"
            f" false accepts = {ev['other_audio']['false_accepts_per_hour']:.2f} per hour of other speech and noise**"
            f" ({ev['false_accepts']} = {ev['false_accepts_per_hour']:.2f} per hour of all non-wake audio, "
            f"near-homophone phrases included), with the pipeline's own post-processing.{calib_text}{context_text} Threshold sweep on the held-out streams (same smoothing and refractory "
            "period), to show the trade-off only:"
        ),
        "header": ["threshold", "recall", "false accepts / hour (other speech, noise)", "false accepts / hour (all)"],
        "rows": rows,
        "figures": ["det_curve.png", "stream.png"],
    })  # fmt: skip
    if conditions:
        sections.append(condition_section(conditions))
    if sources:
        sections.append(source_section(sources))
    result["sections"] += sections
    result["metrics"] = metrics
    return {"detail": f"recall {_pct(ev['recall'])}, {ev['false_accepts_per_hour']:.2f} false accepts/hour"}


def condition_section(conditions: list[dict]) -> dict:
    """The held-out streams' figures per recording condition (e.g. SNR), at the chosen threshold."""
    rows = [[c["condition"], c["streams"], f"{c['seconds'] / 60:.1f}", f"{c['hits']}/{c['n_events']}",
             _pct(c["recall"]), c["false_accepts"]] for c in conditions]  # fmt: skip
    return {
        "title": "Held-out streams by condition",
        "text": "The same detections split by how each stream was mixed (false accepts here include "
        "near-homophone phrases), so a weak condition is not hidden in the total:",
        "header": ["condition", "streams", "minutes", "wake phrases found", "recall", "false accepts"],
        "rows": rows,
    }


def source_section(sources: list[dict]) -> dict:
    """Recall per held-out source of the wake phrase (the recipe's speaker accents), at the chosen threshold."""
    return {
        "title": "Held-out streams by voice",
        "text": "The same detections split by who said the wake phrase, so a voice the model hears badly shows:",
        "header": ["voice", "wake phrases found", "recall"],
        "rows": [[s["source"], f"{s['hits']}/{s['n_events']}", _pct(s["recall"])] for s in sources],
    }


def _context_text(ev: dict) -> str:
    """Where the false accepts fell, and how often each kind of non-wake utterance fired."""
    by = ev.get("false_accepts_by_context") or {}
    trig = ev.get("context_triggered") or {}
    if not trig:
        return ""
    where = ", ".join(f"{n} on {k}" for k, n in sorted(by.items())) or "none"
    rates = "; ".join(f"{k}: {v['triggered']}/{v['n']}" for k, v in sorted(trig.items()))
    return (
        f" False accepts by what was playing: {where}. Utterances that drew a detection, by kind "
        f'(confusable = near-homophones such as "pay sensor", "hey center"): {rates}.'
    )


def _pct(v) -> str:
    return "n/a" if v is None else f"{100 * v:.1f} %"
