"""An emulated MicroPython board on a pseudo-terminal: ``board.mjs`` (the WebAssembly
MicroPython behind its own REPL) owns the master side; the host opens the slave path with
pyserial, exactly as it would open ``/dev/ttyUSB0`` of an ESP32 running MicroPython.

    with EmulatedMicroPythonBoard() as port:
        ser = serial.Serial(port, 115200)

The slave is put in raw mode before the process starts (else the line discipline echoes
the board's output back into it). The process runs in its own process group, is
stopped on exit (also at interpreter exit) and dies with its parent (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import subprocess

from ..device import processes
from ..errors import HILError
from .interp import BOARD_MJS, find_node, find_wasm

DEFAULT_HEAP = 256 * 1024  # bytes of MicroPython heap, about what an ESP32 without PSRAM has


class EmulatedMicroPythonBoard:
    def __init__(self, heapsize: int = DEFAULT_HEAP):
        self.heapsize = int(heapsize)
        self.proc: subprocess.Popen | None = None
        self._slave: int | None = None
        self.port: str | None = None

    def start(self) -> str:
        node, wasm = find_node(), find_wasm()
        master, slave = processes.raw_pty()
        try:
            self.proc = processes.spawn(
                self,
                [node, str(BOARD_MJS), str(wasm), str(self.heapsize)],
                stdin=master,
                stdout=master,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            os.close(master)
            os.close(slave)
            raise HILError(f"could not start the emulated MicroPython board: {exc}") from None
        os.close(master)
        self._slave = slave  # held open so the board never sees a hang-up between host opens
        self.port = os.ttyname(slave)
        return self.port

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self) -> str:
        if self.proc is None or self.proc.stderr is None or self.alive():
            return ""
        return self.proc.stderr.read().decode(errors="replace").strip()[-500:]

    def stop(self) -> None:
        processes.forget(self)
        if self.proc is not None:
            processes.kill_group(self.proc, timeout=5)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            self.proc = None
        if self._slave is not None:
            os.close(self._slave)
            self._slave = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
