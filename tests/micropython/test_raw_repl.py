"""The raw-REPL path against the emulated MicroPython board (the WebAssembly MicroPython's
own REPL behind a pseudo-terminal): protocol bytes, raw-paste and plain transfers, file
copy, soft reset, errors and time-outs."""

from __future__ import annotations

import hashlib
import os
import time
import tty

import pytest
import serial
from mphelp import need_micropython

from sensorflow.errors import HILTimeout
from sensorflow.hil.micropython import RawRepl, RemoteError
from sensorflow.mpy.board import EmulatedMicroPythonBoard

pytestmark = pytest.mark.emulator


@pytest.fixture
def board():
    need_micropython()
    b = EmulatedMicroPythonBoard()
    port = b.start()
    yield port
    b.stop()
    assert not b.alive()


def _read_until(ser, ending: bytes, timeout: float = 10.0) -> bytes:
    buf = b""
    end = time.monotonic() + timeout
    while ending not in buf:
        assert time.monotonic() < end, f"no {ending!r} in {buf!r}"
        buf += ser.read(max(1, ser.in_waiting))
    return buf


def test_raw_repl_bytes_on_the_wire(board):
    """Ctrl-A -> banner and '>', code + Ctrl-D -> 'OK' output \\x04 error \\x04 '>', Ctrl-B -> friendly REPL."""
    ser = serial.Serial(board, 115200, timeout=0.05)
    ser.write(b"\r\x03\x03\r\x01")
    _read_until(ser, b"raw REPL; CTRL-B to exit\r\n>")
    ser.write(b"print(6 * 7)\x04")
    reply = _read_until(ser, b"\x04>")
    assert reply.startswith(b"OK") and b"42" in reply and reply.endswith(b"\x04\x04>")
    ser.write(b"1/0\x04")
    reply = _read_until(ser, b"\x04>")
    out, err = reply[2:].split(b"\x04")[:2]
    assert out == b"" and b"ZeroDivisionError" in err
    ser.write(b"\x02")
    assert b">>> " in _read_until(ser, b">>> ")
    ser.close()


@pytest.mark.parametrize("raw_paste", [True, False], ids=["raw-paste", "plain-raw"])
def test_exec_and_file_copy(board, raw_paste):
    repl = RawRepl(board, timeout=10.0)
    repl.use_raw_paste = raw_paste
    repl.enter_raw(soft_reset=True)
    assert repl.exec_("print('a' * 3000)").strip() == "a" * 3000
    assert repl.use_raw_paste is raw_paste  # the emulated board offers raw-paste; the plain path still works
    data = bytes(range(256)) * 9 + b"'\"\\\r\n\x04\x03"
    repl.put_file("blob.bin", data)
    digest = repl.exec_(
        "import hashlib, binascii\nprint(binascii.hexlify(hashlib.sha256(open('blob.bin','rb').read()).digest()).decode())"
    )
    assert digest.strip() == hashlib.sha256(data).hexdigest()
    with pytest.raises(RemoteError, match="NameError"):
        repl.exec_("undefined_name")
    assert repl.exec_("print('still alive')").strip() == "still alive"
    repl.close()


def test_soft_reset_keeps_files_and_clears_state(board):
    repl = RawRepl(board, timeout=10.0)
    repl.enter_raw(soft_reset=False)
    repl.exec_("x = 5\nf = open('keep.txt', 'w'); f.write('kept'); f.close()")
    repl.enter_raw(soft_reset=True)
    assert repl.exec_("print(open('keep.txt').read())").strip() == "kept"
    with pytest.raises(RemoteError, match="NameError"):
        repl.exec_("print(x)")
    repl.close()


def test_ctrl_c_clears_a_half_sent_command(board):
    repl = RawRepl(board, timeout=10.0)
    repl.enter_raw(soft_reset=False)
    repl.ser.write(b"raise ValueError('half')")
    repl.ser.write(b"\x03")
    time.sleep(0.2)
    repl.use_raw_paste = False
    assert repl.exec_("print('clean')").strip() == "clean"
    repl.close()


def test_silent_port_times_out_naming_it():
    master, slave = os.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    try:
        repl = RawRepl(name, timeout=0.5)
        with pytest.raises(HILTimeout, match=name):
            repl.enter_raw()
        repl.close()
    finally:
        os.close(master)
        os.close(slave)
