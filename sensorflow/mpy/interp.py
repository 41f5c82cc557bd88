"""Run code on a real MicroPython interpreter: the WebAssembly port of MicroPython
(npm package ``@micropython/micropython-webassembly-pyscript``) under Node.js.

``scripts/install-system-deps.sh`` installs the package into ``.tools/mp`` inside the
checkout; ``SENSORFLOW_MICROPYTHON_WASM`` may point elsewhere (to ``micropython.mjs``, its
folder, or an npm prefix holding it). That port computes with double-precision floats; an
ESP32 firmware uses float32 (``array('f')`` stores float32 on both).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SensorflowError, ToolMissingError

NPM_PACKAGE = "@micropython/micropython-webassembly-pyscript"
ENV_VAR = "SENSORFLOW_MICROPYTHON_WASM"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_PREFIX = REPO / ".tools" / "mp"
RUN_MJS = HERE / "run.mjs"
BOARD_MJS = HERE / "board.mjs"


class MicroPythonError(SensorflowError):
    """Python code raised on the MicroPython interpreter; ``type`` is the exception class
    name there and ``traceback`` the interpreter's traceback text."""

    exit_code = 1

    def __init__(self, type_: str, traceback: str):
        lines = [ln for ln in traceback.strip().splitlines() if ln.strip()]
        super().__init__(f"MicroPython raised {lines[-1] if lines else type_}")
        self.type = type_
        self.traceback = traceback


def _candidates(base: Path) -> list[Path]:
    return [
        base,
        base / "micropython.mjs",
        base / "node_modules" / NPM_PACKAGE / "micropython.mjs",
    ]


def find_wasm() -> Path:
    """Path of ``micropython.mjs``; a clear ToolMissingError when it is not installed."""
    env = os.environ.get(ENV_VAR)
    bases = [Path(env)] if env else [DEFAULT_PREFIX]
    for base in bases:
        for cand in _candidates(base):
            if cand.is_file() and cand.name == "micropython.mjs" and (cand.parent / "micropython.wasm").is_file():
                return cand
    if env:
        raise ToolMissingError(
            f"{ENV_VAR}={env} does not hold micropython.mjs + micropython.wasm; point it at the folder of "
            f"{NPM_PACKAGE} or unset it and run scripts/install-system-deps.sh"
        )
    raise ToolMissingError(
        f"the MicroPython WebAssembly interpreter is not installed (looked in .tools/mp); run "
        f"scripts/install-system-deps.sh (npm install --prefix .tools/mp {NPM_PACKAGE}@1.27.0) or set {ENV_VAR}"
    )


def find_node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ToolMissingError("node (Node.js) is not on PATH; install it (apt-get install nodejs)")
    return node


def available() -> str | None:
    """None when node and the interpreter are present, else the reason they are not."""
    try:
        find_node()
        find_wasm()
    except ToolMissingError as exc:
        return str(exc)
    return None


@dataclass
class RunResult:
    stdout: str
    files: dict[str, bytes] = field(default_factory=dict)


def run(
    code: str,
    files: dict[str, bytes | str] | None = None,
    collect: tuple[str, ...] | list[str] = (),
    heapsize: int = 1 << 20,
    timeout: float = 120.0,
) -> RunResult:
    """Run ``code`` in a fresh interpreter after writing ``files`` (path -> content) into its
    filesystem (``/lib`` is on ``sys.path``). Returns its stdout and the ``collect`` files it
    wrote. A Python exception there raises :class:`MicroPythonError`."""
    job = {
        "heapsize": int(heapsize),
        "files": {
            p: base64.b64encode(c.encode() if isinstance(c, str) else bytes(c)).decode()
            for p, c in (files or {}).items()
        },
        "code": code,
        "collect": list(collect),
    }
    try:
        proc = subprocess.run(
            [find_node(), str(RUN_MJS), str(find_wasm())],
            input=json.dumps(job).encode(),
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise SensorflowError(f"MicroPython interpreter did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        err = proc.stderr.decode(errors="replace").strip().splitlines()
        raise ToolMissingError(
            f"the MicroPython interpreter failed to start (node exit {proc.returncode}): {err[-1] if err else 'no output'}"
        )
    res = json.loads(proc.stdout)
    if not res["ok"]:
        raise MicroPythonError(res["error"]["type"], res["error"]["message"])
    out = {p: base64.b64decode(b) for p, b in res["files"].items() if b is not None}
    missing = [p for p, b in res["files"].items() if b is None]
    if missing:
        raise SensorflowError(f"the MicroPython code did not write {', '.join(missing)}")
    return RunResult(res["stdout"], out)
