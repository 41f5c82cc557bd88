"""A small hostile-input corpus in the style of issue 29, each case a real ``sensorflow``
process under the issue's limits (30 s of CPU, 3 GB of address space): exit 1 or 2, one line
on stderr, no traceback, no user file lost. (CPU time, not wall time: on a loaded 2-core
machine the imports alone can take 20 s of wall time.)"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from relhelp import model_entry, rehash, saved

REPO = Path(__file__).resolve().parents[2]
LIMIT_BYTES = 3 * 2**30
LIMIT_S = 30
WALL_S = 180

pytestmark = pytest.mark.slow


def _limited():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_S, LIMIT_S + 1))


def sensorflow(*argv, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "sensorflow", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=WALL_S,
        preexec_fn=_limited,
        env=env,
        cwd=cwd,
    )


LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]" for p, n in zip("abcdefgh", "bcdefghi")]
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    (d / "laughs.yaml").write_text(LAUGHS + "\n")
    (d / "deep.yaml").write_text("a: " + "[" * 50000 + "]" * 50000 + "\n")
    base = "name: t\nsensor: {kind: generic, sample_rate: 100, channels: [a, b]}\nwindow: {length: 32}\n"
    base += "stages:\n  - type: stats\n    functions: [mean]\n  - type: decision_tree\ntrain: {cv_folds: 0}\n"
    (d / "long.yaml").write_text(base.replace("length: 32", "length: 100000000"))
    (d / "e12.yaml").write_text(base.replace("length: 32", "length_ms: 1e12"))
    (d / "inf.yaml").write_text(base.replace("sample_rate: 100", "sample_rate: .inf"))
    (d / "tiny_rate.yaml").write_text(base.replace("sample_rate: 100", "sample_rate: 1e-300"))
    (d / "hop1.yaml").write_text(base.replace("length: 32", "{length: 500000, hop: 1}".strip("{}")))
    rng = np.random.default_rng(0)
    np.savez(d / "long.npz", X=rng.standard_normal((2, 1_000_000, 2)).astype(np.float32), y=np.array(["a", "b"]))
    np.save(d / "rec.npy", np.zeros((500, 2), np.float32))
    p = d / "claims.npy"
    np.save(p, np.zeros((2, 2), np.float32))
    p.write_bytes(p.read_bytes().replace(b"(2, 2)", b"(400000000000, 2)", 1))
    art = saved(d)
    _, entry = model_entry(art)
    value = np.load(art / entry["arrays"]["value_"])
    np.save(art / entry["arrays"]["value_"], np.concatenate([value, value], axis=1))
    rehash(art)
    fw = d / "fw"
    fw.mkdir()
    (fw / "Makefile").write_text("mine\n")
    good = saved(d, name="good")
    return d, art, good


CASES = {
    "billion_laughs": ["validate", "{d}/laughs.yaml"],
    "deep_nesting": ["validate", "{d}/deep.yaml"],
    "dev_zero": ["validate", "/dev/zero"],
    "length_1e8": ["validate", "{d}/long.yaml"],
    "length_ms_1e12": ["validate", "{d}/e12.yaml"],
    "rate_inf": ["validate", "{d}/inf.yaml"],
    "rate_1e-300": ["validate", "{d}/tiny_rate.yaml"],
    "hop_1_windows": ["train", "{d}/hop1.yaml", "--data", "{d}/long.npz", "--out", "{d}/out", "--no-progress"],
    "npy_claims_terabytes": ["run", "{good}", "--input", "{d}/claims.npy"],
    "duration_nan": ["run", "{good}", "--input", "{d}/rec.npy", "--duration", "nan"],
    "max_samples_negative": ["run", "{good}", "--input", "{d}/rec.npy", "--max-samples", "-5"],
    "hil_timeout_nan": ["hil", "{good}", "--board", "host", "--timeout", "nan"],
    "export_tampered": ["export", "{art}", "--board", "host", "--no-measure", "--out", "{d}/c"],
    "export_over_makefile": ["export", "{good}", "--board", "host", "--no-measure", "--out", "{d}/fw"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_case_ends_cleanly(corpus, case):
    d, art, good = corpus
    argv = [a.format(d=d, art=art, good=good) for a in CASES[case]]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = sensorflow(*argv, cwd=d)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < LIMIT_S, cpu
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode in (1, 2), (proc.returncode, proc.stderr[-2000:])
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert (d / "fw" / "Makefile").read_text() == "mine\n"
