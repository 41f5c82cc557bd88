"""Per-stage compile-and-compare over every registered stage that has a C emitter, with the
parameter sets of its conformance examples (``Stage.examples()``): the stage's C alone, built
under ASan/UBSan, against its numpy reference. Tolerances: model labels exact, model scores
1e-5 (Gaussian NB 1e-4: float32 log-likelihoods); features and signals rtol 1e-4 with an
absolute floor of 1e-4 x the output's scale; post-processing outputs exact."""

from __future__ import annotations

import codegen_fakes  # noqa: F401  (test-only stages)
import numpy as np
import pytest
from conftest import need_tools

from sensorflow import registry
from sensorflow.codegen.c import registry as c_registry
from sensorflow.testing import ccompare

CASES = [
    (name, i, params)
    for name, cls in registry.all_stages().items()
    if c_registry.find(name) is not None
    for i, params in enumerate(cls.examples())
]


@pytest.mark.slow
@pytest.mark.parametrize("name,i,params", CASES, ids=[f"{n}-{i}" for n, i, _ in CASES])
def test_stage_c_equals_reference(tmp_path, name, i, params):
    need_tools("cc")
    cls = registry.get(name)
    rng = np.random.default_rng(len(name) + i)
    spec, X, y = cls.example_input(dict(params), rng)
    stage = cls(**params)
    stage.bind(spec)
    if cls.tags.trainable:
        stage.fit(X, y)
    ref = np.asarray(stage.transform(X))
    labels, out = ccompare.run_stage(stage, X.reshape(len(X), -1), tmp_path)
    ref2 = ref.reshape(len(X), -1)
    role = cls.tags.role
    if role == "model":
        assert np.array_equal(labels, np.asarray(stage._predict_index(X))), f"{name}: labels differ"
        atol = 1e-4 if name == "gaussian_nb" else 1e-5
        np.testing.assert_allclose(out, ref2, atol=atol, rtol=0)
    elif role == "post":
        np.testing.assert_array_equal(out, ref2.astype(np.float32))
    else:
        scale = max(1.0, float(np.max(np.abs(ref2))))
        np.testing.assert_allclose(out, ref2, rtol=1e-4, atol=1e-4 * scale, err_msg=f"{name} {params}")
