"""Compile-and-compare harness builder (after emlearn's stdin/stdout test harness).

Generates C for a fitted pipeline, compiles it with the host C compiler together with a
harness that feeds windows from stdin and prints results, optionally under ASan/UBSan,
and parses the results back into numpy arrays to compare with the numpy reference. Each
output buffer is followed by a guard region, so an overrun fails loudly.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..codegen.c import generate  # noqa: F401  (re-exported for tests)
from ..codegen.c.library import GeneratedC, template_env
from ..device.toolchain import STRICT_CFLAGS  # the one set of strict flags
from ..errors import ToolMissingError

SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def host_cc() -> str:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        raise ToolMissingError("no host C compiler (cc/gcc/clang); install gcc")
    return cc


@dataclass
class Harness:
    """A built harness executable for one generated pipeline."""

    exe: Path
    generated: GeneratedC
    timeout: float = 300.0
    state_bytes: int = -1  # sizeof the state struct, as the compiled C reports it (after a run)

    @property
    def n_features(self) -> int:
        return self.generated.n_features

    @property
    def n_classes(self) -> int:
        return self.generated.n_classes

    def _run(self, mode: str, payload: bytes) -> list[str]:
        res = subprocess.run([str(self.exe), mode], input=payload, capture_output=True, timeout=self.timeout)
        err = res.stderr.decode(errors="replace")
        if res.returncode != 0 or err.strip():
            raise AssertionError(f"harness {mode} exited {res.returncode}: {err.strip()[:2000]}")
        lines = res.stdout.decode().splitlines()
        if not lines or not lines[0].startswith("S "):
            raise AssertionError(f"harness {mode}: unexpected output {lines[:2]}")
        self.state_bytes = int(lines[0].split()[1])
        return lines[1:]

    @staticmethod
    def _floats(line: str, tag: str) -> np.ndarray:
        parts = line.split()
        if not parts or parts[0] != tag:
            raise AssertionError(f"expected a '{tag}' line, got {line[:80]!r}")
        return np.array([float(v) for v in parts[1:]], dtype=np.float32)

    @staticmethod
    def _batch(X: np.ndarray) -> bytes:
        X = np.ascontiguousarray(X, dtype=np.float32)
        return struct.pack("<i", len(X)) + X.tobytes()

    def features(self, windows) -> np.ndarray:
        """``<prefix>_features`` on each window ``(n, length, n_channels)`` -> ``(n, n_features)``."""
        lines = self._run("features", self._batch(windows))
        return (
            np.stack([self._floats(ln, "F") for ln in lines]) if lines else np.zeros((0, self.n_features), np.float32)
        )

    def infer(self, windows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``<prefix>_infer`` on each window -> (labels as class indices, scores, features)."""
        lines = self._run("infer", self._batch(windows))
        labels, scores, feats = [], [], []
        for i in range(0, len(lines), 3):
            labels.append(int(lines[i].split()[1]))
            feats.append(self._floats(lines[i + 1], "F"))
            scores.append(self._floats(lines[i + 2], "C"))
        return np.array(labels), np.stack(scores), np.stack(feats)

    def classify(self, features) -> tuple[np.ndarray, np.ndarray]:
        """``<prefix>_classify`` on each feature vector -> (labels as class indices, scores)."""
        lines = self._run("classify", self._batch(features))
        labels = [int(lines[i].split()[1]) for i in range(0, len(lines), 2)]
        scores = [self._floats(lines[i + 1], "C") for i in range(0, len(lines), 2)]
        return np.array(labels), np.stack(scores)

    def infer_n(self, recordings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``<prefix>_infer_n`` (``window.pad: valid``) on each recording ``(n_valid, n_channels)``,
        passed in a buffer of exactly its frames -> (labels or statuses, scores, features)."""
        payload = []
        for rec in recordings:
            rec = np.ascontiguousarray(rec, dtype=np.float32)
            payload.append(struct.pack("<i", len(rec)) + rec.tobytes())
        payload.append(struct.pack("<i", -1))
        lines = self._run("infer_n", b"".join(payload))
        labels = [int(lines[i].split()[1]) for i in range(0, len(lines), 3)]
        feats = [self._floats(lines[i + 1], "F") for i in range(0, len(lines), 3)]
        scores = [self._floats(lines[i + 2], "C") for i in range(0, len(lines), 3)]
        return np.array(labels), np.stack(scores), np.stack(feats)

    def to_window(self, recordings) -> np.ndarray:
        """``<prefix>_to_window`` on each recording ``(n_i, n_channels)`` -> windows ``(k, length, n_channels)``."""
        payload = []
        for rec in recordings:
            rec = np.ascontiguousarray(rec, dtype=np.float32)
            payload.append(struct.pack("<i", len(rec)) + rec.tobytes())
        payload.append(struct.pack("<i", -1))
        info = self.generated.info
        shape = (info["window_length"], info["n_channels"])
        return np.stack([self._floats(ln, "W").reshape(shape) for ln in self._run("fit", b"".join(payload))])

    def stream(self, samples, chunk_sizes, counts: bool = False, reset_at: int | None = None) -> list[dict]:
        """Push ``samples`` ``(n, n_channels)`` in chunks of the given sizes (cycled); one record
        per push that completed windows: ``n_windows`` and the last window's label/scores/post
        (label -6, SF_ERR_NONFINITE, and None scores/post for a window holding NaN/Inf).
        ``counts``: ``samples`` are int16 counts, pushed through ``<prefix>_push_i16``.
        ``reset_at``: ``<prefix>_init()`` again once that many samples are pushed (a chunk ends
        there); the records after it start with ``{"reset": True}``."""
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if samples.ndim == 1:
            samples = samples[:, None]
        payload, i, k = [], 0, 0
        sizes = list(chunk_sizes)
        while i < len(samples):
            if i == reset_at:
                payload.append(struct.pack("<i", -2))
            end = reset_at if reset_at is not None and i < reset_at else len(samples)
            n = min(int(sizes[k % len(sizes)]), end - i)
            payload.append(struct.pack("<i", n) + samples[i : i + n].tobytes())
            i, k = i + n, k + 1
        payload.append(struct.pack("<i", -1))
        lines = self._run("stream_i16" if counts else "stream", b"".join(payload))
        out, j = [], 0
        while j < len(lines):
            if lines[j] == "R":
                out.append({"reset": True})
                j += 1
                continue
            parts = lines[j].split()
            rec = {"n_windows": int(parts[1]), "label": int(parts[2])}
            if self.n_classes:  # a non-finite window (label SF_ERR_NONFINITE): no scores, no post
                finite = rec["label"] >= 0
                rec["scores"] = np.array([float(v) for v in parts[3:]], dtype=np.float32) if finite else None
                rec["post"] = self._floats(lines[j + 1], "P") if finite else None
                j += 2
            else:
                j += 1
            out.append(rec)
        return out


def build(
    pipeline,
    out_dir,
    *,
    meta: dict | None = None,
    board=None,
    prefix: str | None = None,
    sanitize: bool = False,
    opt: str = "-O2",
    extra_cflags: list[str] | None = None,
    numeric: str = "auto",
) -> Harness:
    """Generate C for ``pipeline`` into ``out_dir`` (``numeric``: as ``export --numeric``) and
    compile it with the harness."""
    out = Path(out_dir)
    gen = generate(pipeline, meta=meta, board=board, prefix=prefix, numeric=numeric)
    gen.write(out)
    values = dict(prefix=gen.prefix, P=gen.prefix.upper(), n_classes=gen.n_classes)
    (out / "harness.c").write_text(template_env().get_template("harness.c.j2").render(**values))
    return compile_harness(gen, out, sanitize=sanitize, opt=opt, extra_cflags=extra_cflags)


def compile_harness(gen: GeneratedC, out: Path, *, sanitize=False, opt="-O2", extra_cflags=None) -> Harness:
    exe = out / ("harness_san" if sanitize else "harness")
    srcs = [str(out / s) for s in gen.sources] + [str(out / "harness.c")]
    cmd = [
        host_cc(),
        *STRICT_CFLAGS,
        opt,
        "-g",
        "-I",
        str(out),
        *(SANITIZE if sanitize else []),
        *(extra_cflags or []),
        *srcs,
        "-lm",
        "-o",
        str(exe),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError(f"compiling the generated C failed:\n{' '.join(cmd)}\n{res.stderr[:6000]}")
    return Harness(exe, gen)


def run_stage(stage, X, out_dir, *, sanitize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Emit one bound (and fitted) stage alone, compile it with a stdin/stdout driver and run
    it on the batch ``X`` (windows, vectors or a score sequence, in order). Returns
    (labels, outputs): labels are class indices for model stages, -1 otherwise."""
    from ..codegen.c.library import generate_stage

    out = Path(out_dir)
    gen = generate_stage(stage, prefix="sf_stage")
    gen.write(out)
    exe = out / "stage"
    cmd = [
        host_cc(),
        *STRICT_CFLAGS,
        "-O1",
        "-g",
        "-I",
        str(out),
        *(SANITIZE if sanitize else []),
        *[str(out / s) for s in gen.sources],
        "-lm",
        "-o",
        str(exe),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise AssertionError(f"compiling stage '{stage.name}' failed:\n{res.stderr[:6000]}")
    X = np.ascontiguousarray(X, dtype=np.float32)
    payload = struct.pack("<i", len(X)) + X.tobytes()
    run = subprocess.run([str(exe)], input=payload, capture_output=True, timeout=300)
    if run.returncode != 0 or run.stderr.strip():
        raise AssertionError(f"stage '{stage.name}' C run exited {run.returncode}: {run.stderr.decode()[:2000]}")
    rows = [ln.split() for ln in run.stdout.decode().splitlines()]
    labels = np.array([int(r[0]) for r in rows])
    outs = np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float32)
    return labels, outs
