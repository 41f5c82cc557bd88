"""The conv1d model stage and its numpy trainer (sensorflow.nn.conv1d): convolution against
scipy.signal.correlate, back-propagation against finite differences, frame inference from
log_mel feature names, and learning a pattern wherever it sits in time."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from sensorflow import stage
from sensorflow.errors import ConfigError
from sensorflow.nn import conv1d as nn
from sensorflow.pipeline import Pipeline


def _net(rng, pool="max"):
    return nn.init_network(3, [4, 5], [3, 2], [1, 2], 3, pool, rng)


def _float64(net, pool="max"):
    """The same network in float64 (biases nudged off zero, so every ReLU is live somewhere)."""
    return nn.Network(
        [
            nn.ConvLayer(L.weight.astype(np.float64), L.bias.astype(np.float64) + 0.1, L.kernel, L.stride)
            for L in net.layers
        ],
        net.out_weight.astype(np.float64),
        net.out_bias.astype(np.float64),
        pool,
    )


def _assert_gradients_match_finite_differences(net, grads, loss, rng, eps=1e-6):
    """Central differences of ``loss()`` on six random entries of every parameter."""
    for p, g in zip(net.params(), grads):
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in rng.choice(flat.size, min(6, flat.size), replace=False):
            keep = flat[i]
            flat[i] = keep + eps
            up = loss()
            flat[i] = keep - eps
            down = loss()
            flat[i] = keep
            assert abs((up - down) / (2 * eps) - gflat[i]) < 1e-5


def test_convolution_equals_scipy_correlate():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 11, 3)).astype(np.float32)
    net = _net(rng)
    L = net.layers[0]
    trace: list = []
    nn.forward(net, x, trace)
    z = trace[0][2]
    kernels = L.weight.reshape(L.kernel, 3, L.filters)
    for n in range(2):
        for f in range(L.filters):
            ref = sum(correlate(x[n, :, c], kernels[:, c, f], mode="valid") for c in range(3)) + L.bias[f]
            np.testing.assert_allclose(z[n, :, f], ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_backprop_matches_finite_differences(pool):
    rng = np.random.default_rng(1)
    net = _float64(_net(rng, pool), pool)
    x = rng.standard_normal((4, 12, 3))
    y = np.array([0, 1, 2, 1])

    def loss():
        h = x
        for L in net.layers:
            z = nn.patches(h, L.kernel, L.stride) @ L.weight + L.bias
            h = np.maximum(z, 0)
        pooled = h.max(axis=1) if pool == "max" else h.mean(axis=1)
        prob = nn.softmax(pooled @ net.out_weight + net.out_bias)
        return -np.log(prob[np.arange(4), y]).mean()

    trace: list = []
    prob = nn.softmax(nn.forward(net, x, trace))
    d = prob.copy()
    d[np.arange(4), y] -= 1
    _assert_gradients_match_finite_differences(net, nn.backward(net, trace, d / 4), loss, rng)


def _order_task(rng, n=300, steps=20, size=4):
    """Windows (n, steps * size) holding a 3-step diagonal pattern at a random time, forwards
    (class 1) or backwards (class 0): same energy, only the order differs; and the classes."""
    y = rng.integers(0, 2, n)
    x = 0.3 * rng.standard_normal((n, steps, size)).astype(np.float32)
    pattern = np.eye(size, dtype=np.float32)[:3] * 2
    for i in range(n):
        t = rng.integers(0, steps - 3)
        x[i, t : t + 3] += pattern if y[i] else pattern[::-1]
    return x.reshape(n, -1), y


def test_learns_a_pattern_wherever_it_is_in_time():
    X, y = _order_task(np.random.default_rng(2))
    m = stage("conv1d", filters=[8], frame_size=4, epochs=40, time_shift=0)
    m.fit(X[:200], y[:200])
    assert (m.predict(X[200:]) == y[200:]).mean() >= 0.95


def test_frame_size_comes_from_log_mel_names():
    p = Pipeline.from_string("""
name: t
sensor: {kind: audio, sample_rate: 8000, channels: [mic]}
window: {length: 2048}
stages:
  - {type: log_mel, n_fft: 256, hop_length: 128, n_mels: 10, center: false}
  - {type: conv1d, filters: [4, 4], epochs: 2}
""")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((8, 2048, 1)).astype(np.float32)
    p.fit(X, np.arange(8) % 2)
    model = p.stages[-1]
    assert model.frame_size_ == 10
    assert model.layer_shapes_[0][:3] == [30, 4, 3]


def test_too_deep_for_the_window_is_a_config_error():
    p_text = """
name: t
sensor: {kind: audio, sample_rate: 8000, channels: [mic]}
window: {length: 1024}
stages:
  - {type: log_mel, n_fft: 256, hop_length: 256, n_mels: 8, center: false}
  - {type: conv1d, filters: [4, 4, 4], kernel_size: 3}
"""
    with pytest.raises(ConfigError, match="fewer than kernel_size"):
        Pipeline.from_string(p_text)


def test_strides_must_match_layers():
    with pytest.raises(ConfigError, match="one per layer"):
        stage("conv1d", filters=[4, 4], strides=[1])


def test_channel_major_frames_are_refused():
    with pytest.raises(ConfigError, match="not time-major"):
        Pipeline.from_string("""
name: t
sensor: {kind: audio, sample_rate: 8000, channels: [l, r]}
window: {length: 2048}
stages:
  - {type: log_mel, n_fft: 256, hop_length: 256, n_mels: 8, center: false}
  - {type: conv1d, filters: [4]}
""")


def test_folded_standardisation_equals_standardising_the_input():
    from sensorflow.stages.models.conv import fold_standardization

    rng = np.random.default_rng(4)
    net = _net(rng)
    x = (rng.standard_normal((5, 10, 3)) * [1.0, 5.0, 0.2] + [3.0, -1.0, 10.0]).astype(np.float32)
    mean, scale = x.mean(axis=(0, 1)).astype(np.float64), x.std(axis=(0, 1)).astype(np.float64)
    want = nn.forward(net, ((x - mean) / scale).astype(np.float32))
    fold_standardization(net.layers[0], mean, scale)
    np.testing.assert_allclose(nn.forward(net, x), want, rtol=1e-4, atol=1e-4)


def _centred_model():
    X, y = _order_task(np.random.default_rng(6))
    m = stage("conv1d", filters=[6, 4], frame_size=4, epochs=5, time_shift=0, center_window=True)
    return m.fit(X[:120], y[:120]), X[120:]


def test_centred_window_ignores_a_steady_offset_per_feature():
    m, X = _centred_model()
    offset = np.tile(np.array([5.0, -3.0, 0.5, 40.0], np.float32), len(X[0]) // 4)  # e.g. a noise floor per band
    np.testing.assert_allclose(m.logits(X + offset), m.logits(X), rtol=1e-3, atol=1e-3)
    plain = stage("conv1d", filters=[6, 4], frame_size=4, epochs=5, time_shift=0).fit(X, np.arange(len(X)) % 2)
    assert np.abs(plain.logits(X + offset) - plain.logits(X)).max() > 1e-2  # without it the offset counts


def test_centring_as_a_first_layer_bias_equals_centring_the_input():
    m, X = _centred_model()
    first = m.network().layers[0]
    x = X.reshape(len(X), -1, 4).astype(np.float64)
    w = first.weight.astype(np.float64)
    want = nn.patches(x - x.mean(axis=1, keepdims=True), first.kernel, first.stride) @ w + first.bias
    bias = first.bias - x.mean(axis=1) @ m.centring_sums().astype(np.float64)  # per window, as the exports do
    got = nn.patches(x, first.kernel, first.stride) @ w + bias[:, None, :]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_centring_costs_the_window_means_and_a_bias_per_filter():
    m, _ = _centred_model()
    plain = stage("conv1d", filters=[6, 4], frame_size=4, epochs=1).fit(*_order_task(np.random.default_rng(6)))
    more, less = m.cost(), plain.cost()
    steps = m.geometry()[0][0]
    assert more.ops - less.ops == steps * 4 + 4 * 6 + 6
    assert more.flash_bytes - less.flash_bytes == 4 * 4 * 6
    assert more.ram_bytes - less.ram_bytes == 4 * (4 + 6)


def test_soft_targets_blend_labels_with_the_teachers_mean_answer():
    rng = np.random.default_rng(5)
    teachers = [_net(rng), _net(rng)]
    x = rng.standard_normal((6, 12, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2])
    mean = np.mean([nn.softmax(nn.forward(t, x).astype(np.float64)) for t in teachers], axis=0)
    got = nn.soft_targets(teachers, x, y, 3, 0.7)
    np.testing.assert_allclose(got, 0.3 * np.eye(3)[y] + 0.7 * mean, atol=1e-12)
    np.testing.assert_allclose(got.sum(axis=1), 1.0)
    np.testing.assert_array_equal(nn.soft_targets([], x, y, 3, 0.7), np.eye(3)[y])


def test_soft_target_gradient_matches_finite_differences():
    """fit() uses prob - target as d(loss)/d(logits) of the soft cross-entropy."""
    rng = np.random.default_rng(6)
    net = _float64(_net(rng))
    x = rng.standard_normal((4, 12, 3))
    target = nn.soft_targets([_net(rng)], x.astype(np.float32), np.array([0, 1, 2, 1]), 3, 0.6)

    def loss():
        return -(target * np.log(nn.softmax(nn.forward(net, x)))).sum(axis=1).mean()

    trace: list = []
    grads = nn.backward(net, trace, (nn.softmax(nn.forward(net, x, trace)) - target) / 4)
    _assert_gradients_match_finite_differences(net, grads, loss, rng)


def test_distilled_network_is_one_network_that_follows_its_teachers():
    X, y = _order_task(np.random.default_rng(7))
    kw = dict(filters=[8], frame_size=4, epochs=40, time_shift=0)
    plain = stage("conv1d", **kw).fit(X[:200], y[:200])
    distilled = stage("conv1d", teachers=2, teacher_weight=1.0, **kw).fit(X[:200], y[:200])
    teacher_1 = stage("conv1d", **dict(kw, random_state=1)).fit(X[:200], y[:200])
    # the device gets one network of the configured shape, whatever the teachers
    assert set(distilled.learned()) == set(plain.learned())
    assert distilled.weights_.shape == plain.weights_.shape
    assert (distilled.predict(X[200:]) == y[200:]).mean() >= 0.95
    # with labels weighted 0 it learned the teachers' (seeds 0 and 1) mean answer: it is nearer
    # to that than teacher 0 (the plain network) is (measured: 0.053 vs 0.075 mean |p| apart)
    want = (plain.predict_proba(X[:200]) + teacher_1.predict_proba(X[:200])) / 2
    got = np.abs(distilled.predict_proba(X[:200]) - want).mean()
    assert got < 0.85 * np.abs(plain.predict_proba(X[:200]) - want).mean()


def test_wider_teachers_train_a_network_of_the_configured_shape(monkeypatch):
    X, y = _order_task(np.random.default_rng(7))
    trained = []  # (filters per layer, targets blended with teachers?) of every network fitted
    fit = nn.fit

    def spy(net, x, labels, settings, rng, **kw):
        trained.append(([L.filters for L in net.layers], len(settings.teachers)))
        return fit(net, x, labels, settings, rng, **kw)

    monkeypatch.setattr(nn, "fit", spy)
    kw = dict(filters=[8, 6], strides=[1, 2], frame_size=4, epochs=3, time_shift=0)
    student = stage("conv1d", teachers=2, teacher_filters=[24, 12], **kw).fit(X[:100], y[:100])
    assert trained == [([24, 12], 0), ([24, 12], 0), ([8, 6], 2)]
    assert [s[1] for s in student.layer_shapes_] == [8, 6]
    assert student.weights_.shape == stage("conv1d", **kw).fit(X[:100], y[:100]).weights_.shape


def test_teacher_filters_must_match_layers():
    with pytest.raises(ConfigError, match="teacher_filters has 1 entries"):
        stage("conv1d", filters=[4, 4], teachers=2, teacher_filters=[8])


def test_weight_averaging_exports_the_mean_of_the_last_epochs_weights():
    rng = np.random.default_rng(8)
    net = _net(rng)
    x = rng.standard_normal((40, 12, 3)).astype(np.float32)
    y = rng.integers(0, 3, 40)
    snapshots: list = []
    settings = nn.TrainSettings(epochs=6, batch_size=16, average_last=0.5)
    nn.fit(
        net,
        x,
        y,
        settings,
        np.random.default_rng(0),
        on_epoch=lambda e, loss: snapshots.append([p.copy() for p in net.params()]),
    )
    assert len(snapshots) == 6
    for i, p in enumerate(net.params()):
        want = np.mean([s[i].astype(np.float64) for s in snapshots[3:]], axis=0)
        np.testing.assert_allclose(p, want, rtol=1e-6, atol=1e-7)
        assert not np.allclose(p, snapshots[-1][i])  # not simply the last weights


def test_training_runs_on_one_blas_thread_whatever_the_callers_limit():
    """A threaded BLAS sums in a different order per thread count; one thread keeps a seed's net
    the same on every machine."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not any(p["user_api"] == "blas" for p in threadpoolctl.threadpool_info()):
        pytest.skip("no BLAS thread pool to inspect")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 12, 3)).astype(np.float32)
    y = rng.integers(0, 3, 20)
    seen: list = []
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        nn.fit(
            _net(rng),
            x,
            y,
            nn.TrainSettings(epochs=2, batch_size=8),
            np.random.default_rng(0),
            on_epoch=lambda e, loss: seen.append(
                {p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"}
            ),
        )
    assert seen == [{1}, {1}]
