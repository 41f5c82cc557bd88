"""Bad input to the DSP stages: one clear ConfigError / DataError naming the stage and the
parameter (and, in a pipeline, the file:line), never a traceback or a wrong number."""

from __future__ import annotations

import numpy as np
import pytest

import sensorflow
from sensorflow.errors import ConfigError, DataError
from sensorflow.spec import Spec


def _x(n=2, length=4000, c=1, seed=0):
    return np.random.default_rng(seed).standard_normal((n, length, c)).astype(np.float32)


# ---------------------------------------------------------------- parameters alone
@pytest.mark.parametrize(
    "name,params,key,text",
    [
        ("mfcc", {"n_mels": 40, "n_mfcc": 64}, "n_mfcc", "must be between 1 and n_mels (40), got 64"),
        ("mfcc", {"n_fft": 256, "win_length": 400}, "win_length", "must be at most n_fft (256), got 400"),
        ("log_mel", {"fmin": 300.0, "fmax": 200.0}, "fmax", "must be above fmin (300 Hz), got 200"),
        ("log_mel", {"window": "hanning"}, "window", "unknown window 'hanning'"),
        ("log_mel", {"log": "log2"}, "log", "'db' or 'ln'"),
        ("butter", {"cutoff": [10.0, 50.0]}, "cutoff", "lowpass takes one cutoff frequency, got 2"),
        ("butter", {"cutoff": 10.0, "btype": "bandpass"}, "cutoff", "bandpass takes [low, high]"),
        ("butter", {"cutoff": [50.0, 10.0], "btype": "bandstop"}, "cutoff", "0 < low < high"),
        ("band_energy", {"spacing": "log"}, "fmin", "must be above 0 Hz for log spacing"),
        ("band_energy", {"edges": [0.0, 50.0, 40.0]}, "edges", "strictly increasing"),
        ("stats", {"functions": ["mean", "median"]}, "functions.1", "should be 'mean', 'std'"),
        ("stats", {"functions": ["rms", "rms"]}, "functions", "lists 'rms' twice"),
        ("envelope_spectrum", {"band": [500.0]}, "band", "[low, high]"),
        ("scaler", {"feature_range": (1.0, 0.0)}, "feature_range", "low < high"),
    ],
)
def test_bad_params_name_the_field(name, params, key, text):
    with pytest.raises(ConfigError) as err:
        sensorflow.stage(name, **params)
    msg = str(err.value)
    assert msg.startswith(f"{key}") and text in msg and "\n" not in msg


# ---------------------------------------------------------------- params against the input
@pytest.mark.parametrize(
    "name,params,spec,key,text",
    [
        ("mfcc", {"fmax": 8000.0}, (4000, 1, 8000.0), "fmax", "above the Nyquist frequency (4000 Hz"),
        ("log_mel", {"fmin": 5000.0}, (4000, 1, 8000.0), "fmin", "at or above the Nyquist"),
        ("mfcc", {"n_fft": 512}, (300, 1, 16000.0), "n_fft", "the window has 300 samples but n_fft=512 needs 512"),
        ("log_mel", {"n_fft": 256, "n_mels": 128}, (4000, 1, 16000.0), "n_mels", "lower n_mels or raise n_fft"),
        ("fft", {"n_fft": 1024}, (512, 2, 1000.0), "n_fft", "lengthen the window or lower n_fft"),
        ("fft", {"fmax": 600.0}, (512, 2, 1000.0), "fmax", "Nyquist"),
        ("band_energy", {"edges": [0.0, 100.0, 700.0]}, (512, 1, 1000.0), "edges", "last band edge 700 Hz"),
        ("band_energy", {"n_bands": 200}, (64, 1, 1000.0), "n_bands", "holds no FFT bin"),
        ("butter", {"cutoff": 600.0}, (256, 1, 1000.0), "cutoff", "at or above the Nyquist frequency (500 Hz"),
        ("envelope_spectrum", {"band": [100.0, 900.0]}, (512, 1, 1000.0), "band", "Nyquist"),
        ("envelope_spectrum", {"frequencies": [30.0], "tolerance_hz": 0.1}, (512, 1, 1000.0), "tolerance_hz", "bin"),
        (
            "magnitude",
            {"channels": ["ax", "q"]},
            (64, 2, 100.0),
            "channels",
            "no channel named 'q'; channels are ax, ay",
        ),
        ("magnitude", {"output_channel": "ax", "mode": "append"}, (64, 2, 100.0), "output_channel", "already"),
        ("mfcc", {"sample_rate": 8000.0}, (4000, 1, 16000.0), "sample_rate", "remove sample_rate"),
    ],
)
def test_params_that_do_not_fit_the_input(name, params, spec, key, text):
    stage = sensorflow.stage(name, **params)
    names = ("ax", "ay")[: spec[1]] if name == "magnitude" else ()
    with pytest.raises(ConfigError) as err:
        stage.bind(Spec.signal(*spec, names=names))
    assert err.value.key == (key,)
    assert text in err.value.message and f"'{name}'" in err.value.message


def test_error_in_a_pipeline_names_file_line_and_key():
    yaml_text = """
name: kws
sensor: {kind: audio, sample_rate: 8000, channels: [mic]}
window: {length: 8000}
stages:
  - type: dc_remove
  - type: mfcc
    n_fft: 512
    fmax: 6000
"""
    with pytest.raises(ConfigError) as err:
        sensorflow.Pipeline.from_string(yaml_text, "kws.yaml")
    msg = str(err.value)
    assert msg.startswith("kws.yaml:9: stages[1].fmax:") and "Nyquist" in msg and "mfcc" in msg


def test_params_error_in_a_pipeline_names_the_line():
    yaml_text = """
name: kws
sensor: {kind: audio, sample_rate: 16000, channels: [mic]}
window: {length: 16000}
stages:
  - type: mfcc
    n_mels: 20
    n_mfcc: 30
"""
    with pytest.raises(ConfigError) as err:
        sensorflow.Pipeline.from_string(yaml_text, "kws.yaml")
    assert str(err.value) == "kws.yaml:8: stages[0].n_mfcc: must be between 1 and n_mels (20), got 30"


# ---------------------------------------------------------------- data
@pytest.mark.parametrize(
    "name,params",
    [
        ("mfcc", {}),
        ("stats", {}),
        ("butter", {"cutoff": 100.0}),
        ("fft", {}),
        ("envelope_spectrum", {}),
        ("log_mel", {"n_fft": 512}),
    ],
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused(name, params, bad):
    X = _x()
    X[1, 123, 0] = bad
    with pytest.raises(DataError, match=f"stage '{name}': input contains NaN or Inf"):
        sensorflow.stage(name, sample_rate=16000.0, **params).transform(X)


def test_wrong_shapes_are_refused():
    stage = sensorflow.stage("mfcc", sample_rate=16000.0, n_fft=512)
    with pytest.raises(DataError, match=r"stage 'mfcc': expected a batch of shape \(n_windows, length, n_channels\)"):
        stage.transform(np.zeros((2, 3, 4000, 1), np.float32))
    stage.transform(_x())
    with pytest.raises(DataError, match=r"stage 'mfcc': each window should have shape \(4000, 1\), got \(3000, 1\)"):
        stage.transform(_x(length=3000))
    with pytest.raises(DataError, match="expected numbers"):
        stage.transform(np.array([["a"] * 4000]))


def test_streaming_chunks_are_checked():
    stage = sensorflow.stage("butter", sample_rate=1000.0, cutoff=50.0)
    stage.bind(Spec.signal(100, 2, 1000.0))
    state = stage.init_state()
    with pytest.raises(DataError, match=r"stage 'butter': expected chunks of shape \(n, 2\), got \(10, 3\)"):
        stage.process(state, np.zeros((10, 3)))
    with pytest.raises(DataError, match="stage 'butter': chunk contains NaN"):
        stage.process(state, np.full((10, 2), np.nan))


def test_standalone_use_without_a_sample_rate_says_what_to_pass():
    with pytest.raises(ConfigError, match="sample_rate=") as err:
        sensorflow.stage("mfcc").transform(_x())
    assert err.value.key == ("sample_rate",)


def test_frame_features_refuses_a_wrong_frame_length():
    stage = sensorflow.stage("log_mel", sample_rate=16000.0, n_fft=512)
    with pytest.raises(ValueError, match="n_fft=512"):
        stage.frame_features(np.zeros(400, np.float32))


def test_defaults_are_checked_against_other_fields_too():
    with pytest.raises(ConfigError, match=r"n_mfcc: must be between 1 and n_mels \(10\), got 20"):
        sensorflow.stage("mfcc", n_mels=10)
    with pytest.raises(ConfigError, match="nothing to compute"):
        sensorflow.stage("spectral", features=[])


@pytest.mark.parametrize(
    "name,params",
    [
        ("log_mel", {"n_fft": 256, "n_mels": 128}),
        ("band_energy", {"n_bands": 200}),
        ("envelope_spectrum", {"fmax": 1e4}),
    ],
)
def test_a_refused_binding_is_refused_again(name, params):
    stage = sensorflow.stage(name, sample_rate=1000.0 if name != "log_mel" else 16000.0, **params)
    X = _x(length=4000 if name == "log_mel" else 64)
    for _ in range(2):
        with pytest.raises(ConfigError):
            stage.transform(X)
    assert stage.input_spec_ is None


def test_frame_streaming_refuses_reflect_padding():
    stage = sensorflow.stage("mfcc", sample_rate=16000.0, n_fft=512, pad_mode="reflect")
    with pytest.raises(ConfigError, match="pad_mode: constant or center: false") as err:
        stage.init_frame_state()
    assert err.value.key == ("pad_mode",)


def test_streaming_an_unbound_stage_says_how_to_bind():
    with pytest.raises(ConfigError, match=r"stage 'butter' is not bound to an input; call bind"):
        sensorflow.stage("butter", sample_rate=100.0, cutoff=10.0).init_state()
