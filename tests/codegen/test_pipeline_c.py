"""Whole pipelines in C: features, scores, labels and the streaming API (push/last with
post-processing) against the numpy pipeline, under ASan/UBSan."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_tools
from helpers import SCORE_ATOL, dataset, fitted

from sensorflow.pipeline import Pipeline
from sensorflow.testing import ccompare

POST = (
    "  - type: smooth\n    windows: 3\n  - type: threshold\n    threshold: 0.6\n  - type: refractory\n    windows: 2\n"
)


@pytest.fixture(autouse=True)
def cc():
    need_tools("cc")


def _stream_compare(p, h, signal, chunks):
    ref = {r["window"]: r for r in p.stream([signal])}
    out = h.stream(signal, chunks)
    assert sum(o["n_windows"] for o in out) == len(ref), "C completed a different number of windows"
    last = np.cumsum([o["n_windows"] for o in out]) - 1
    compared = 0
    for o, w in zip(out, last):
        r = ref[int(w)]
        assert p.classes_[o["label"]] == r["label"], f"window {w}: label differs"
        np.testing.assert_allclose(o["scores"], r["scores"], atol=SCORE_ATOL, rtol=0)
        compared += 1
        np.testing.assert_array_equal(o["post"], np.asarray(r["post"], dtype=np.float32), err_msg=f"window {w}")
    return compared


@pytest.mark.parametrize("hop,length", [(10, 20), (20, 20), (27, 20)])
def test_streaming_matches_pipeline_stream(tmp_path, hop, length):
    p, X, y = fitted("random_forest", "n_estimators: 8", POST, hop=hop, length=length)
    h = ccompare.build(p, tmp_path, sanitize=True)
    rng = np.random.default_rng(7)
    signal = np.concatenate(list(X[:40]))
    n = _stream_compare(p, h, signal, rng.integers(1, 2 * length, 50))
    assert n > 10
    # features of whole windows: identical to the reference
    np.testing.assert_array_equal(h.features(X), p.transform(X))


def test_pipeline_without_post_reports_scores_as_post(tmp_path):
    p, X, y = fitted("logistic")
    h = ccompare.build(p, tmp_path, sanitize=True)
    signal = np.concatenate(list(X[:10]))
    out = h.stream(signal, [13])
    assert out and all(np.array_equal(o["post"], o["scores"]) for o in out)


def test_state_bytes_are_exact(tmp_path):
    p, X, y = fitted("knn", post=POST)
    h = ccompare.build(p, tmp_path)
    h.features(X[:1])
    assert h.state_bytes == h.generated.state_bytes


def test_gesture_pipeline_in_c(tmp_path, repo):
    """The shipped gesture pipeline (stats + random forest), fitted on synthetic IMU windows:
    labels exact, features within float32 tolerance."""
    p = Pipeline.from_yaml(repo / "pipelines" / "gesture.yaml")
    X, y = dataset(
        np.random.default_rng(2),
        n=160,
        n_classes=4,
        length=p.window_length,
        channels=p.input_spec.n_channels,
        labels=["badminton", "running", "standing", "walking"],
    )
    p.fit(X, y)
    h = ccompare.build(p, tmp_path, sanitize=True)
    labels, scores, feats = h.infer(X)
    ref = p.transform(X)
    np.testing.assert_allclose(feats, ref, rtol=1e-4, atol=1e-5)
    # labels from the C features through the reference model == labels of the C pipeline
    assert np.array_equal(p.classes_[labels], p.model.predict(feats))
    near = np.abs(feats - ref).max(axis=1) == 0
    assert np.array_equal(p.classes_[labels][near], p.predict(X)[near])
    np.testing.assert_allclose(scores, p.model.predict_proba(feats), atol=SCORE_ATOL, rtol=0)


API_TEST = r"""
#include <stdio.h>
#include <string.h>
#include "sf_model.h"
#include "sf_common.h"
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); return 1; } } while (0)
int main(void)
{
    static float win[SF_MODEL_WINDOW_LENGTH * SF_MODEL_N_CHANNELS];
    float f[SF_MODEL_N_FEATURES], s[SF_MODEL_N_CLASSES], post[SF_MODEL_N_CLASSES];
    int label = -7, i;
    CHECK(sf_model_push(win, 1) == SF_ERR_NOT_INIT);
    CHECK(sf_model_infer(win, f, s) == SF_ERR_NOT_INIT);
    CHECK(sf_model_init() == SF_OK);
    CHECK(sf_model_last(s, &label, post) == SF_ERR_NOT_READY);
    CHECK(sf_model_features(NULL, f) == SF_ERR_NULL);
    CHECK(sf_model_classify(f, NULL) == SF_ERR_NULL);
    CHECK(sf_model_push(NULL, 3) == SF_ERR_NULL);
    CHECK(sf_model_push(win, -1) == SF_ERR_ARG);
    CHECK(sf_model_push(win, 0) == 0);
    CHECK(sf_model_push(win, SF_MODEL_WINDOW_LENGTH - 1) == 0);
    CHECK(sf_model_push(win, 1) == 1);
    CHECK(sf_model_last(NULL, &label, NULL) == SF_OK && label >= 0 && label < SF_MODEL_N_CLASSES);
    i = sf_model_infer(win, NULL, NULL);
    CHECK(i >= 0 && i < SF_MODEL_N_CLASSES);
    CHECK(strcmp(sf_status_str(SF_ERR_NULL), "null pointer argument") == 0);
    CHECK(strcmp(sf_status_str(42), "unknown status") == 0);
    CHECK(sf_model_state_bytes() == SF_MODEL_STATE_BYTES);
    CHECK(strlen(SF_MODEL_PIPELINE_HASH) == 16);
    CHECK(sf_model_class_names[0] != NULL);
    printf("OK\n");
    return 0;
}
"""


def test_api_contract_and_errors(tmp_path):
    import subprocess

    p, X, y = fitted("decision_tree", post=POST)
    gen = ccompare.generate(p)
    gen.write(tmp_path)
    (tmp_path / "api.c").write_text(API_TEST)
    exe = tmp_path / "api"
    cmd = [
        ccompare.host_cc(),
        *ccompare.STRICT_CFLAGS,
        *ccompare.SANITIZE,
        "-I",
        str(tmp_path),
        *[str(tmp_path / s) for s in gen.sources],
        str(tmp_path / "api.c"),
        "-lm",
        "-o",
        str(exe),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    res = subprocess.run([str(exe)], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.strip() == "OK", res.stdout + res.stderr


def test_header_links_from_two_translation_units(tmp_path):
    """Header helpers are static inline: including the headers twice still links."""
    import subprocess

    p, X, y = fitted("random_forest", "n_estimators: 3", POST)
    gen = ccompare.generate(p)
    gen.write(tmp_path)
    includes = "".join(f'#include "{n}"\n' for n in sorted(gen.files) if n.endswith(".h"))
    (tmp_path / "a.c").write_text(
        includes + "int a(void);\nint a(void) { return sf_argmax_f32((const float[2]){1.0f, 2.0f}, 2); }\n"
    )
    (tmp_path / "b.c").write_text(includes + "int a(void);\nint main(void) { return a() == 1 ? 0 : 1; }\n")
    cmd = [
        ccompare.host_cc(),
        *ccompare.STRICT_CFLAGS,
        "-I",
        str(tmp_path),
        *[str(tmp_path / s) for s in gen.sources],
        str(tmp_path / "a.c"),
        str(tmp_path / "b.c"),
        "-lm",
        "-o",
        str(tmp_path / "two"),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    assert subprocess.run([str(tmp_path / "two")]).returncode == 0


def test_features_only_pipeline(tmp_path):
    """No model stage: features and streaming still work; classify says there is no model."""
    p = Pipeline.from_string(
        "name: feats\nsensor: {kind: imu, sample_rate: 50, channels: [a, b]}\nwindow: {length: 16, hop: 5}\n"
        "stages:\n  - type: test_doubler\n  - type: test_channel_mean\n"
    )
    X = np.random.default_rng(1).standard_normal((30, 16, 2)).astype(np.float32)
    h = ccompare.build(p, tmp_path, sanitize=True)
    np.testing.assert_array_equal(h.features(X), p.transform(X))
    out = h.stream(np.concatenate(list(X[:5])), [7])
    assert sum(o["n_windows"] for o in out) == (5 * 16 - 16) // 5 + 1
    assert "SF_MODEL_N_CLASSES      0" in h.generated.files["sf_model.h"]
    assert "return SF_ERR_NO_MODEL;" in h.generated.files["sf_model.c"]
