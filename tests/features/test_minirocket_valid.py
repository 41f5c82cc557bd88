"""``minirocket`` over a recording's valid length (``window.pad: valid``): the features of a
recording equal aeon's MiniRocket transform of the recording alone (its fitted parameters
loaded, the series cut to its own length), where aeon computes them; aeon 1.x has no
variable-length MiniRocket (the authors' ``MiniRocketMultivariateVariable`` left it), its
equal-length kernel fails on a series no longer than 4 d (those dilations are compared with the
same transform on the cut series, the stage's own reference), and has no value for a valid-part
feature whose part [4d, n - 4d) is empty (a mean of nothing, NaN or, compiled with fastmath,
anything): there the stage counts over all n outputs, the rule of the authors' variable-length
code, checked against the same transform with zero padding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import yaml

from sensorflow.dsp import minirocket as mr
from sensorflow.pipeline import Pipeline


def _aeon_prefix(params, n_dilations: int):
    """aeon's parameter tuple restricted to its first ``n_dilations`` dilations (the feature
    order is dilation-major, so the padding alternation of the kept ones is unchanged)."""
    npc, chans, dil, per_dil, bias = params
    n_comb = 84 * n_dilations
    n_ch = int(np.sum(npc[:n_comb]))
    n_feat = 84 * int(np.sum(per_dil[:n_dilations]))
    return npc[:n_comb], chans[:n_ch], dil[:n_dilations], per_dil[:n_dilations], bias[:n_feat]


def test_host_equals_aeon_on_each_recording_alone():
    aeon = pytest.importorskip("aeon")
    del aeon
    from aeon.datasets import load_classification
    from aeon.transformations.collection.convolution_based import MiniRocket as AeonMiniRocket
    from aeon.transformations.collection.convolution_based._minirocket import _static_transform_multi

    X, _ = load_classification("JapaneseVowels", split="train")
    L = max(x.shape[-1] for x in X)
    Xp = np.stack([np.pad(np.asarray(x, np.float32), ((0, 0), (0, L - x.shape[-1]))) for x in X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        am = AeonMiniRocket(n_kernels=2000, random_state=0).fit(Xp)
    learned = mr.from_aeon_parameters(am.parameters)
    dil = np.asarray(am.parameters[2])
    counted = {"aeon": 0, "all outputs": 0}
    for x in X[::3]:
        n = x.shape[-1]
        series = np.asarray(x, np.float32)[None]  # (1, 12, n): the recording alone
        ours = mr.transform(np.transpose(series, (0, 2, 1)), learned)[0]
        k = int(np.sum(4 * dil < n))  # aeon's kernel runs for these dilations
        ref = _static_transform_multi(series, _aeon_prefix(am.parameters, k), AeonMiniRocket._indices)[0]
        aeon_ran = np.arange(len(ours)) < len(ref)
        empty = (learned["padding_"] == 0) & (8 * learned["dilation_"] >= n)
        np.testing.assert_array_equal(ours[aeon_ran & ~empty], ref[~empty[: len(ref)]])
        everywhere = {**learned, "padding_": np.ones_like(learned["padding_"])}
        full = mr.transform(np.transpose(series, (0, 2, 1)), everywhere)[0]
        np.testing.assert_array_equal(ours[empty], full[empty])
        counted["aeon"] += int(np.sum(aeon_ran & ~empty))
        counted["all outputs"] += int(np.sum(empty))
    assert counted["aeon"] > 10_000 and counted["all outputs"] > 1_000


def _recordings(n, seed):
    rng = np.random.default_rng(seed)
    recs, y = [], []
    for i in range(n):
        c = i % 3
        k = int(rng.integers(3, 40))
        t = np.arange(k)[:, None]
        recs.append((np.sin(t * (0.3 + 0.4 * c)) + 0.3 * rng.standard_normal((k, 2))).astype(np.float32))
        y.append(c)
    return recs, np.array(y)


def test_pipeline_fits_and_predicts_over_valid_lengths():
    """A pipeline with pad: valid fits the biases on the recordings' own samples, and its
    features are the stage's on each recording cut to its length (not the zero-padded window's)."""
    cfg = {
        "name": "mrv",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b"]},
        "window": {"length": 29, "pad": "valid"},
        "stages": [{"type": "minirocket", "n_features": 336, "keep": 50}, {"type": "ridge_classifier"}],
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    assert p.min_valid_length == 1
    train, y = _recordings(90, 0)
    p.fit(train, y)
    stage = p.stages[0]
    X, n_valid = p.to_windows(train)
    want = mr.fit(X, 336, 32, 0, lengths=n_valid)
    assert not np.array_equal(want["bias_"], mr.fit(X, 336, 32, 0)["bias_"])  # the lengths matter
    np.testing.assert_array_equal(stage.bias_, want["bias_"][stage.selected_])
    test, _ = _recordings(30, 1)
    Xt, nt = p.to_windows(test)
    feats = np.stack([stage.transform_valid(Xt[i : i + 1], int(n))[0] for i, n in enumerate(nt)])
    np.testing.assert_array_equal(p.transform(test), feats)
    short = nt < 29
    assert not np.array_equal(stage.transform(Xt[short]), feats[short])
    assert (p.predict(test) == _recordings(30, 1)[1]).mean() > 0.6


def test_train_fits_and_scores_over_valid_lengths(tmp_path):
    """``sensorflow train``'s path (training.train: the windows are the head features, the stage
    is fitted per fold and scored) passes each window's valid length to the minirocket stage."""
    from sensorflow.datasets.dataset import Dataset
    from sensorflow.training import train

    cfg = {
        "name": "mrv",
        "sensor": {"kind": "imu", "sample_rate": 50.0, "channels": ["a", "b"]},
        "window": {"length": 29, "pad": "valid"},
        "stages": [{"type": "minirocket", "n_features": 336, "keep": 40}, {"type": "ridge_classifier"}],
        "train": {"cv_folds": 3},
    }
    p = Pipeline.from_string(yaml.safe_dump(cfg, sort_keys=False))
    recs, y = _recordings(90, 2)
    ds = Dataset(recs, y, [str(i) for i in range(len(recs))], 50.0, ("a", "b"), [f"r{i}" for i in range(len(recs))])
    res = train(p, ds, progress=False, out_dir=tmp_path / "art")
    from sensorflow import artifact

    nv = artifact.load_array(tmp_path / "art", "test_n_valid")
    assert nv.min() < 29
    pred = p.predict(res.test_windows, nv)
    assert res.metrics["accuracy"] == float(np.mean(pred.astype(str) == np.asarray(res.test_labels).astype(str)))
    assert not np.array_equal(p.transform(res.test_windows, nv), p.transform(res.test_windows))  # the lengths are read
    assert res.metrics["cv"]["folds"] == 3 and res.metrics["accuracy"] > 0.6
