"""``Pipeline.push_i16(counts)`` of the MicroPython export (issue 27): for a pipeline whose first
stage is a q15 log_mel/mfcc, int16 counts stream as ``push(c * I16_SCALE)`` bit for bit (the C
``_push_i16``), under CPython and on the real interpreter; a value that is not a count raises
ValueError with nothing streamed; other pipelines have no push_i16."""

from __future__ import annotations

import json
from array import array

import numpy as np
import pytest
from mphelp import SCORE_ATOL, make_pipeline, need_micropython, synthetic

from sensorflow.codegen.micropython import export
from sensorflow.codegen.micropython.typecheck import check
from sensorflow.dsp import fixed
from sensorflow.mpy import run
from sensorflow.mpy.compare import export_files
from sensorflow.testing.codegen_checks import _load_module
from sensorflow.testing.int16_stream import Q15_HOP, Q15_LENGTH, q15_stream_pipeline
from sensorflow.windowing import frame

K = 15


def _records(out):
    """(window, label, scores as float32 bits, post as float32 bits) of push/push_i16 results."""
    return [
        (
            int(i),
            int(label),
            None if s is None else np.asarray(s, "<f4").view("<u4").tolist(),
            None if p is None else np.asarray(p, "<f4").view("<u4").tolist(),
        )
        for i, label, s, p in out
    ]


def _chunks(n: int, seed: int):
    rng = np.random.default_rng(seed)
    cuts = np.cumsum(rng.integers(1, 700, n // 100 + 2))
    return [0, *[int(c) for c in cuts if c < n], n]


@pytest.fixture(scope="module")
def q15_export(tmp_path_factory):
    """The two-channel q15 log_mel pipeline (interleaved counts), its MicroPython export, the
    signal's counts (the last 0.9 s: 4 windows) and their float32 values c * 2^-k."""
    pipe, signal = q15_stream_pipeline(2)
    out = tmp_path_factory.mktemp("mp_i16")
    export(pipe, {}, None, out, mpy=False, prefix="q_model")
    counts = fixed.quantize(signal[-(Q15_LENGTH + 3 * Q15_HOP) :], K)
    counts[100:140, 1] = np.where(np.arange(40) % 2, 32767, -32768)  # full scale on the wire
    return pipe, out, counts, counts.astype(np.float32) * np.float32(2.0**-K)


def test_cpython_push_i16_equals_push_of_the_scaled_counts(q15_export, tmp_path):
    pipe, out, counts, scaled = q15_export
    files = {p.name: p.read_text() for p in out.glob("*.py")}
    assert check(files, tmp_path / "mypy") == []  # push_i16 type-checks against the ESP32 stubs
    mod = _load_module(out, "q_model")
    assert mod.I16_K == K and mod.I16_SCALE == 2.0**-K
    bounds = _chunks(counts.size, 3)
    flat_c, flat_f = counts.ravel(), scaled.ravel()
    p = mod.Pipeline()
    got16 = []
    for a, b in zip(bounds, bounds[1:]):  # chunks split frames between the two channels
        got16 += p.push_i16(array("h", flat_c[a:b].tolist()))
    p.reset()
    gotf = []
    for a, b in zip(bounds, bounds[1:]):
        gotf += p.push(array("f", flat_f[a:b].tolist()))
    assert len(got16) == 4 and _records(got16) == _records(gotf)
    host = pipe.predict_proba(frame(scaled, Q15_LENGTH, Q15_HOP))
    assert [r[1] for r in got16] == np.argmax(host, axis=1).tolist()
    np.testing.assert_allclose(np.array([r[2] for r in got16]), host, atol=SCORE_ATOL)


@pytest.mark.parametrize("bad", [32768, -32769, 1.5, float("nan"), float("inf")])
def test_cpython_push_i16_refuses_non_counts_streaming_nothing(q15_export, bad):
    _, out, counts, _ = q15_export
    mod = _load_module(out, "q_model")
    p, q = mod.Pipeline(), mod.Pipeline()
    flat = counts.ravel().tolist()
    with pytest.raises(ValueError, match="push_i16 takes int16 counts"):
        p.push_i16([*flat[:1001], bad])
    assert _records(p.push_i16(flat)) == _records(q.push_i16(flat))  # the refused call left no trace


def test_no_push_i16_without_a_q15_front_end(tmp_path):
    pipe = make_pipeline([{"type": "stats", "functions": ["mean"]}, {"type": "decision_tree"}], channels=2, length=32)
    X, y = synthetic(20, 32, 2, 2, seed=1)
    export(pipe.fit(X, y), {}, None, tmp_path, mpy=False, prefix="f_model")
    mod = _load_module(tmp_path, "f_model")
    assert not hasattr(mod.Pipeline, "push_i16") and not hasattr(mod, "I16_SCALE")


_CODE = """
import json
from array import array
import q_model as m
f = open('/c.bin', 'rb'); c = array('h', f.read()); f.close()
f = open('/f.bin', 'rb'); x = array('f', f.read()); f.close()
cuts = {cuts}
def bits(a):
    return None if a is None else list(array('I', bytes(a)))
out = {{}}
for name, push, data in (('i16', 'push_i16', c), ('f32', 'push', x)):
    p = m.Pipeline()
    recs = []
    for a, b in zip(cuts, cuts[1:]):
        for r in getattr(p, push)(data[a:b]):
            recs.append([r[0], r[1], bits(r[2]), bits(r[3])])
    out[name] = recs
try:
    m.Pipeline().push_i16([0, 40000])
    out['refused'] = False
except ValueError:
    out['refused'] = True
out['k'] = m.I16_K
out['scale_exact'] = m.I16_SCALE * (1 << m.I16_K) == 1
print(json.dumps(out))
"""


@pytest.mark.emulator
@pytest.mark.slow
def test_real_interpreter_push_i16(q15_export):
    """On the MicroPython interpreter: push_i16 of array('h') counts gives the same records,
    bit for bit, as push of their float32 values, and the host's labels; 40000 is refused."""
    need_micropython()
    pipe, out, counts, scaled = q15_export
    files = {f"/lib/{k}": v for k, v in export_files(out).items()}
    data = {"/c.bin": counts.astype("<i2").tobytes(), "/f.bin": scaled.astype("<f4").tobytes()}
    res = run(_CODE.format(cuts=_chunks(counts.size, 4)), files={**files, **data}, heapsize=4 << 20, timeout=600)
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["k"] == K and got["scale_exact"] and got["refused"]
    assert len(got["i16"]) == 4 and got["i16"] == got["f32"]
    host = pipe.predict_proba(frame(scaled, Q15_LENGTH, Q15_HOP))
    assert [r[1] for r in got["i16"]] == np.argmax(host, axis=1).tolist()
    scores = np.array([r[2] for r in got["i16"]], dtype="<u4").view("<f4")
    np.testing.assert_allclose(scores, host, atol=SCORE_ATOL)
