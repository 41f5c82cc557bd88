"""The int8 kernel benchmark: shapes of the shipped int8 models, a reference equal to the int8
path's own, sensorflow's kernels measured and checked, CMSIS-NN only from a checkout the user names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import need_tools

from sensorflow.bench import int8_kernels as ik
from sensorflow.bench import int8_kernels_section
from sensorflow.errors import SensorflowError
from sensorflow.stages.models.int8 import QLayer, layer_forward

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


def _conv_stage(name: str) -> dict:
    spec = yaml.safe_load((PIPELINES / f"{name}.yaml").read_text())
    return next(s for s in spec["stages"] if s["type"] == "conv1d")


@pytest.mark.parametrize("name", ["wakeword", "gesture_cnn"])
def test_nets_have_the_shipped_conv_shapes(name):
    st = _conv_stage(name)
    net = next(n for n in ik.NETS if n.name == name)
    strides = st["strides"] if isinstance(st["strides"], list) else [st["strides"]] * len(st["filters"])
    assert [c[0] for c in net.convs] == st["filters"]
    assert [c[1] for c in net.convs] == [st["kernel_size"]] * len(st["filters"])
    assert [c[2] for c in net.convs] == strides
    wake = yaml.safe_load((PIPELINES / "wakeword.yaml").read_text())
    assert ik.NETS[0].c_in == wake["stages"][0]["n_mels"]


def test_layer_reference_equals_the_int8_path_reference():
    rng = np.random.default_rng(3)
    for net in ik.NETS:
        for L in ik.build_layers(net, rng):
            q = QLayer(
                w=L.w.astype(np.int8),
                w_scale=np.ones(L.n_out),
                bias=L.b,
                folded=L.b - L.zi * L.w.sum(axis=1),
                mult=L.mult,
                shift=L.shift,
                in_scale=1.0,
                in_zp=L.zi,
                scale=1.0,
                zp=L.zo,
                lo=L.lo,
            )
            x = rng.integers(-128, 128, size=L.in_len)
            if L.geom is None:
                want = layer_forward(q, x[None, :])[0]
            else:
                steps, c, kernel, stride = L.geom
                f = x.reshape(steps, c)
                want = layer_forward(
                    q, np.stack([f[t * stride : t * stride + kernel].ravel() for t in range(L.steps_out)])
                ).ravel()
            assert np.array_equal(ik.layer_ref(L, x), want), L.sym


def test_labels_name_the_layer_shapes():
    assert int8_kernels_section.describe(ik.NETS[0]) == [
        "conv1d 39 x 32 -> 19 x 16, kernel 3, stride 2, ReLU",
        "conv1d 19 x 16 -> 9 x 32, kernel 3, stride 2, ReLU",
        "conv1d 9 x 32 -> 7 x 32, kernel 3, stride 1, ReLU",
        "dense 32 -> 2",
    ]


def test_cmsis_nn_dir_only_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(ik.ENV, raising=False)
    assert ik.cmsis_nn_dir() is None
    monkeypatch.setenv(ik.ENV, str(tmp_path))
    with pytest.raises(SensorflowError, match=ik.ENV):
        ik.cmsis_nn_dir()
    (tmp_path / "Include").mkdir()
    (tmp_path / "Include" / "arm_nnfunctions.h").write_text("")
    (tmp_path / "Source").mkdir()
    assert ik.cmsis_nn_dir() == tmp_path


def test_plan_without_cmsis_nn_calls_no_cmsis_nn():
    p = ik.plan(2, with_nn=False)
    assert "arm_" not in p.source
    assert {side for _, _, _, side, _ in p.entries} == {"sf"}
    p = ik.plan(2, with_nn=True)
    assert "arm_convolve_wrapper_s8" in p.source and "arm_depthwise_conv_wrapper_s8" in p.source
    assert sum(e[3] == "nn" for e in p.entries) == sum(e[3] == "sf" for e in p.entries) + 2  # + micro_speech


@pytest.mark.emulator
@pytest.mark.slow
def test_section_measures_sf_q8_and_says_cmsis_nn_is_not_available(monkeypatch):
    need_tools("arm-none-eabi-gcc", "qemu-system-arm")
    monkeypatch.delenv(ik.ENV, raising=False)
    sec = int8_kernels_section.run(quick=True)
    rows = sec.tables[0].rows
    assert len(rows) == sum(len(n.convs) + len(n.dense) + 1 for n in ik.NETS)
    assert all(r[5] == "yes" for r in rows)  # sf_q8 outputs equal the reference
    assert all(r[3] == "not available" for r in rows)
    assert all(r[2] > 0 for r in rows)
    assert any(ik.ENV in n for n in sec.notes)


@pytest.mark.emulator
@pytest.mark.slow
def test_cmsis_nn_outputs_equal_the_reference_when_a_checkout_is_given():
    need_tools("arm-none-eabi-gcc", "qemu-system-arm")
    if ik.cmsis_nn_dir() is None:
        pytest.skip(f"{ik.ENV} not set (CMSIS-NN is not part of sensorflow)")
    results, _ = ik.measure(n_inputs=1, repeat=1)
    assert {r.side for r in results} == {"sf", "nn"}
    assert all(r.matches_reference for r in results)
