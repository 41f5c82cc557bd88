"""The int8 quantiser and its numpy reference (``stages.models.int8``): TFLite's parameter and
multiplier choices, gemmlowp's rounding against exact rational arithmetic, the fixed-point input
quantiser against exact rounding, calibration recorded at fit, and accuracy within 2 points of
the float model on held-out digits for every dense model."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from int8_cases import CASES, fitted

from sensorflow.errors import ConfigError
from sensorflow.stages.models import int8
from sensorflow.stages.models.mlp import MLP


def test_choose_params_holds_zero_exactly():
    for lo, hi in [(-1.0, 3.0), (0.5, 2.0), (-4.0, -1.0), (-0.01, 100.0)]:
        s, z = int8.choose_params(lo, hi)
        assert int8.QMIN <= z <= int8.QMAX
        assert s == pytest.approx((max(hi, 0) - min(lo, 0)) / 255)
        assert (min(lo, 0) / s + z) == pytest.approx(-128, abs=0.5)  # the range starts at code -128
    assert int8.choose_params(0.0, 0.0) == (1.0, 0)
    assert int8.choose_params(0.0, 5.0)[1] == -128  # relu outputs: zero at the lowest code


@pytest.mark.parametrize("m", [1e-6, 0.00390625, 0.3, 0.5, 0.999999999, 1.0, 1.7, 1000.0])
def test_quantize_multiplier_is_tflite(m):
    q, shift = int8.quantize_multiplier(m)
    assert 2**30 <= q < 2**31
    assert q * 2.0 ** (shift - 31) == pytest.approx(m, rel=2**-30)
    with pytest.raises(ConfigError):
        int8.quantize_multiplier(2.0**40)


def _exact_round_half_away(fr: Fraction) -> int:
    n = abs(fr)
    r = int(n + Fraction(1, 2))  # floor(n + 1/2)
    return -r if fr < 0 else r


def test_gemmlowp_rounding_against_exact_arithmetic():
    rng = np.random.default_rng(0)
    a = np.concatenate([rng.integers(-(2**31), 2**31, 4000), [-(2**31), 2**31 - 1, 0, 1, -1]])
    b = np.concatenate([rng.integers(2**30, 2**31, 4000), [-(2**31), 2**31 - 1, 2**30, 2**30, 2**30]])
    got = int8.saturating_rounding_doubling_high_mul(a, b)
    for x, y, g in zip(a.tolist(), b.tolist(), got.tolist()):
        if x == y == -(2**31):
            assert g == 2**31 - 1
            continue
        fr = Fraction(x * y, 2**31)
        assert g == int(np.floor(fr + Fraction(1, 2)))  # gemmlowp's nudge: ties toward +infinity
    x = rng.integers(-(2**31), 2**31, 3000)
    e = rng.integers(0, 32, 3000)
    got = int8.rounding_divide_by_pot(x, e)
    for v, k, g in zip(x.tolist(), e.tolist(), got.tolist()):
        assert g == _exact_round_half_away(Fraction(v, 2**k))


def test_input_quantiser_against_exact_rounding():
    rng = np.random.default_rng(2)
    for scale, zp in [(0.04065044253480201, -13), (1 / 3, 0), (7.5, 100), (1e-3, -128)]:
        mult, shift = int8.quantize_multiplier(1 / scale)
        b = int8.input_bounds(scale, zp)
        x = np.concatenate(
            [
                rng.standard_normal(2000) * scale * 80,
                b,
                np.nextafter(b, np.float32(np.inf)),
                np.nextafter(b, np.float32(-np.inf)),
                [0.0, -0.0, 1e-45, -1e-45, 3e38, -3e38],
            ]
        ).astype(np.float32)
        got = int8.quantize_floats(x, mult, shift, zp).astype(np.int64)
        inv = Fraction(mult) * Fraction(2) ** (shift - 31)  # the fixed-point 1 / scale
        want = [max(-128, min(127, zp + _exact_round_half_away(Fraction(float(v)) * inv))) for v in x]
        assert np.array_equal(got, want)
        # within half a step (plus the multiplier's 2^-31 relative error) of TFLite's round(x / s) + zp
        ref = np.clip(np.round(x.astype(np.float64) / scale) + zp, -128, 127)
        assert np.abs(got - ref).max() <= 1
    special = np.array([np.inf, -np.inf, np.nan, -np.nan], np.float32)
    assert int8.quantize_floats(special, 2**30, 1, 0).tolist() == [127, -128, 127, -128]


def test_calibration_recorded_at_fit_and_required():
    stage, Xtr, _, _ = fitted("mlp-tanh-2")
    r = stage.int8_ranges_
    assert r.shape == (1 + 2 * 3, 2)
    assert r[0, 0] == pytest.approx(Xtr.min()) and r[0, 1] == pytest.approx(Xtr.max())
    assert np.all(r[:, 0] <= r[:, 1])
    assert np.all(np.abs(r[2::2][:-1]) <= 1.0 + 1e-9)  # tanh outputs
    old = MLP(hidden_layer_sizes=[4], max_iter=20)
    old.fit(Xtr[:50], np.arange(50) % 2)
    old.int8_ranges_ = None  # an artifact from before calibration was recorded
    with pytest.raises(ConfigError, match="retrain"):
        int8.quantize(old)


def test_folded_bias_equals_the_zero_point_form():
    stage, Xtr, Xte, _ = fitted("mlp-relu")
    net = int8.quantize(stage)
    q = net.quantize_input(Xte).astype(np.int64)
    L = net.layers[0]
    plain = (q - L.in_zp) @ L.w.astype(np.int64).T + L.bias
    folded = q @ L.w.astype(np.int64).T + L.folded
    assert np.array_equal(plain, folded)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("n_classes", [10, 2])
def test_int8_accuracy_within_two_points_of_float(case, n_classes):
    stage, _, Xte, yte = fitted(case, n_classes)
    net = int8.quantize(stage)
    acc_f = np.mean(stage.predict(Xte) == yte)
    acc_q = np.mean(np.asarray(stage.classes_)[net.predict_index(Xte)] == yte)
    assert acc_q >= acc_f - 0.02, (acc_f, acc_q)
    assert np.mean(np.asarray(stage.classes_)[net.predict_index(Xte)] == stage.predict(Xte)) >= 0.95
    sc = int8.scores(net, net.forward(net.quantize_input(Xte)))
    assert np.allclose(sc.sum(axis=1), 1, atol=1e-5)
    assert np.abs(sc - stage.predict_proba(Xte)).mean() < 0.05
