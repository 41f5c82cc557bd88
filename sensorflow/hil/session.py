"""Open a HIL session on a board: build the firmware for an export directory, start the
emulated board (or flash and open a real one), connect, and always clean up."""

from __future__ import annotations

import contextlib
import shlex
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..device import boards, firmware
from ..device.processes import EmulatedBoard, launch
from ..errors import HILError
from .client import DEFAULT_RETRIES, BoardClient
from .transport import LaneTransport, SerialTransport, Transport


@dataclass
class Session:
    client: BoardClient
    board: str
    emulated: EmulatedBoard | None
    boot_seconds: float | None


def build(board: str, export_dir: Path, build_dir: Path) -> Path:
    """The HIL firmware for ``board`` (its port under sensorflow/device/firmware/) with the export compiled in."""
    return firmware.build_hil(firmware.ported(board), export_dir, build_dir)


@contextlib.contextmanager
def open_emulated(
    board: str,
    elf: Path,
    *,
    timeout: float = 2.0,
    boot_timeout: float = 10.0,
    wrap=None,
    serial: str = "pty",
    retries: int = DEFAULT_RETRIES,
    lanes: int | None = None,
) -> Iterator[Session]:
    """Start the emulated board, open its serial devices, wait for its hello. ``lanes``: serial
    lanes to use, at most (and by default) the firmware's ``hil_lanes``; 1 is the single-UART
    link a real board has."""
    b = firmware.ported(board)
    assert b.firmware is not None
    most = b.firmware.hil_lanes if serial == "pty" else 1
    lanes = most if lanes is None else lanes
    if not 1 <= lanes <= most:
        raise HILError(f"board '{board}' serves 1 to {most} HIL lanes here, asked for {lanes}")
    t0 = time.monotonic()
    with launch(b, elf, serial=serial, lanes=lanes) as emu:
        assert emu.port is not None
        serials = []
        try:
            for port in emu.ports:
                serials.append(SerialTransport(port))
        except BaseException:
            for s in serials:
                s.close()
            raise
        transport: Transport = serials[0] if len(serials) == 1 else LaneTransport(serials)
        try:
            if wrap is not None:
                transport = wrap(transport)
            emu.release()
            client = BoardClient(transport, timeout=timeout, retries=retries)
            client.pipeline_loads = True  # the emulator's UART never overruns
            client.connect(boot_timeout)
            yield Session(client, board, emu, time.monotonic() - t0)
        finally:
            transport.close()


def flash(board_name: str, elf: Path, port: str) -> None:
    """Program a real board with the command from its board YAML."""
    board = boards.get(board_name)
    if board.flash is None:
        raise HILError(
            f"board '{board_name}' has no flash command in {board.source}; flash the HIL firmware "
            "yourself and pass --no-flash"
        )
    images = {"elf": elf}
    if board.flash.image in ("bin", "hex"):
        cc = board.toolchain.cc
        objcopy = cc[: -len("gcc")] + "objcopy" if cc.endswith("gcc") else "objcopy"
        img = elf.with_suffix(f".{board.flash.image}")
        fmt = "binary" if board.flash.image == "bin" else "ihex"
        subprocess.run([objcopy, "-O", fmt, str(elf), str(img)], check=True)
        images[board.flash.image] = img
    try:
        cmd = board.flash.command.format(port=port, **{k: str(v) for k, v in images.items()})
    except KeyError as exc:
        raise HILError(
            f"{board.source}: flash command needs {{{exc.args[0]}}}, which this runner cannot provide"
        ) from None
    try:
        proc = subprocess.run(shlex.split(cmd), capture_output=True, text=True)
    except FileNotFoundError:
        raise HILError(
            f"flashing {board_name}: '{shlex.split(cmd)[0]}' is not installed (flash.command in {board.source})"
        ) from None
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise HILError(f"flashing {board_name} on {port} failed (exit {proc.returncode}): {last}; command: {cmd}")


@contextlib.contextmanager
def open_port(
    board: str,
    port: str,
    *,
    baudrate: int = 115200,
    timeout: float = 2.0,
    boot_timeout: float = 10.0,
    reset_on_open: bool = False,
    boot_delay: float = 0.0,
    retries: int = DEFAULT_RETRIES,
) -> Iterator[Session]:
    """A board on a serial port (a real board, or an emulator someone else started). Boards
    that reset when the port opens (DTR/RTS auto-reset) are given ``boot_delay`` to boot; the
    hello is awaited either way, so a reset on open is harmless."""
    transport = SerialTransport(
        port, baudrate=baudrate, dtr=False if reset_on_open else None, rts=False if reset_on_open else None
    )
    try:
        t0 = time.monotonic()
        if boot_delay:
            time.sleep(boot_delay)
        transport.reset_input()
        client = BoardClient(transport, timeout=timeout, retries=retries)
        client.connect(boot_timeout)
        yield Session(client, board, None, time.monotonic() - t0)
    finally:
        transport.close()
