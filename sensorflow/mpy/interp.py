"""Run code on a real MicroPython interpreter: the WebAssembly port of MicroPython
(npm package ``@micropython/micropython-webassembly-pyscript``) under Node.js.

``sensorflow setup micropython`` installs the package with npm into the user's data folder
(``$XDG_DATA_HOME/sensorflow/mp``, default ``~/.local/share/sensorflow/mp``); in a checkout,
``scripts/install-system-deps.sh`` installs it into ``.tools/mp``. ``SENSORFLOW_MICROPYTHON_WASM``
may point elsewhere (to ``micropython.mjs``, its folder, or an npm prefix holding it). That port computes with double-precision floats; an
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
NPM_VERSION = "1.27.0"
ENV_VAR = "SENSORFLOW_MICROPYTHON_WASM"
HERE = Path(__file__).resolve().parent
CHECKOUT_PREFIX = HERE.parents[1] / ".tools" / "mp"  # scripts/install-system-deps.sh puts it here


def user_prefix() -> Path:
    """Where ``sensorflow setup micropython`` installs the interpreter (XDG base directory spec)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sensorflow" / "mp"


def install(prefix: Path | None = None) -> Path:
    """``npm install`` the pinned interpreter into ``prefix`` (default :func:`user_prefix`); its micropython.mjs."""
    npm = shutil.which("npm")
    if npm is None:
        raise ToolMissingError("npm is not on PATH; install Node.js and npm (apt-get install nodejs npm)")
    prefix = prefix or user_prefix()
    prefix.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        [
            npm,
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(prefix),
            f"{NPM_PACKAGE}@{NPM_VERSION}",
        ],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolMissingError(f"npm could not install {NPM_PACKAGE}@{NPM_VERSION} into {prefix}: {last}")
    return find_wasm([prefix])


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


def find_wasm(bases: list[Path] | None = None) -> Path:
    """Path of ``micropython.mjs``; a clear ToolMissingError when it is not installed."""
    env = os.environ.get(ENV_VAR)
    if bases is None:
        bases = [Path(env)] if env else [CHECKOUT_PREFIX, user_prefix()]
    for base in bases:
        for cand in _candidates(base):
            if cand.is_file() and cand.name == "micropython.mjs" and (cand.parent / "micropython.wasm").is_file():
                return cand
    if env:
        raise ToolMissingError(
            f"{ENV_VAR}={env} does not hold micropython.mjs + micropython.wasm; point it at the folder of "
            f"{NPM_PACKAGE} or unset it and run: sensorflow setup micropython"
        )
    raise ToolMissingError(
        f"the MicroPython WebAssembly interpreter is not installed (looked in {', '.join(str(b) for b in bases)}); "
        f"run: sensorflow setup micropython (needs node and npm), or set {ENV_VAR}"
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
