"""sensorflow setup micropython: install the MicroPython WebAssembly interpreter (npm, pinned
version) that ``export --lang micropython`` checks and ``hil --lang micropython`` runs on."""

from __future__ import annotations

from pathlib import Path

from ..mpy import interp


def add_arguments(p):
    p.add_argument("what", choices=["micropython"], help="what to install")
    p.add_argument("--prefix", metavar="DIR", help=f"install here (default: {interp.user_prefix()})")


def run(args, out) -> int:
    mjs = interp.install(Path(args.prefix) if args.prefix else None)
    out.set(micropython=str(mjs))
    out.print(f"MicroPython {interp.NPM_VERSION} (WebAssembly) installed: {mjs}")
    if args.prefix:
        out.print(f"point sensorflow at it with: export {interp.ENV_VAR}={Path(args.prefix).resolve()}")
    return 0
