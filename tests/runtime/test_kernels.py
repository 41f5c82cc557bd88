"""The smaller DSP kernels against outside oracles: sf_biquad vs scipy.signal.sosfilt (whole
signal and in chunks) and CMSIS-DSP's arm_biquad_cascade_df2T_f32; sf_stats vs numpy /
scipy.stats and the reference `stats` stage; sf_mel / sf_dct vs librosa and scipy.fft.dct;
sf_spectral vs librosa.feature and the reference `spectral` describe(); Hilbert envelope vs
scipy.signal.hilbert; sf_dense / sf_conv1d_relu bit for bit against float32 sums in the same
order. Hostile inputs run under ASan/UBSan."""

import numpy as np
import pytest
import scipy.fft
import scipy.signal
import scipy.stats
from cbuild import build_driver, run
from conftest import need_tools

from sensorflow.stages import stats as stats_stage
from sensorflow.stages.spectral import describe, top_peaks

STAT_ORDER = list(stats_stage.FUNCTIONS)  # the order of the C SF_STAT_* enum (checked in test_stage_c.py)


@pytest.fixture(scope="module")
def drivers(tmp_path_factory):
    need_tools("cc")
    d = tmp_path_factory.mktemp("kernels")
    return {"plain": build_driver(d), "san": build_driver(d, sanitize=True, opt="-O1")}


# ------------------------------------------------------------------------------ biquad
def _sos_payload(sos):
    return np.concatenate([sos[:, :3], sos[:, 4:6]], axis=1).ravel().astype(np.float32)


@pytest.mark.parametrize(
    "design",
    [
        dict(N=4, Wn=100.0, btype="lowpass"),
        dict(N=2, Wn=20.0, btype="highpass"),
        dict(N=3, Wn=[50.0, 200.0], btype="bandpass"),
        dict(N=6, Wn=[45.0, 55.0], btype="bandstop"),
    ],
)
@pytest.mark.parametrize("chunks", [[], [1], [7, 1, 33, 2], [64]])
def test_biquad_matches_sosfilt(drivers, design, chunks):
    sos = scipy.signal.butter(fs=1000.0, output="sos", **design)
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(2000) + np.sin(np.arange(2000) * 0.3)).astype(np.float32)
    got = run(drivers["plain"], ["biquad", len(sos), len(x), *chunks], np.concatenate([_sos_payload(sos), x]))
    ref = scipy.signal.sosfilt(sos, x.astype(np.float64))
    assert np.abs(got - ref).max() < 1e-4 * max(1.0, np.abs(ref).max())


def test_biquad_matches_cmsis_dsp(drivers):
    dsp = pytest.importorskip("cmsisdsp")
    sos = scipy.signal.butter(4, 100.0, fs=1000.0, output="sos")
    x = np.random.default_rng(1).standard_normal(512).astype(np.float32)
    # CMSIS stores {b0, b1, b2, -a1, -a2}
    coeffs = np.concatenate([sos[:, :3], -sos[:, 4:6]], axis=1).ravel().astype(np.float32)
    inst = dsp.arm_biquad_cascade_df2T_instance_f32()
    dsp.arm_biquad_cascade_df2T_init_f32(inst, len(sos), coeffs, np.zeros(2 * len(sos), np.float32))
    ref = np.asarray(dsp.arm_biquad_cascade_df2T_f32(inst, x))
    got = run(drivers["plain"], ["biquad", len(sos), len(x)], np.concatenate([_sos_payload(sos), x]))
    assert np.abs(got - ref).max() < 1e-5 * np.abs(ref).max()


def test_biquad_hostile_inputs(drivers):
    sos = scipy.signal.butter(4, 100.0, fs=1000.0, output="sos")
    x = np.concatenate([np.full(100, 1e-42), np.zeros(500), np.full(50, 1e30), np.zeros(1000)]).astype(np.float32)
    got = run(drivers["san"], ["biquad", len(sos), len(x), 13], np.concatenate([_sos_payload(sos), x]))
    assert np.all(np.isfinite(got))


# ------------------------------------------------------------------------------ stats
def _stats(exe, X):
    n, L, C = X.shape
    return run(exe, ["stats", L, C], X).reshape(n, C, len(STAT_ORDER))


def test_stats_match_reference_and_scipy(drivers):
    rng = np.random.default_rng(2)
    X = np.concatenate(
        [
            rng.standard_normal((6, 200, 3)) * 3 + 10,  # offset: checks the two-pass mean
            rng.exponential(1.0, (3, 200, 3)),  # skewed
            np.sin(np.arange(200) * 0.2)[None, :, None] * np.ones((2, 1, 3)) + 1e4,  # large offset, small ripple
        ]
    ).astype(np.float32)
    got = _stats(drivers["plain"], X)
    ref = stats_stage.compute(X, STAT_ORDER)
    scale = np.maximum(np.abs(ref), 1.0)
    for j, name in enumerate(STAT_ORDER):
        tol = 2e-3 if name in ("skew", "kurtosis") else 1e-5
        assert np.all(np.abs(got[..., j] - ref[..., j]) <= tol * scale[..., j]), name
    x64 = X.astype(np.float64)
    np.testing.assert_allclose(got[..., 8], scipy.stats.skew(x64, axis=1), rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(got[..., 9], scipy.stats.kurtosis(x64, axis=1), rtol=2e-3, atol=2e-3)


def test_zero_crossing_rate_matches_librosa(drivers):
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(3)
    x = rng.standard_normal(512).astype(np.float32)
    x[::17] = 0.0
    x[5::31] = 1e-12  # counts as zero
    got = _stats(drivers["plain"], x[None, :, None])[0, 0, STAT_ORDER.index("zero_crossing_rate")]
    ref = librosa.feature.zero_crossing_rate(x, frame_length=512, hop_length=512, center=False)[0, 0]
    assert abs(got - ref) < 1e-6


def test_stats_hostile_inputs(drivers):
    big = np.finfo(np.float32).max
    X = np.stack(
        [
            np.zeros(64),
            np.full(64, 5.0),
            np.full(64, 1e-42),
            np.where(np.arange(64) % 2, big, -big),
            np.full(64, -big),
            np.linspace(-1e30, 1e30, 64),
        ]
    ).astype(np.float32)[:, :, None]
    got = _stats(drivers["san"], X)
    finite = [n for n in STAT_ORDER if n not in ("var", "energy", "ptp")]
    for j, name in enumerate(STAT_ORDER):
        if name in finite:
            assert np.all(np.isfinite(got[..., j])), name
    ref = stats_stage.compute(X[:3], STAT_ORDER)
    np.testing.assert_allclose(got[:3], ref, rtol=1e-5, atol=1e-30)
    # full-scale alternating: skew 0, kurtosis -2, rms = max, crest 1
    alt = dict(zip(STAT_ORDER, got[3, 0]))
    assert alt["skew"] == 0 and abs(alt["kurtosis"] + 2) < 1e-5
    assert abs(alt["rms"] / big - 1) < 1e-6 and abs(alt["crest_factor"] - 1) < 1e-6


# ------------------------------------------------------------------------------ mel / dct
def test_mel_filterbank_matches_librosa(drivers):
    librosa = pytest.importorskip("librosa")
    M = librosa.filters.mel(sr=16000, n_fft=512, n_mels=40).astype(np.float32)
    S = np.abs(np.random.default_rng(4).standard_normal((5, 257))).astype(np.float32) ** 2
    got = run(drivers["plain"], ["mel", 40, 257], np.concatenate([M.ravel(), S.ravel()])).reshape(5, 40)
    np.testing.assert_allclose(got, S.astype(np.float64) @ M.T.astype(np.float64), rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("n_in,n_out", [(40, 13), (26, 26), (128, 20), (7, 3)])
def test_dct_matches_scipy(drivers, n_in, n_out):
    mat = run(drivers["plain"], ["dctmatrix", n_in, n_out], np.zeros(0, np.float32)).reshape(n_out, n_in)
    ref = scipy.fft.dct(np.eye(n_in), type=2, norm="ortho", axis=0)[:n_out]
    assert np.abs(mat - ref).max() < 1e-6
    x = np.random.default_rng(n_in).standard_normal((4, n_in)).astype(np.float32) * 30
    got = run(drivers["plain"], ["dct", n_in, n_out], x).reshape(4, n_out)
    ref = scipy.fft.dct(x.astype(np.float64), type=2, norm="ortho", axis=1)[:, :n_out]
    assert np.abs(got - ref).max() < 1e-5 * np.abs(ref).max()


# ------------------------------------------------------------------------------ spectral
def test_spectral_shape_matches_reference_and_librosa(drivers):
    librosa = pytest.importorskip("librosa")
    n_bins, sr, n_fft = 129, 1000.0, 256
    freqs = np.arange(n_bins) * sr / n_fft
    rng = np.random.default_rng(5)
    S = np.abs(rng.standard_normal((6, n_bins))).astype(np.float32)
    S[1] = 0.0  # silent
    S[2, 40] = 30.0  # a strong tone
    S[3, [10, 11]] = 9.0  # a tie: the lower bin wins
    k = 4
    got = run(drivers["plain"], ["spectral", n_bins, sr / n_fft, 0.85, k, 0], S).reshape(6, 5 + 2 * k)
    ref = describe(S.astype(np.float64), freqs, ["centroid", "bandwidth", "rolloff", "flatness"], 0.85, 0)
    np.testing.assert_allclose(got[:, :4], ref, rtol=1e-4, atol=1e-6)
    live = [0, 2, 3, 4, 5]
    Sl = S[live].T.astype(np.float64)
    np.testing.assert_allclose(got[live, 0], librosa.feature.spectral_centroid(S=Sl, freq=freqs)[0], rtol=1e-4)
    np.testing.assert_allclose(got[live, 1], librosa.feature.spectral_bandwidth(S=Sl, freq=freqs)[0], rtol=1e-4)
    np.testing.assert_allclose(got[live, 2], librosa.feature.spectral_rolloff(S=Sl, freq=freqs)[0], rtol=1e-6)
    np.testing.assert_allclose(got[live, 3], librosa.feature.spectral_flatness(S=Sl)[0], rtol=1e-4)
    # top-k (argmax order, ties to the lower bin) vs numpy's stable argsort
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(got[:, 5::2][[0, 2, 3]], order[[0, 2, 3]])
    assert got[2, 5] == 40 and got[3, 5] == 10 and got[3, 7] == 11


def test_local_peaks_match_reference(drivers):
    # the driver's top-k is over all bins; local peaks are checked through the spectral stage
    # emitter in test_emitters; here the reference's own definition is sanity-checked
    S = np.array([[0, 1, 0, 3, 3, 0, 2, 0.0]])
    tp = top_peaks(S, np.arange(8.0), 3)
    assert list(tp[0]) == [3.0, 3.0, 6.0, 2.0, 1.0, 1.0]


@pytest.mark.parametrize("n", [16, 256, 1024])
def test_hilbert_envelope_matches_scipy(drivers, n):
    rng = np.random.default_rng(n)
    t = np.arange(n)
    x = ((1 + 0.5 * np.cos(2 * np.pi * 3 * t / n)) * np.sin(2 * np.pi * 0.2 * t) + 0.1 * rng.standard_normal(n)).astype(
        np.float32
    )
    got = run(drivers["san"], ["envelope", n], np.stack([x, np.zeros(n, np.float32)])).reshape(2, n)
    ref = np.abs(scipy.signal.hilbert(x.astype(np.float64)))
    assert np.abs(got[0] - ref).max() < 2e-6 * np.abs(ref).max() + 1e-6
    assert np.all(got[1] == 0)


# ------------------------------------------------------------------------------ dense / conv1d
ACT_IDENTITY, ACT_RELU, ACT_TANH, ACT_LOGISTIC = 0, 1, 2, 3


def _dense_ref(X, Wt, b, act):
    """float32, each output summed from 0 in the order i = 0 .. n_in - 1, then the bias."""
    X, Wt, b = (np.asarray(a, np.float32) for a in (X, Wt, b))
    acc = np.zeros((X.shape[0], Wt.shape[0]), np.float32)
    for i in range(Wt.shape[1]):
        acc = acc + X[:, i : i + 1] * Wt[None, :, i]
    acc = acc + b
    if act == ACT_RELU:
        return np.where(acc > 0, acc, np.float32(0))
    if act == ACT_TANH:
        return np.tanh(acc)
    if act == ACT_LOGISTIC:
        return (1 / (1 + np.exp(-acc.astype(np.float64)))).astype(np.float32)
    return acc


def _spread(rng, shape):
    """Values over six decades with both signs, so that another summation order gives other bits."""
    v = rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)
    v[rng.random(shape) < 0.1] = 0.0
    return v.astype(np.float32)


@pytest.mark.parametrize("act", [ACT_IDENTITY, ACT_RELU])
def test_dense_bit_exact_for_every_block_and_tail(drivers, act):
    rng = np.random.default_rng(10 + act)
    reordered = 0
    for n_out in range(1, 10):
        for n_in in range(1, 8):
            Wt, b, X = _spread(rng, (n_out, n_in)), _spread(rng, n_out), _spread(rng, (5, n_in))
            exe = drivers["san"] if (n_in + n_out) % 4 == 0 else drivers["plain"]
            got = run(exe, ["dense", n_in, n_out, act], np.concatenate([Wt.ravel(), b, X.ravel()])).reshape(5, n_out)
            want = _dense_ref(X, Wt, b, act)
            np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32), err_msg=f"{n_in=} {n_out=}")
            reordered += int(np.any(_dense_ref(X[:, ::-1], Wt[:, ::-1], b, act) != want))
    assert reordered > 10  # the data tells summation orders apart


@pytest.mark.parametrize("act", [ACT_TANH, ACT_LOGISTIC])
def test_dense_smooth_activations(drivers, act):
    rng = np.random.default_rng(20 + act)
    for n_out, n_in in [(1, 1), (3, 7), (4, 5), (9, 6), (16, 40)]:
        Wt, b = rng.standard_normal((n_out, n_in)).astype(np.float32), rng.standard_normal(n_out).astype(np.float32)
        X = (rng.standard_normal((4, n_in)) * 3).astype(np.float32)
        got = run(drivers["plain"], ["dense", n_in, n_out, act], np.concatenate([Wt.ravel(), b, X.ravel()]))
        np.testing.assert_allclose(got.reshape(4, n_out), _dense_ref(X, Wt, b, act), rtol=2e-7, atol=1e-7)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_conv1d_relu_bit_exact_per_step(drivers, stride):
    """Output steps 1..9 (blocks of 4, 2 and 1 steps) times filters 1..9 (blocks of 4 and the
    tail): every step equals the dense layer on its receptive field, bit for bit."""
    rng = np.random.default_rng(30 + stride)
    c_in, kernel = 3, 2
    for t_out in range(1, 10):
        steps = (t_out - 1) * stride + kernel
        for filters in range(1, 10):
            Wt, b = _spread(rng, (filters, kernel * c_in)), _spread(rng, filters)
            X = _spread(rng, (2, steps, c_in))
            exe = drivers["san"] if t_out % 3 == 0 else drivers["plain"]
            got = run(
                exe, ["conv1d", steps, c_in, filters, kernel, stride], np.concatenate([Wt.ravel(), b, X.ravel()])
            ).reshape(2, t_out, filters)
            for n in range(2):
                fields = np.stack([X[n, t * stride : t * stride + kernel].ravel() for t in range(t_out)])
                want = _dense_ref(fields, Wt, b, ACT_RELU)
                np.testing.assert_array_equal(
                    got[n].view(np.uint32), want.view(np.uint32), err_msg=f"{t_out=} {filters=} {stride=}"
                )
