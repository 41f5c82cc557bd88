"""Report sections both demo kinds write: the data (who trains, who is held out) and the
held-out classification table with its confusion and feature figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..labels import natural_sorted
from . import plots


def heldout_section(pipe, tr, out: Path, what: str) -> dict:
    m = tr.metrics
    classes = [str(c) for c in m["classes"]]
    plots.confusion(
        m["confusion_matrix"], classes, out / "confusion.png", f"{what}: accuracy {100 * m['accuracy']:.1f} %"
    )
    X, y = tr.test_windows, np.asarray(tr.test_labels).astype(str)
    idx = np.random.default_rng(0).permutation(len(X))[:400]
    F = pipe.transform(X[idx])
    plots.features(F, list(pipe.feature_spec.names), y[idx], out / "features.png", f"features the model sees ({what})")
    rows = [[c, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", v["support"]]
            for c, v in m["per_class"].items()]  # fmt: skip
    cv = m.get("cv")
    cv_text = (f" Grouped {cv['folds']}-fold cross-validation on the training part: accuracy "
               f"{100 * cv['accuracy_mean']:.1f} ± {100 * cv['accuracy_std']:.1f} %." if cv else "")  # fmt: skip
    return {
        "title": "Held-out windows",
        "text": (
            f"{m['n_train']} training and {m['n_test']} held-out windows ({what}), split `{m.get('split')}`, "
            f"{m.get('n_features')} features. **Accuracy {100 * m['accuracy']:.1f} %**, macro F1 "
            f"{m['macro_f1']:.3f}.{cv_text}"
        ),  # fmt: skip
        "header": ["class", "precision", "recall", "F1", "support"],
        "rows": rows,
        "figures": ["confusion.png", "features.png"],
    }


def data_section(ds, tr, group_word: str = "speakers") -> dict:
    fold = ds.fold if ds.fold is not None else np.array(["?"] * len(ds))
    train_spk = sorted(set(ds.groups[fold == "train"].tolist()))
    test_spk = sorted(set(ds.groups[fold == "test"].tolist()))
    labels = ds.labels
    rows = [[c, int(np.sum((labels == c) & (fold == "train"))), int(np.sum((labels == c) & (fold == "test")))]
            for c in natural_sorted(labels.tolist())]  # fmt: skip
    return {
        "title": "Data",
        "text": (
            f"Source `{ds.source}`, {ds.sample_rate:g} Hz. {len(train_spk)} training {group_word}, {len(test_spk)} "
            f"held-out {group_word} never used for training: {', '.join(f'`{s}`' for s in test_spk[:12])}"
            f"{' ...' if len(test_spk) > 12 else ''}.{_mining_text(ds, tr)}"
        ),
        "header": ["class", "training recordings", "held-out recordings"],
        "rows": rows,
    }


def _mining_text(ds, tr) -> str:
    mined = tr.metrics.get("hard_negatives") if tr is not None else None
    if not mined:
        return ""
    minutes = sum(len(b) for b in ds.background) / ds.sample_rate / 60.0
    rounds = mined.get("rounds") or [mined]
    each = ", then ".join(f"{r['mined']} ({r['above_half']} over 0.5)" for r in rounds)
    return (
        f" Hard negatives: the net scored all {mined['pool_windows']:,} windows of {minutes:.0f} min of "
        f"training voices' other speech, the windows it found least like `{ds.background_label}` were added "
        f"as `{ds.background_label}` and it trained again, {len(rounds)} time(s): {each}."
    )
