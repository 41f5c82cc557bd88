"""`pip install sensorflow` is the whole product: build the wheel and the sdist, install the
wheel (with the `uea` extra, for the gesture data) into a fresh venv, and from an empty folder
outside the checkout list boards, validate, train, export C and MicroPython and run HIL on the
host board and on the emulated Cortex-M4F."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, need_tools

pytestmark = pytest.mark.slow


def _run(argv, cwd, env=None, timeout=900) -> subprocess.CompletedProcess:
    res = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, (
        f"{' '.join(map(str, argv))} -> {res.returncode}\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}"
    )
    return res


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", str(out), str(REPO)], cwd=out)
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def test_wheel_and_sdist_carry_the_data(dists):
    names = zipfile.ZipFile(dists["wheel"]).namelist()
    for needed in ("sensorflow/resources/boards/qemu-mps2-an386.yaml", "sensorflow/resources/pipelines/gesture.yaml",
                   "sensorflow/device/firmware/hil/hil_main.c", "sensorflow/device/firmware/qemu-mps2-an386/link.ld",
                   "sensorflow/runtime/c/sf_common.h", "sensorflow/report/templates/report.html.j2",
                   "sensorflow/mpy/run.mjs", "sensorflow/py.typed"):  # fmt: skip
        assert needed in names, needed
    sdist = tarfile.open(dists["sdist"]).getnames()
    assert any(n.endswith("sensorflow/resources/pipelines/wakeword.yaml") for n in sdist)
    assert any(n.endswith("/LICENSE") for n in sdist)


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory) -> tuple[Path, dict]:
    env_dir = tmp_path_factory.mktemp("venv") / "v"
    venv.create(env_dir, with_pip=True)
    # nothing of the checkout may leak in: no PYTHONPATH (a sensorflow.egg-info there reads as installed)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    _run([str(env_dir / "bin" / "pip"), "install", "-q", f"{dists['wheel']}[uea,tune]"], cwd=env_dir, env=env)
    return env_dir / "bin" / "sensorflow", env


def test_from_an_empty_folder(installed, tmp_path):
    sf, env = installed
    work = tmp_path / "empty"
    work.mkdir()

    def cli(*args) -> dict:
        return json.loads(_run([str(sf), *args, "--json"], cwd=work, env=env).stdout)

    boards = {b["name"] for b in cli("boards")["boards"]}
    assert {"qemu-mps2-an386", "qemu-riscv32", "host", "stm32f411"} <= boards
    assert cli("validate", "gesture")["files"][0]["ok"]
    cli("train", "gesture", "--out", "art")
    assert (work / "art" / "meta.json").is_file()
    need_tools("cc", "arm-none-eabi-gcc", "qemu-system-arm")
    assert cli("export", "art", "--board", "qemu-mps2-an386", "--out", "c")["flash_bytes"] > 0
    assert (work / "c" / "sf_model.c").is_file()
    cli("export", "art", "--board", "esp32", "--lang", "micropython", "--out", "mp")
    assert (work / "mp" / "sf_model.py").is_file()
    for board in ("host", "qemu-mps2-an386"):
        res = cli("hil", "art", "--board", board, "--build-dir", f"hil-{board}")
        assert res["passed"] and res["agreement"] == 1.0, res
    # nothing was written outside the folder it was run from
    assert not (REPO / "art").exists()


TUNE = """\
name: bm
sensor: {kind: imu, sample_rate: 10, channels: [ax, ay, az, gx, gy, gz]}
window: {length: 100}
dataset: {loader: aeon, name: BasicMotions, split: {by: predefined}}
train: {cv_folds: 2}
search:
  features: [stats]
  models: [decision_tree, gaussian_nb]
"""


def test_tune_from_a_wheel(installed, tmp_path):
    """``sensorflow tune`` (the tune extra) from an empty folder: a small search on a local Dask
    worker, and ``train best.yaml`` reproduces the held-out accuracy it reported."""
    sf, env = installed
    work = tmp_path / "tune"
    work.mkdir()
    (work / "bm.yaml").write_text(TUNE)
    argv = ["tune", "bm.yaml", "--board", "stm32f411", "--trials", "4", "--workers", "1", "--no-measure"]
    res = json.loads(_run([str(sf), *argv, "--out", "t", "--json"], cwd=work, env=env).stdout)
    best = res["best"]
    assert res["n_trials"] == 4 and (work / "t" / "pareto.png").is_file()
    trained = json.loads(_run([str(sf), "train", best["pipeline"], "--out", "art", "--json"], cwd=work, env=env).stdout)
    assert trained["accuracy"] == best["accuracy_test"]
