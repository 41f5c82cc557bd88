"""A real MicroPython interpreter for checks and HIL: the WebAssembly port run under
Node.js (``interp``), and an emulated MicroPython board speaking the raw REPL on a
pseudo-terminal (``board``)."""

from .interp import MicroPythonError, available, find_node, find_wasm, run

__all__ = ["MicroPythonError", "available", "find_node", "find_wasm", "run"]
