"""Property-based fuzzing (Hypothesis) of what sensorflow reads from users: pipeline YAML (text
and structure, valid and mutated), artifacts (valid, truncated, re-hashed, structurally wrong)
and recordings (WAV/NPY/CSV with damaged headers, NaN/Inf, wrong channels). The property each
time: the result is either correct or one of sensorflow's own errors, never another exception.

CI runs a short profile; ``HYPOTHESIS_PROFILE=fuzz`` (``make fuzz``) runs many more examples."""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from relhelp import fuzz_settings, pipeline_text, rehash, saved

from sensorflow import artifact, config
from sensorflow.commands.run import read_recording
from sensorflow.errors import ArtifactError, DataError, SensorflowError
from sensorflow.pipeline import Pipeline

FUZZ = fuzz_settings("reliability", 40, 2000)

VALID = yaml.safe_load(pipeline_text("decision_tree", scaler=True))

# ---------------------------------------------------------------------- pipeline YAML
hostile_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**24, 2**24 + 1, 2**31, 2**32, 10**8, 10**12]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e-300, 1e300, -0.0, 0.5, 1e12]),
    st.text(max_size=12),
    st.sampled_from(["stats", "mfcc", "decision_tree", "1e12", ".inf", "", "type", "-1"]),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(VALID) if p]


def _set(doc, path, value):
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS), hostile_values), min_size=1, max_size=3), st.booleans())
def test_mutated_pipeline_structure(mutations, extra_key):
    doc = json.loads(json.dumps(VALID))
    for path, value in mutations:
        try:
            _set(doc, path, value)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation replaced the parent
    if extra_key:
        doc["stages"] = doc.get("stages") if isinstance(doc.get("stages"), list) else []
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        pipe = Pipeline.from_string(text)
    except SensorflowError as exc:
        assert str(exc) and len(str(exc).splitlines()) == 1
        return
    assert pipe.window_length * len(pipe.config.sensor.channels) <= config.MAX_WINDOW_VALUES
    assert 0 < pipe.config.sensor.sample_rate <= config.MAX_SAMPLE_RATE


@FUZZ
@given(st.data())
def test_mutated_pipeline_text(data):
    text = pipeline_text("decision_tree", scaler=True)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(text)))
        j = data.draw(st.integers(i, min(len(text), i + 8)))
        insert = data.draw(
            st.sampled_from(["", "&a ", "*a", "[", "{", "]", "}", ":", "-", "\n", "\t", "\0", "!!", "1e9"])
        )
        text = text[:i] + insert + data.draw(st.text(max_size=4)) + text[j:]
    try:
        config.loads(text)
    except SensorflowError as exc:
        assert len(str(exc).splitlines()) == 1


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_yaml(raw):
    try:
        data, _, _ = config.parse_yaml(raw)
        config.validate(data)
    except SensorflowError as exc:
        assert len(str(exc).splitlines()) == 1


# ---------------------------------------------------------------------- artifacts
@pytest.fixture(scope="module")
def artifact_template(tmp_path_factory):
    return saved(tmp_path_factory.mktemp("fuzz-art"), "random_forest", scaler=True)


array_dtypes = st.sampled_from(["float32", "float64", "int32", "int64", "int8", "uint8", "bool", "<U3", "complex64"])
array_shapes = st.lists(st.integers(0, 6), min_size=0, max_size=3).map(tuple)


def _mutate_artifact(art: Path, data) -> None:
    files = sorted(p.name for p in art.iterdir())
    target = art / data.draw(st.sampled_from(files))
    kind = data.draw(st.sampled_from(["truncate", "flip", "array", "json", "delete", "add", "stages"]))
    raw = target.read_bytes()
    if kind == "truncate":
        target.write_bytes(raw[: data.draw(st.integers(0, max(0, len(raw) - 1)))])
    elif kind == "flip" and raw:
        i = data.draw(st.integers(0, len(raw) - 1))
        target.write_bytes(raw[:i] + bytes([raw[i] ^ data.draw(st.integers(1, 255))]) + raw[i + 1 :])
    elif kind == "array":
        dtype, shape = data.draw(array_dtypes), data.draw(array_shapes)
        fill = data.draw(hostile_scalars)
        try:
            values = np.full(shape, fill, dtype=dtype)
        except (ValueError, TypeError, OverflowError):
            values = np.zeros(shape, dtype=dtype)
        np.save(target.with_suffix(".npy"), values, allow_pickle=False)
    elif kind == "json":
        target.write_text(json.dumps(data.draw(hostile_values)))
    elif kind == "delete":
        target.unlink()
    elif kind == "add":
        (art / data.draw(st.sampled_from(["x.npy", "extra.json", "stage99_x.npy"]))).write_bytes(
            data.draw(st.binary(max_size=64))
        )
    else:
        try:
            entries = json.loads((art / "stages.json").read_text())
            entry = entries[data.draw(st.integers(0, len(entries) - 1))] if entries else None
            section = data.draw(st.sampled_from(["arrays", "values"]))
            if not isinstance(entry, dict) or not isinstance(entry.get(section), dict):
                return  # an earlier mutation already broke stages.json
        except (OSError, ValueError, TypeError, KeyError):
            return
        if entry[section]:
            key = data.draw(st.sampled_from(sorted(entry[section])))
            entry[section][key] = data.draw(hostile_values)
        else:
            entry[section][data.draw(st.text(max_size=6))] = data.draw(hostile_values)
        (art / "stages.json").write_text(json.dumps(entries))


@FUZZ
@given(st.data())
def test_tampered_artifacts(artifact_template, data):
    with tempfile.TemporaryDirectory() as tmp:
        art = Path(tmp) / "art"
        shutil.copytree(artifact_template, art)
        X = np.load(art / "test_windows.npy")
        for _ in range(data.draw(st.integers(1, 3))):
            _mutate_artifact(art, data)
        if (art / "meta.json").exists() and data.draw(st.booleans()):
            try:
                rehash(art)  # a tamperer recomputes the checksum
            except (ValueError, TypeError, AttributeError):
                pass  # meta.json itself was made unreadable: left as it is
        try:
            pipe, meta = artifact.load(art)
        except ArtifactError as exc:
            assert len(str(exc).splitlines()) == 1
            return
        pred = pipe.predict(X)  # what loaded is consistent: inference works
        assert set(np.asarray(pred).tolist()) <= set(pipe.classes_.tolist())


# ---------------------------------------------------------------------- recordings
@pytest.fixture(scope="module")
def stream_pipe():
    return Pipeline.from_string(pipeline_text("decision_tree"))


def _wav_bytes(tag, channels, rate, bits, block, n_data, payload) -> bytes:
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * block) % 2**32, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", n_data) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _check_recording(path: Path, pipe) -> None:
    try:
        x = read_recording(str(path), pipe)
    except DataError as exc:
        assert len(str(exc).splitlines()) == 1
        return
    assert x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 2 and np.all(np.isfinite(x))


@FUZZ
@given(
    st.sampled_from([1, 3, 0xFFFE, 0, 2, 7, 65535]),
    st.integers(0, 4),
    st.sampled_from([100, 0, 1, 44100, 2**32 - 1]),
    st.sampled_from([8, 16, 24, 32, 64, 0, 1, 12]),
    st.integers(0, 16),
    st.integers(0, 2**32 - 1),
    st.binary(max_size=200),
)
def test_wav_headers(stream_pipe, tag, channels, rate, bits, block, n_data, payload):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "r.wav"
        p.write_bytes(_wav_bytes(tag, channels, rate, bits, block, n_data, payload))
        _check_recording(p, stream_pipe)


@FUZZ
@given(
    array_dtypes, st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple), hostile_scalars, st.integers(-1, 40)
)
def test_npy_recordings(stream_pipe, dtype, shape, fill, cut):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "r.npy"
        try:
            arr = np.full(shape, fill, dtype=dtype)
        except (ValueError, TypeError, OverflowError):
            arr = np.zeros(shape, dtype=dtype)
        np.save(p, arr, allow_pickle=False)
        if cut >= 0:
            raw = p.read_bytes()
            p.write_bytes(raw[: max(0, len(raw) - cut)])
        _check_recording(p, stream_pipe)


csv_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["a", "b", "nan", "inf", "", " ", '"', "1e999", "0x10", "\0"]),
    st.text(max_size=5),
)


@FUZZ
@given(st.lists(st.lists(csv_cells, max_size=4), max_size=12), st.booleans())
def test_csv_recordings(stream_pipe, rows, header):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "r.csv"
        lines = (["a,b"] if header else []) + [",".join(r) for r in rows]
        p.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        _check_recording(p, stream_pipe)
