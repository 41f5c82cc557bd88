"""Shared pieces of the codegen tests: small pipelines over the test-only stages of
``codegen_fakes`` (so these tests need no DSP stage), and comparisons."""

from __future__ import annotations

import codegen_fakes
import numpy as np

from sensorflow.pipeline import Pipeline

codegen_fakes.install()

SCORE_ATOL = 1e-5  # probabilities: float32 on the device vs float64 in scikit-learn


def pipeline_yaml(
    model: str, params: str = "", post: str = "", hop: int = 10, length: int = 20, channels=("ax", "ay", "az")
) -> str:
    block = f"  - type: {model}\n" + "".join(f"    {line}\n" for line in params.splitlines() if line.strip())
    return (
        "name: ctest\n"
        f"sensor: {{kind: imu, sample_rate: 50, channels: [{', '.join(channels)}]}}\n"
        f"window: {{length: {length}, hop: {hop}}}\n"
        "stages:\n"
        "  - type: test_doubler\n"
        "  - type: test_channel_mean\n"
        f"{block}{post}"
    )


def dataset(rng, n=240, n_classes=3, length=20, channels=3, labels=None):
    y = rng.integers(0, n_classes, n)
    X = (rng.standard_normal((n, length, channels)) + y[:, None, None] * 0.6).astype(np.float32)
    names = np.array(labels or ["a", "b", "c", "d", "e"][:n_classes])
    return X, names[y]


def fitted(model: str, params: str = "", post: str = "", rng=None, **kw) -> tuple[Pipeline, np.ndarray, np.ndarray]:
    rng = rng or np.random.default_rng(0)
    p = Pipeline.from_string(pipeline_yaml(model, params, post, **kw))
    X, y = dataset(rng, length=p.window_length, channels=p.input_spec.n_channels)
    p.fit(X, y)
    return p, X, y


def tree_threshold_rows(stage, X_feat: np.ndarray, max_rows: int = 400) -> np.ndarray:
    """Feature rows with one feature set exactly on a split threshold (goes left) or on the
    next float32 above it (goes right) - the inputs emlearn and friends get wrong."""
    rows = []
    for tree in stage.trees():
        for f, t in zip(tree["feature"], tree["threshold"]):
            if f < 0:
                continue
            for v in (np.float32(t), np.nextafter(np.float32(t), np.float32(np.inf))):
                r = X_feat[len(rows) % len(X_feat)].copy()
                r[f] = v
                rows.append(r)
    rows = np.array(rows, dtype=np.float32)
    if len(rows) > max_rows:
        rows = rows[np.linspace(0, len(rows) - 1, max_rows).astype(int)]
    return rows
