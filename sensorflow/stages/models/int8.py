"""int8 post-training quantisation of the dense models (``mlp``, ``logistic``, ``ridge_classifier``)
and the exact integer reference of what the device computes.

The scheme is TFLite's int8 one (the "Quantization specification" of TensorFlow Lite, as in
TFLM and CMSIS-NN): real value = (q - zero_point) * scale.

- activations: int8, asymmetric, per tensor; scale and zero point from the min/max range seen on
  the training windows (``calibration_ranges``), the range widened to hold 0 (TFLite's
  ``ChooseQuantizationParams``);
- weights: int8, symmetric (zero point 0), per output channel, scale = max|w| / 127;
- biases: int32 at scale input_scale * weight_scale, the input zero point folded in
  (``bias - z_in * sum_i w_q``), int32 accumulators;
- requantisation: multiplier/shift per output channel (TFLite's ``QuantizeMultiplier``) and
  ``MultiplyByQuantizedMultiplier`` = gemmlowp's ``SaturatingRoundingDoublingHighMul`` then
  ``RoundingDivideByPOT``; the one departure: a left shift (multiplier >= 1) is done in 64 bits and
  saturated to int32, where TFLite's C++ would overflow;
- tanh / logistic hidden layers: requantised to an int8 pre-activation, then a 256-entry table
  (TFLite's int8 LUT approach);
- the model input: the float features are quantised in fixed point from their float32 bits:
  ``q = clamp(zp + sign(x) * round(|x| * inv_scale))`` with ``inv_scale`` a 31-bit multiplier and
  shift (as the requantisation's), the product of the 24-bit mantissa and the multiplier
  rounded half away from zero: integer only, exact, about TFLite's ``round(x / scale) + zp``;
- output: int8 logits; the label is their first maximum (two classes: logit code > zero point,
  i.e. the dequantised logit > 0); scores are the softmax / logistic of the dequantised logits
  from a 256-entry float32 table (no ``exp`` on the device), bit for bit as :func:`scores`.

:func:`quantize` builds a :class:`QNet` from a fitted stage; :meth:`QNet.forward` computes every
integer exactly as ``sf_q8.c`` does (int64 numpy, C's truncating division and arithmetic shifts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ConfigError

QMIN, QMAX = -128, 127
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
STAGES = ("mlp", "logistic", "ridge_classifier")


# ---------------------------------------------------------------------------- calibration
def calibration_ranges(stage, X) -> np.ndarray:
    """``(1 + 2 * n_layers, 2)`` float64 [min, max]: the model input, then per layer the
    pre-activation and post-activation tensors, over the training rows ``X`` (float forward pass)."""
    a = np.asarray(X, dtype=np.float64)
    out = [(a.min(), a.max())]
    layers = dense_layers(stage)
    for i, (W, b) in enumerate(layers):
        a = a @ np.asarray(W, np.float64).T + np.asarray(b, np.float64)
        out.append((a.min(), a.max()))
        if i != len(layers) - 1:
            a = _activate(a, _activation(stage))
        out.append((a.min(), a.max()))
    return np.array(out, dtype=np.float64)


def dense_layers(stage) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W (n_out, n_in), b (n_out,))`` per layer (a linear model is one layer)."""
    if stage.name == "mlp":
        return [(np.asarray(W).T, np.asarray(b)) for W, b in stage.layers()]
    return [(np.atleast_2d(np.asarray(stage.coef_)), np.atleast_1d(np.asarray(stage.intercept_)))]


def _activation(stage) -> str:
    return stage.params.activation if stage.name == "mlp" else "identity"


def _activate(a: np.ndarray, act: str) -> np.ndarray:
    if act == "relu":
        return np.maximum(a, 0.0)
    if act == "tanh":
        return np.tanh(a)
    if act == "logistic":
        return 1.0 / (1.0 + np.exp(-a))
    return a


# ---------------------------------------------------------------------------- parameters
def choose_params(lo: float, hi: float) -> tuple[float, int]:
    """TFLite's ``ChooseQuantizationParams`` for int8: (scale, zero point) of [min(lo, 0), max(hi, 0)]."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo <= 0:
        return 1.0, 0
    scale = (hi - lo) / (QMAX - QMIN)
    zp_from_min = QMIN - lo / scale
    zp_from_max = QMAX - hi / scale
    err_min = abs(QMIN) + abs(lo / scale)
    err_max = abs(QMAX) + abs(hi / scale)
    zp = zp_from_min if err_min < err_max else zp_from_max
    return scale, int(np.clip(np.round(zp), QMIN, QMAX))


def quantize_multiplier(m: float) -> tuple[int, int]:
    """TFLite's ``QuantizeMultiplier``: ``m = q * 2^(shift - 31)``, q an int32 in [2^30, 2^31)."""
    if m <= 0:
        return 0, 0
    frac, shift = np.frexp(m)
    q = int(np.round(frac * (1 << 31)))
    if q == 1 << 31:
        q //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:
        raise ConfigError(f"int8 requantisation multiplier {m:.3g} is too large (shift {shift} > 30)")
    return q, int(shift)


@dataclass
class QLayer:
    w: np.ndarray  # int8 (n_out, n_in)
    w_scale: np.ndarray  # float64 (n_out,)
    bias: np.ndarray  # int32 (n_out,): round(b / (s_in * w_scale))
    folded: np.ndarray  # int32 (n_out,): bias - z_in * sum_i w[j, i]
    mult: np.ndarray  # int32 (n_out,)
    shift: np.ndarray  # int32 (n_out,)
    in_scale: float
    in_zp: int
    scale: float  # of what this layer's requantisation writes (pre-activation when lut is set)
    zp: int
    lo: int  # clamp (relu: the zero point)
    act: str = "identity"  # relu / tanh / logistic / identity
    lut: np.ndarray | None = None  # int8 (256,): tanh/logistic code -> code
    out_scale: float = 0.0  # after the table (== scale without one)
    out_zp: int = 0


@dataclass
class QNet:
    in_scale: float
    in_zp: int
    in_mult: int  # 1 / in_scale = in_mult * 2^(in_shift - 31)
    in_shift: int
    layers: list[QLayer]
    activation: str

    @property
    def bounds(self) -> np.ndarray:
        """float32 values near the input code boundaries ((c - 0.5 - zp) * scale), for tests."""
        return input_bounds(self.in_scale, self.in_zp)

    @property
    def n_out(self) -> int:
        return int(self.layers[-1].w.shape[0])

    @property
    def binary(self) -> bool:
        return self.n_out == 1

    def quantize_input(self, X) -> np.ndarray:
        """int8 codes of float features, exactly as ``sf_q8_quantize``."""
        return quantize_floats(X, self.in_mult, self.in_shift, self.in_zp)

    def forward(self, Q) -> np.ndarray:
        """int8 logits ``(n, n_out)`` from int8 input codes, exactly as ``sf_q8_dense``."""
        a = np.asarray(Q, dtype=np.int8)
        for L in self.layers:
            a = layer_forward(L, a)
        return a

    def predict_index(self, X) -> np.ndarray:
        z = self.forward(self.quantize_input(X)).astype(np.int64)
        if self.binary:
            return (z[:, 0] > self.layers[-1].out_zp).astype(np.int64)
        return np.argmax(z, axis=1)


def layer_forward(L: QLayer, q) -> np.ndarray:
    """One layer on int8 codes ``(n, n_in)`` -> int8 ``(n, n_out)``, as ``sf_q8_dense``."""
    acc = np.asarray(q, np.int64) @ L.w.astype(np.int64).T + L.folded.astype(np.int64)
    y = np.clip(requantize(acc, L.mult, L.shift) + L.zp, L.lo, QMAX)
    if L.lut is not None:
        y = L.lut.astype(np.int64)[y - QMIN]
    return y.astype(np.int8)


BIG = 1024  # SF_Q8_BIG: a magnitude that saturates whatever the zero point


def quantize_floats(X, mult: int, shift: int, zp: int) -> np.ndarray:
    """``sf_q8_quantize``: from the float32 bits, ``|x| / scale = m * mult * 2^-sh`` with
    ``sh = 181 - exponent - shift``, rounded half away from zero; inf/NaN saturate by sign."""
    b = np.ascontiguousarray(X, np.float32).view(np.uint32).astype(np.int64)
    e = (b >> 23) & 0xFF
    m = b & 0x7FFFFF
    m = np.where(e != 0, m | 0x800000, m)
    e = np.where(e != 0, e, 1)
    sh = 181 - e - shift
    p = (m * int(mult) + (np.int64(1) << np.clip(sh - 1, 0, 62))) >> np.clip(sh, 0, 62)
    r = np.where((m == 0) | (sh >= 57), 0, np.where(sh <= 0, BIG, np.minimum(p, BIG)))
    r = np.where(e == 0xFF, BIG, r)
    r = np.where(b >> 31 != 0, -r, r) + zp
    return np.clip(r, QMIN, QMAX).astype(np.int8)


def q16_shift(shift: int) -> int:
    """The right shift of :func:`quantize_q16` for an input multiplier's ``shift`` (1 .. 62)."""
    rs = 47 - int(shift)
    if not 1 <= rs <= 62:
        raise ConfigError(f"int8 input scale out of range for Q16 codes (shift {shift}); retrain")
    return rs


def quantize_q16(codes, mult: int, shift: int, zp: int) -> np.ndarray:
    """:func:`quantize_floats` of the float32 features ``c * 2^-16`` (``c`` int32 Q16 codes,
    ``|c| < 2^24``: the float is exact) computed on ``c`` itself: ``|x| / scale = |c| mult
    2^-(47 - shift)``, the same rational rounded half away from zero, so equal code for code."""
    c = np.asarray(codes, dtype=np.int64)
    rs = q16_shift(shift)
    r = (np.abs(c) * int(mult) + (np.int64(1) << (rs - 1))) >> rs
    r = np.where(c < 0, -np.minimum(r, BIG), np.minimum(r, BIG)) + zp
    return np.clip(r, QMIN, QMAX).astype(np.int8)


def input_bounds(scale: float, zp: int) -> np.ndarray:
    """The 255 float32 boundaries between codes c - 1 and c (c = -127 .. 127): (c - 0.5 - zp) * scale."""
    c = np.arange(QMIN + 1, QMAX + 1, dtype=np.float64)
    b = ((c - 0.5 - zp) * scale).astype(np.float32)
    return np.maximum.accumulate(b)  # float32 rounding cannot reorder them; kept sorted regardless


# ---------------------------------------------------------------------------- integer arithmetic
def _div_trunc(v: np.ndarray, d: int) -> np.ndarray:
    """C's ``/`` on int64: truncation toward zero."""
    q = np.abs(v) // d
    return np.where(v < 0, -q, q)


def saturating_rounding_doubling_high_mul(a, b) -> np.ndarray:
    """gemmlowp ``SaturatingRoundingDoublingHighMul`` on int32 (held in int64): a * b / 2^31
    rounded to nearest, ties toward +infinity (its nudge then truncation)."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    out = _div_trunc(ab + nudge, 1 << 31)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, out)


def rounding_divide_by_pot(x, exponent) -> np.ndarray:
    """gemmlowp ``RoundingDivideByPOT``: x / 2^exponent rounded to nearest, ties away from zero."""
    x, e = np.asarray(x, np.int64), np.asarray(exponent, np.int64)
    mask = (np.int64(1) << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (rem > threshold)


def requantize(acc, mult, shift) -> np.ndarray:
    """TFLite ``MultiplyByQuantizedMultiplier`` per channel (left shift saturated to int32)."""
    acc = np.asarray(acc, np.int64)
    shift = np.asarray(shift, np.int64)
    left = np.clip(np.maximum(shift, 0), 0, 31)
    x = np.clip(acc * (np.int64(1) << left), INT32_MIN, INT32_MAX)
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, mult), np.maximum(-shift, 0))


# ---------------------------------------------------------------------------- quantise a stage
def has_calibration(stage) -> bool:
    """Calibrated at fit, or imported from a quantised ONNX graph (``int8_import_``)."""
    return getattr(stage, "int8_ranges_", None) is not None or getattr(stage, "int8_import_", None) is not None


def quantize(stage) -> QNet:
    """The int8 network of a fitted ``mlp`` / ``logistic`` / ``ridge_classifier`` stage."""
    if stage.name not in STAGES:
        raise ConfigError(f"stage '{stage.name}' has no int8 path (those that do: {', '.join(STAGES)})")
    if not has_calibration(stage):
        raise ConfigError(
            f"stage '{stage.name}' was trained before int8 calibration was recorded; "
            "retrain the pipeline (sensorflow train) to export it with --numeric int8"
        )
    if getattr(stage, "int8_import_", None) is not None:  # the graph's own scales (onnx_quantised)
        return imported_net(stage.int8_import_)
    ranges = np.asarray(stage.int8_ranges_, np.float64)
    act = _activation(stage)
    layers_f = dense_layers(stage)
    s_in, z_in = choose_params(*ranges[0])
    net_in = (s_in, z_in)
    out: list[QLayer] = []
    for i, (W, b) in enumerate(layers_f):
        last = i == len(layers_f) - 1
        pre = ranges[1 + 2 * i]
        post = ranges[2 + 2 * i]
        layer_act = "identity" if last else act
        out.append(_layer(np.asarray(W, np.float64), np.asarray(b, np.float64), s_in, z_in, pre, post, layer_act))
        s_in, z_in = out[-1].out_scale, out[-1].out_zp
    in_mult, in_shift = quantize_multiplier(1.0 / net_in[0])
    return QNet(net_in[0], net_in[1], in_mult, in_shift, out, act)


def _layer(W, b, s_in, z_in, pre, post, act) -> QLayer:
    n_out, n_in = W.shape
    amax = np.abs(W).max(axis=1)
    w_scale = np.where(amax > 0, amax / QMAX, 1.0)
    wq = np.clip(np.round(W / w_scale[:, None]), -QMAX, QMAX).astype(np.int8)
    bias = np.round(b / (s_in * w_scale))
    if np.any(np.abs(bias) > 2**30):
        raise ConfigError("an int8 bias does not fit in int32 at input scale x weight scale; check the calibration")
    bias = bias.astype(np.int64)
    folded = bias - z_in * wq.astype(np.int64).sum(axis=1)
    bound = np.abs(wq.astype(np.int64)).sum(axis=1) * 128 + np.abs(folded)
    if np.any(bound > INT32_MAX):
        raise ConfigError(f"an int8 layer of {n_in} inputs could overflow its int32 accumulator; use fewer inputs")
    if act in ("tanh", "logistic"):
        scale, zp = choose_params(*pre)
        out_scale, out_zp = choose_params(*post)
        codes = np.arange(QMIN, QMAX + 1, dtype=np.float64)
        real = _activate((codes - zp) * scale, act)
        lut = np.clip(np.round(real / out_scale) + out_zp, QMIN, QMAX).astype(np.int8)
    else:
        scale, zp = choose_params(*post)
        out_scale, out_zp, lut = scale, zp, None
    mq = [quantize_multiplier(s_in * ws / scale) for ws in w_scale]
    return QLayer(
        w=wq,
        w_scale=w_scale,
        bias=bias.astype(np.int32),
        folded=folded.astype(np.int32),
        mult=np.array([m for m, _ in mq], np.int32),
        shift=np.array([s for _, s in mq], np.int32),
        in_scale=float(s_in),
        in_zp=int(z_in),
        scale=float(scale),
        zp=int(zp),
        lo=int(zp) if act == "relu" else QMIN,
        act=act,
        lut=lut,
        out_scale=float(out_scale),
        out_zp=int(out_zp),
    )


def score_table(net: QNet) -> np.ndarray:
    """float32 (256,): ``exp(-d * scale)`` for d = 0..255 (softmax), or for one logit the
    logistic of each code's value (``sf_q8_scores``)."""
    L = net.layers[-1]
    if net.binary:
        z = (np.arange(QMIN, QMAX + 1) - L.out_zp) * L.out_scale
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    return np.exp(-np.arange(256) * L.out_scale).astype(np.float32)


def scores(net: QNet, logits) -> np.ndarray:
    """``sf_q8_scores`` in float32, the same operations in the same order (bit for bit)."""
    z = np.asarray(logits, np.int64)
    T = score_table(net)
    if net.binary:
        p1 = T[z[:, 0] - QMIN]
        return np.stack([np.float32(1.0) - p1, p1], axis=1)
    e = T[z.max(axis=1, keepdims=True) - z]
    total = np.zeros(len(z), np.float32)
    for c in range(z.shape[1]):
        total = (total + e[:, c]).astype(np.float32)
    return (e / total[:, None]).astype(np.float32)


def imported_net(qnet: dict, source: str = "int8_import_") -> QNet:
    """The :class:`QNet` of an imported graph's int8 parameters (``int8_import_``, built by ``onnx_quantised`` from the graph)."""
    layers = []
    n = len(qnet["layers"])
    for i, d in enumerate(qnet["layers"]):
        w = np.asarray(d["w"], np.int64)
        w_scale = np.asarray(d["w_scale"], np.float64)
        bias = np.asarray(d["bias"], np.int64)
        s_in, z_in, s, z = float(d["in_scale"]), int(d["in_zp"]), float(d["scale"]), int(d["zp"])
        if i and (s_in, z_in) != (layers[-1].scale, layers[-1].zp):
            raise ConfigError(f"{source}: layer '{d['node']}' reads another scale than the layer before writes")
        relu = i < n - 1 and (d["relu"] or z == QMIN)
        folded = bias - z_in * w.sum(axis=1)
        if np.any(np.abs(w).sum(axis=1) * 128 + np.abs(folded) > INT32_MAX):
            raise ConfigError(f"{source}: layer '{d['node']}' could overflow its int32 accumulator")
        try:
            mq = [quantize_multiplier(np.float64(np.float32(s_in)) * ws / np.float64(np.float32(s))) for ws in w_scale]
        except ConfigError as exc:
            raise ConfigError(f"{source}: layer '{d['node']}': {exc.message}") from None
        layers.append(
            QLayer(
                w=w.astype(np.int8),
                w_scale=w_scale,
                bias=bias.astype(np.int32),
                folded=folded.astype(np.int32),
                mult=np.array([m for m, _ in mq], np.int32),
                shift=np.array([sh for _, sh in mq], np.int32),
                in_scale=s_in,
                in_zp=z_in,
                scale=s,
                zp=z,
                lo=z if relu else QMIN,
                act="relu" if relu else "identity",
                out_scale=s,
                out_zp=z,
            )
        )
    s0, z0 = float(qnet["in_scale"]), int(qnet["in_zp"])
    if layers and (s0, z0) != (layers[0].in_scale, layers[0].in_zp):
        raise ConfigError(f"{source}: the first layer reads another scale than the input QuantizeLinear writes")
    in_mult, in_shift = quantize_multiplier(1.0 / np.float64(np.float32(s0)))
    act = layers[0].act if len(layers) > 1 else "identity"
    return QNet(s0, z0, in_mult, in_shift, layers, act)
