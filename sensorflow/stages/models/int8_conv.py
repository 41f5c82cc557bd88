"""int8 post-training quantisation of the ``conv1d`` model stage, with the exact reference of
what the device computes (the scheme of :mod:`sensorflow.stages.models.int8`: TFLite's int8).

Each valid 1-D convolution is the int8 dense layer of ``int8`` applied at every output step to
the ``kernel x c_in`` codes of its receptive field (frames are time-major, so that patch is
contiguous: ``sf_q8_conv1d`` calls the dense kernel on a sliding pointer), ReLU clamping at the
zero point; global max pooling takes the int8 maximum over time (exact: requantisation is
monotone, so it commutes with max); ``pool: avg`` is TFLite's int8 average pooling (same scale and
zero point in and out; the sum of the codes over time divided by the step count, rounded half
away from zero: ``(|s| + T / 2) / T`` with the sign of ``s``; the device divides by the constant
``T`` as a multiply and shift chosen and checked exhaustively here, ``avg_divider``); the dense
output layer gives int8 logits.

``center_window`` (each input feature less its window mean) stays integer: the input codes are
the uncentred features (calibrated on their range) and the first layer, being linear, gets a
per-window int32 bias instead of a centred copy of the window:
``bias[f] - R(sum_c S[c, f] * sum_t q[t, c])`` with ``S[c, f]`` the int8 weights summed over the
taps and ``R`` the requantisation by ``1 / steps`` (gemmlowp rounding); the input zero point
cancels (``sf_q8_centre_bias``, which sums the weights against the channel totals on the device).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import ConfigError
from ...nn import conv1d as nn
from .int8 import (
    INT32_MAX,
    QMAX,
    QLayer,
    _layer,
    choose_params,
    layer_forward,
    quantize_floats,
    quantize_multiplier,
    requantize,
)


def conv_calibration_ranges(net: nn.Network, frames: np.ndarray, raw: np.ndarray | None = None) -> np.ndarray:
    """``(1 + 2 * n_conv + 2, 2)`` [min, max] over the training frames: the input (``raw``, the
    uncentred features, when given: ``center_window`` centres the int8 codes), each conv
    layer's pre- and post-ReLU output, the pooled vector and the logits (float forward pass)."""
    trace: list = []
    logits = nn.forward(net, frames, trace)
    x0 = frames if raw is None else raw
    out = [(float(x0.min()), float(x0.max()))]
    for _, _, z in trace[:-1]:
        out.append((float(z.min()), float(z.max())))
        out.append((0.0, float(max(z.max(), 0.0))))
    h = trace[-1]
    pooled = h.max(axis=1) if net.pool == "max" else h.mean(axis=1)
    out.append((float(pooled.min()), float(pooled.max())))
    out.append((float(logits.min()), float(logits.max())))
    return np.array(out, dtype=np.float64)


def unsupported(stage) -> str | None:
    """Why this fitted ``conv1d`` stage has no int8 path (None: it has one)."""
    if getattr(stage, "int8_ranges_", None) is None:
        return "no int8 calibration in this artifact: retrain the pipeline (sensorflow train)"
    return None


@dataclass
class QConv:
    layer: QLayer  # n_in = kernel * c_in, n_out = filters
    kernel: int
    stride: int
    c_in: int
    steps_in: int

    @property
    def steps_out(self) -> int:
        return nn.out_steps(self.steps_in, self.kernel, self.stride)


@dataclass
class Centring:
    """The first layer's per-window bias for ``center_window`` (``sf_q8_centre_bias``)."""

    sums: np.ndarray  # int16 (c_in, filters): the first layer's int8 weights summed over its taps
    bias: np.ndarray  # int32 (filters,): round(b / (s_in * w_scale)), no zero point folded in
    mult: int  # 1 / steps = mult * 2^(shift - 31)
    shift: int

    def window_bias(self, q: np.ndarray) -> np.ndarray:
        """int32 ``(n, filters)`` from int8 codes ``(n, steps, c_in)``."""
        totals = np.asarray(q, np.int64).sum(axis=1) @ self.sums.astype(np.int64)
        return self.bias.astype(np.int64) - requantize(totals, self.mult, self.shift)


def avg_divider(steps: int) -> tuple[int, int]:
    """``(mult, shift)`` with ``((n * mult) >> 32) >> shift == n // steps`` for every
    ``0 <= n <= 128 * steps + steps // 2`` (the magnitudes TFLite's rounding adds up to), mult a
    uint32; proved by the error bound, and checked for every n where that is cheap.
    ``sf_q8_avgpool`` so divides by the constant step count without a division instruction
    (lx106's libgcc has no ``__divsi3``); ``steps == 1`` is a copy (mult 0)."""
    if steps == 1:
        return 0, 0
    top = 128 * steps + steps // 2
    for shift in range(int(steps).bit_length() - 1, -1, -1):  # the most precise multiplier first
        mult = -(-(1 << (32 + shift)) // steps)  # ceil(2^(32 + shift) / steps)
        # n * mult / 2^s = n / steps + n * err / (steps * 2^s): exact floor while n * err < 2^s
        if mult < 1 << 32 and top * (mult * steps - (1 << (32 + shift))) < 1 << (32 + shift):
            if top < 1 << 22:  # and, where cheap, every n
                n = np.arange(top + 1, dtype=np.uint64)
                if not np.array_equal((n * np.uint64(mult)) >> np.uint64(32 + shift), n // np.uint64(steps)):
                    continue
            return int(mult), shift
    raise ConfigError(f"stage 'conv1d': no exact int8 average-pooling divider for {steps} steps")


def avg_pool(h: np.ndarray) -> np.ndarray:
    """TFLite's int8 average pooling over axis 1 of int8 ``(n, steps, channels)``."""
    s = np.asarray(h, np.int64).sum(axis=1)
    steps = h.shape[1]
    q = (np.abs(s) + steps // 2) // steps
    return np.where(s < 0, -q, q).astype(np.int8)  # a mean of int8 codes: in range


@dataclass
class QConvNet:
    in_scale: float
    in_zp: int
    in_mult: int
    in_shift: int
    convs: list[QConv]
    dense: QLayer
    centring: Centring | None = None
    pool: str = "max"

    @property
    def layers(self) -> list[QLayer]:
        """Every int8 layer, input to output (the conv layers as their per-step dense layer)."""
        return [c.layer for c in self.convs] + [self.dense]

    @property
    def n_out(self) -> int:
        return int(self.dense.w.shape[0])

    @property
    def binary(self) -> bool:
        return False

    def quantize_input(self, X) -> np.ndarray:
        return quantize_floats(X, self.in_mult, self.in_shift, self.in_zp)

    def forward(self, Q) -> np.ndarray:
        """int8 logits from int8 input codes ``(n, steps * c_in)``, exactly as the C."""
        q = np.asarray(Q, np.int8)
        h = self.first_layer(q)
        for c in self.convs[1:]:
            p = nn.patches(h, c.kernel, c.stride)  # (n, t_out, kernel * c_in)
            h = layer_forward(c.layer, p.reshape(-1, p.shape[-1])).reshape(len(q), c.steps_out, -1)
        pooled = h.max(axis=1) if self.pool == "max" else avg_pool(h)
        return layer_forward(self.dense, pooled)

    def first_layer(self, Q) -> np.ndarray:
        """int8 ``(n, steps_out, filters)`` of the first conv layer on int8 input codes."""
        q = np.asarray(Q, np.int8)
        c = self.convs[0]
        h = q.reshape(len(q), c.steps_in, c.c_in)
        p = nn.patches(h, c.kernel, c.stride)
        if self.centring is not None:
            y = _centred_forward(c.layer, p, self.centring.window_bias(h))
        else:
            y = layer_forward(c.layer, p.reshape(-1, p.shape[-1]))
        return y.reshape(len(q), c.steps_out, -1)

    def predict_index(self, X) -> np.ndarray:
        return np.argmax(self.forward(self.quantize_input(X)).astype(np.int64), axis=1)


def _centred_forward(L: QLayer, patches: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``layer_forward`` with a per-window bias ``(n, filters)`` in place of ``L.folded``."""
    acc = patches.astype(np.int64) @ L.w.astype(np.int64).T + bias[:, None, :]
    y = np.clip(requantize(acc, L.mult, L.shift) + L.zp, L.lo, QMAX)
    return y.reshape(-1, L.w.shape[0]).astype(np.int8)


def _centring(first: QConv) -> Centring:
    """The per-window bias tables of the first layer; refuses sizes that could overflow int32."""
    L = first.layer
    filters = int(L.w.shape[0])
    sums = L.w.astype(np.int64).reshape(filters, first.kernel, first.c_in).sum(axis=1).T
    totals = np.abs(L.w.astype(np.int64)).sum(axis=1) * 128 * first.steps_in  # sf_q8_centre_bias's partial sums
    acc = np.abs(L.w.astype(np.int64)).sum(axis=1) * 128 + np.abs(L.bias.astype(np.int64)) + totals
    if np.any(acc > INT32_MAX):
        raise ConfigError(
            "stage 'conv1d': center_window with this many steps could overflow the int8 path's int32 sums"
        )
    mult, shift = quantize_multiplier(1.0 / first.steps_in)
    return Centring(sums.astype(np.int16), L.bias.astype(np.int32), mult, shift)


def quantize_conv(stage) -> QConvNet:
    """The int8 network of a fitted ``conv1d`` stage."""
    why = unsupported(stage)
    if why is not None:
        raise ConfigError(f"stage 'conv1d': {why}")
    r = np.asarray(stage.int8_ranges_, np.float64)
    net = stage.network()
    geo = stage.geometry()
    if r.shape != (1 + 2 * len(net.layers) + 2, 2):
        raise ConfigError("stage 'conv1d': int8_ranges_ does not match the layers; retrain the pipeline")
    s_in, z_in = choose_params(*r[0])
    first = (s_in, z_in)
    convs = []
    for i, (L, (steps, c_in, _, kernel, stride)) in enumerate(zip(net.layers, geo)):
        W = np.asarray(L.weight, np.float64).T  # (filters, kernel * c_in), tap-major rows
        q = _layer(W, np.asarray(L.bias, np.float64), s_in, z_in, r[1 + 2 * i], r[2 + 2 * i], "relu")
        convs.append(QConv(q, kernel, stride, c_in, steps))
        s_in, z_in = q.out_scale, q.out_zp
    # max and TFLite's average pooling keep the last conv layer's scale: the dense layer reads that
    W = np.asarray(net.out_weight, np.float64).T
    dense = _layer(W, np.asarray(net.out_bias, np.float64), s_in, z_in, r[-1], r[-1], "identity")
    mult, shift = quantize_multiplier(1.0 / first[0])
    centring = _centring(convs[0]) if stage.params.center_window else None
    return QConvNet(first[0], first[1], mult, shift, convs, dense, centring, stage.params.pool)


def quantize_model(stage):
    """The int8 network of any stage with an int8 path (``conv1d`` or a dense model)."""
    from .int8 import quantize

    return quantize_conv(stage) if stage.name == "conv1d" else quantize(stage)


# sf_q8.o text: 5,936 B measured on the Cortex-M4F at -O2 (assembly MAC and requantisation loops)
Q8_KERNEL_CODE_BYTES = 6100


def int8_cost(stage, float_cost):
    """The ``Cost`` of a stage on its int8 path (the budget check uses it when the export takes
    that path): int8 weights, per-channel int32 bias and multiplier and int8 shift, 256-byte
    tables, the 1 KB score table, the ``sf_q8`` code and the stage function in flash; the int8 input codes and two
    ping-pong int8 buffers (plus the pooled vector) in RAM; the float model's operation count.
    Stages without an int8 path get ``float_cost`` back."""
    from dataclasses import replace

    from .int8 import STAGES

    if stage.name not in (*STAGES, "conv1d"):
        return float_cost
    net = quantize_model(stage)
    flash = Q8_KERNEL_CODE_BYTES + 4 * 256 + 256  # kernels, score table, the stage function
    for L in net.layers:  # weights, bias + multiplier + shift per channel, table, sf_q8_layer
        flash += int(L.w.size) + 9 * int(L.w.shape[0]) + (256 if L.lut is not None else 0) + 24
    if stage.name == "conv1d":
        first = net.convs[0]
        widest = max([c.steps_out * int(c.layer.w.shape[0]) for c in net.convs] + [net.n_out])
        ram = first.steps_in * first.c_in + 2 * widest + int(net.convs[-1].layer.w.shape[0])
        if net.centring is not None:  # int32 bias + code in flash; channel totals and the window's bias in RAM
            filters = int(first.layer.w.shape[0])
            flash += 4 * filters + 96
            ram += 4 * (filters + first.c_in)
    else:
        ram = int(net.layers[0].w.shape[1]) + 2 * max(int(L.w.shape[0]) for L in net.layers)
    return replace(float_cost, flash_bytes=flash, ram_bytes=ram)
