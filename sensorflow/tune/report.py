"""Outputs of ``sensorflow tune``: the Pareto front (maximise cross-validated accuracy, minimise
flash and instructions, among feasible trials), ``pareto.csv``, ``trials.jsonl``, the Pareto
plot (matplotlib ``Figure`` on the Agg canvas, no pyplot) and the final table (rich)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

POINT_FIELDS = ["accuracy_cv", "accuracy_test", "flash_bytes", "ram_bytes", "instructions_per_inference", "measured"]
# costs inside the budget; the objective ranked by; the top score a near-tie ranks at; its tie-break
EXTRA_FIELDS = ["within_budget", "score", "tie_score", "tiebreak"]


def score(t: dict) -> float:
    """The objective a trial is ranked by: its ``score`` (the cross-validated accuracy, or a
    detector's dev-stream recall at the false-accept limit); trials stored before scores existed
    carry only ``accuracy_cv``."""
    return float(t.get("score", t["accuracy_cv"]))


def rank(t: dict) -> tuple[float, float]:
    """What the accuracy axis compares: the score (for a trial in the top's tie, :func:`tied_top`,
    the top score it ties with: ``tie_score``), then the ``tiebreak``, the accuracy over repeated
    cross-validations (``runner.break_ties``)."""
    ts, tb = t.get("tie_score"), t.get("tiebreak")
    return score(t) if ts is None else float(ts), float("-inf") if tb is None else float(tb)


def tied_top(trials: list[dict], tol: float = 1e-9) -> list[int]:
    """Numbers of the feasible classifier trials (not detectors) that tie with the best score:
    within one standard error of the best trial's cross-validated accuracy,
    ``sqrt(p (1 - p) / n)`` over its ``n_cv`` scored windows (the one-standard-error rule of
    Breiman et al., CART 1984, and Hastie et al., ESL 7.10: closer scores do not tell the
    pipelines apart), or exactly (``tol``) for trials stored without ``n_cv``."""
    ok = [t for t in trials if t.get("feasible") and not t.get("events_dev")]
    if not ok:
        return []
    best = max(ok, key=score)
    top, n = score(best), best.get("n_cv")
    se = (max(top * (1.0 - top), 0.0) / n) ** 0.5 if n else 0.0
    return sorted(t["number"] for t in ok if score(t) >= top - se - tol)


def best_point(points: list[dict]) -> dict | None:
    """The front point ``best.yaml`` holds: highest :func:`rank` (score, then tie-break), then
    the least flash, the fewest instructions, the lowest trial number."""
    return max(
        points,
        key=lambda p: (*rank(p), -p["flash_bytes"], -p["instructions_per_inference"], -p["trial"]),
        default=None,
    )


def score_text(t: dict) -> str:
    """``acc_cv 0.950`` for classifiers, ``recall_dev 0.900 @ 0.5 FA/h`` for detectors."""
    ev = t.get("events_dev")
    if not ev:
        return f"acc_cv {t['accuracy_cv']:.3f}"
    return f"recall_dev {ev['recall'] or 0:.3f} @ {ev['false_accepts_per_hour'] or 0:.1f} FA/h"


def pareto(trials: list[dict]) -> list[dict]:
    """Non-dominated feasible trials (one per distinct objective triple, the lowest number),
    ordered by score (high first), then flash, instructions, number. Accuracy compares as
    :func:`rank` (score, then the tie-break), so a trial tied at the top score but better on
    repeated cross-validation stays on the front beside a cheaper one."""
    pts = [t for t in trials if t.get("feasible")]

    def key(t):
        r = rank(t)
        return (-r[0], -r[1], t["flash_bytes"], t["instructions"], t["number"])

    def dominates(a, b):
        ge = rank(a) >= rank(b) and a["flash_bytes"] <= b["flash_bytes"]
        ge = ge and a["instructions"] <= b["instructions"]
        gt = rank(a) > rank(b) or a["flash_bytes"] < b["flash_bytes"]
        return ge and (gt or a["instructions"] < b["instructions"])

    front, seen = [], set()
    for t in sorted(pts, key=key):
        triple = (rank(t), t["flash_bytes"], t["instructions"])
        if triple in seen or any(dominates(o, t) for o in pts):
            continue
        seen.add(triple)
        front.append(t)
    return front


def write_trials(path: Path, trials: list[dict]) -> None:
    with open(path, "w") as f:
        for t in trials:
            f.write(json.dumps(t, sort_keys=True) + "\n")


def write_csv(path: Path, points: list[dict]) -> None:
    cols = [
        "trial",
        *POINT_FIELDS,
        *EXTRA_FIELDS,
        "flash_estimate",
        "ram_estimate",
        "instructions_estimate",
        "differs",
        "pipeline",
    ]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for p in points:
            w.writerow(
                [
                    p["trial"],
                    *[p[k] for k in POINT_FIELDS],
                    *[p[k] for k in EXTRA_FIELDS],
                    *[p["estimate"][k] for k in ("flash_bytes", "ram_bytes", "instructions")],
                    "; ".join(p.get("differs", [])),
                    p["pipeline"],
                ]
            )


def plot(path: Path, trials: list[dict], front: list[dict], title: str = "") -> Path:
    """Accuracy (CV) against flash and against instructions per inference: feasible trials in
    colour, infeasible ones grey, the front marked (its points over the budget as measured,
    ``within_budget`` false, as grey crosses)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import ScalarFormatter

    fig = Figure(figsize=(10, 4.2))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2, sharey=True)
    ok = [t for t in trials if t.get("flash_bytes") is not None and t.get("feasible")]
    bad = [t for t in trials if t.get("flash_bytes") is not None and not t.get("feasible")]
    for ax, key, label in (
        (axes[0], "flash_bytes", "flash (KB, estimate)"),
        (axes[1], "instructions", "instructions per inference (estimate)"),
    ):
        scale = 1024.0 if key == "flash_bytes" else 1.0
        ax.scatter([t[key] / scale for t in bad], [score(t) for t in bad], c="0.75", s=14, label="infeasible")
        ax.scatter([t[key] / scale for t in ok], [score(t) for t in ok], c="tab:blue", s=16, label="feasible")
        fx = sorted((p["estimate"][key] / scale, score(p)) for p in front if p.get("within_budget", True))
        if fx:  # a front over three objectives: its points, not a line, in each projection
            ax.plot(*zip(*fx), "o", color="tab:red", mfc="none", ms=9, label="Pareto front")
        over = sorted((p["estimate"][key] / scale, score(p)) for p in front if not p.get("within_budget", True))
        if over:  # front points whose measured export breaks the budget: infeasible, never the best
            ax.plot(*zip(*over), "x", color="0.3", ms=11, mew=2, label="front, over budget as measured")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(ScalarFormatter())
        ax.tick_params(axis="x", which="both", labelsize=8)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    detector = any(t.get("events_dev") for t in trials)
    axes[0].set_ylabel(
        "recall on dev streams at the FA/h limit" if detector else "accuracy (cross-validation, training split)"
    )
    axes[0].legend(loc="lower right", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def table(points: list[dict], best_trial: int | None):
    """The final table (rich ``Table``)."""
    from rich.table import Table

    t = Table(title="Pareto front (held-out accuracy scored once per point)")
    for col in ("trial", "acc cv", "acc test", "flash", "RAM", "instr/inference", "measured", "pipeline"):
        t.add_column(col, justify="right" if col not in ("pipeline", "measured") else "left")
    for p in points:
        t.add_row(
            f"{p['trial']}{' *' if p['trial'] == best_trial else ''}",
            f"{p['accuracy_cv']:.3f}" + (f" (rep. {p['tiebreak']:.3f})" if p.get("tiebreak") is not None else ""),
            f"{p['accuracy_test']:.3f}",
            f"{p['flash_bytes'] / 1024:.1f} KB",
            f"{p['ram_bytes'] / 1024:.1f} KB",
            f"{p['instructions_per_inference']:,.0f}",
            ("yes" if p["measured"] else "no (estimate)") + ("" if p.get("within_budget", True) else ", over budget"),
            p["summary"],
        )
    return t
