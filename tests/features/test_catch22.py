"""catch22 reference (sensorflow.dsp.catch22) against its oracle, pycatch22 (>= 1.0, test-only,
GPL), on every channel of every case of four UEA/UCR sets that ship inside aeon: GunPoint,
JapaneseVowels (variable length: each case at its own length), ACSF1, BasicMotions. Every
feature within 1e-6 relative (absolute floor 1e-9 for values that are zero up to rounding),
except where the reference is known to depart, each stated and bounded:

- ``embedding_dist``: within 1e-5 relative (measured at most 6.8e-6, on JapaneseVowels; 3.7e-6 on
  BasicMotions): pycatch22's distance histogram differs from ours in a way we could not pin down
  (bin counts and bin count rule agree), by 1e-7 to 7e-6 of the value.
- ``transition_variance`` where resampled values tie at a quantile threshold (ACSF1: quantised
  current, flat stretches): which side of the threshold a tied value falls on is decided by the
  last bit of the resampling filter's rounding; allowed only where such a tie exists.
- ``periodicity`` on JapaneseVowels: pycatch22's spline detrending of short series of odd length
  (7-29 samples) is not the least-squares cubic spline with one knot at n/2 that matches it on
  every even-length series; the mismatches are confined to odd lengths under 30.

The fast suite checks a deterministic tenth of the series; ``-m slow`` checks them all.
"""

from __future__ import annotations

import numpy as np
import pytest

from sensorflow.dsp import catch22 as c22
from sensorflow.errors import ConfigError
from sensorflow.stages.catch22 import Catch22

DATASETS = ("GunPoint", "JapaneseVowels", "ACSF1", "BasicMotions")
RTOL = 1e-6
ATOL = 1e-9
LOOSER = {"embedding_dist": 1e-5}
NAMES = c22.SHORT_NAMES + c22.EXTRA_NAMES


def _series(name: str, every: int) -> list[np.ndarray]:
    aeon_datasets = pytest.importorskip("aeon.datasets")
    out = []
    for split in ("train", "test"):
        X, _ = aeon_datasets.load_classification(name, split=split)
        for case in X:
            for ch in np.asarray(case, dtype=np.float64):
                out.append(ch[np.isfinite(ch)])  # JapaneseVowels: the case's own length
    return out[::every]


def _quantile_tie(x: np.ndarray) -> bool:
    """Two or more of the transition matrix's resampled values equal a quantile threshold."""
    y = c22.zscore(x)
    tau = min(c22.first_crossing(c22.acf_fourier(y), 0.0)[0], len(y) // 50)
    ds = c22.matlab_resample_down(y, tau) if tau > 1 else y
    return any(np.count_nonzero(np.abs(ds - c22.matlab_quantile(ds, p)) < 1e-9) >= 2 for p in (1 / 3, 2 / 3))


def _check_dataset(name: str, every: int) -> None:
    pycatch22 = pytest.importorskip("pycatch22")
    series = _series(name, every)
    ref = np.array([pycatch22.catch22_all(s, catch24=True)["values"] for s in series])
    got = np.array([c22.catch22(s, catch24=True) for s in series])
    assert ref.shape == got.shape == (len(series), 24)
    lengths = np.array([len(s) for s in series])
    for j, feat in enumerate(NAMES):
        tol = LOOSER.get(feat, RTOL)
        bad = np.abs(got[:, j] - ref[:, j]) > tol * np.abs(ref[:, j]) + ATOL
        if feat == "transition_variance" and bad.any():
            assert all(_quantile_tie(series[i]) for i in np.flatnonzero(bad)), f"{name} {feat}: mismatch without a tie"
            continue
        if feat == "periodicity" and name == "JapaneseVowels":
            odd_short = (lengths % 2 == 1) & (lengths < 30)
            assert not np.any(bad & ~odd_short), f"{name} {feat}: mismatch outside odd lengths < 30"
            continue
        i = int(np.argmax(bad)) if bad.any() else 0
        assert not bad.any(), (
            f"{name} {feat}: {int(bad.sum())}/{len(series)} series differ, e.g. #{i * every} "
            f"(length {lengths[i]}): ours {got[i, j]!r}, pycatch22 {ref[i, j]!r}"
        )


@pytest.mark.parametrize("name", DATASETS)
def test_reference_equals_pycatch22_on_a_tenth(name):
    _check_dataset(name, every=10)


@pytest.mark.slow
@pytest.mark.parametrize("name", DATASETS)
def test_reference_equals_pycatch22_on_every_series(name):
    _check_dataset(name, every=1)


def test_reference_equals_pycatch22_on_synthetic_series():
    """Shapes the datasets lack: trends, spikes, quantised steps, white noise, odd lengths."""
    pycatch22 = pytest.importorskip("pycatch22")
    rng = np.random.default_rng(7)
    cases = [
        rng.standard_normal(200),
        np.cumsum(rng.standard_normal(301)),
        np.sin(np.arange(257) * 0.3) + 0.2 * rng.standard_normal(257),
        np.round(np.sin(np.arange(180) * 0.1) * 4),  # quantised: values on histogram edges
        np.where(rng.random(400) < 0.02, 8.0, 0.0) + 0.1 * rng.standard_normal(400),  # spikes
        np.linspace(0, 1, 120) ** 2 + 0.01 * rng.standard_normal(120),
    ]
    for x in cases:
        ref = np.array(pycatch22.catch22_all(x, catch24=True)["values"])
        got = c22.catch22(x, catch24=True)
        tol = np.array([LOOSER.get(f, RTOL) for f in NAMES])
        bad = np.abs(got - ref) > tol * np.abs(ref) + ATOL
        assert not bad.any(), [(NAMES[j], got[j], ref[j]) for j in np.flatnonzero(bad)]


def test_constant_and_short_series_take_pycatch22_masked_values():
    pycatch22 = pytest.importorskip("pycatch22")
    for x in (np.full(50, 3.0), np.arange(30.0) ** 1.5):  # constant; too short for rs_range/dfa
        ref = np.array(pycatch22.catch22_all(x)["values"])
        got = c22.catch22(x)
        masked = np.array(pycatch22.catch22_all(x, return_masked=True)["masked"])
        assert masked.any()
        masked[c22.SHORT_NAMES.index("embedding_dist")] = False  # pycatch22's sentinel: see masked_values
        np.testing.assert_allclose(got[masked], ref[masked], rtol=0, atol=0)


def test_stage_is_the_reference_per_channel():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 120, 2)).astype(np.float32)
    X[1, :, 1] = 0.5  # a constant channel
    stage = Catch22(catch24=True)
    out = stage.transform(X)
    assert out.dtype == np.float32 and out.shape == (3, 2 * 24)
    assert list(stage.output_spec_.names[:2]) == ["ch0_mode_5", "ch0_mode_10"]
    assert stage.output_spec_.names[-1] == "ch1_std"
    for i in range(3):
        for c in range(2):
            want = c22.catch22(X[i, :, c].astype(np.float64), catch24=True).astype(np.float32)
            np.testing.assert_array_equal(out[i, c * 24 : (c + 1) * 24], want)
    assert np.all(np.isfinite(out))


def test_stage_feature_subset_keeps_the_requested_order():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2, 80, 1)).astype(np.float32)
    full = Catch22().transform(X)
    sub = Catch22(features=["dfa", "mode_5"]).transform(X)
    np.testing.assert_array_equal(sub, full[:, [c22.SHORT_NAMES.index("dfa"), 0]])


def test_stage_refuses_bad_params_and_short_windows():
    with pytest.raises(ConfigError, match="twice"):
        Catch22(features=["dfa", "dfa"])
    with pytest.raises(ConfigError):
        Catch22(features=["not_a_feature"])
    with pytest.raises(ConfigError, match="at least 10 samples"):
        Catch22().transform(np.zeros((1, 6, 1), dtype=np.float32))


def test_step_series_ami_timescale_as_pycatch22():
    """A clean 0/1 step puts r^2 at or over 1 by rounding: no math domain error, pycatch22's answer."""
    pycatch22 = pytest.importorskip("pycatch22")
    from sensorflow.dsp.catch22 import ami_timescale

    y = np.r_[np.zeros(50), np.ones(50)]
    assert ami_timescale(y) == pycatch22.IN_AutoMutualInfoStats_40_gaussian_fmmi(y.tolist())
