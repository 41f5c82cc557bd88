"""The emulated Xtensa lx106 board (qemu-system-xtensa -M lx60 -cpu lx106, the ESP8266's core):
its run-time helpers against the host FPU, its instruction counter against a loop of known
length, and the gesture pipeline on its measuring image. The HIL firmware on this board runs
in tests/hil/test_emulated_boards.py and test_gesture_hil.py with the other emulated boards."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import serial
from conftest import need_tools

from sensorflow.device import boards, firmware, processes, toolchain

BOARD = "qemu-xtensa-lx106"
TOOLS = ("xtensa-lx106-elf-gcc", "qemu-system-xtensa")
PORT_DIR = firmware.FIRMWARE_DIR / BOARD


# The same arithmetic compiled twice: natively on the host (its FPU and integer divider) and for
# the lx106 (where every operation below is a call into rt_helpers.c or libgcc). Both print the
# same hash or the helpers are wrong somewhere. NaNs hash as one value (their payloads are not
# part of IEEE 754's contract); conversions stay in range (out of range is undefined in C).
ARITH_GEN = r"""
#include <stdint.h>
#include <string.h>
static uint32_t xs = 2463534242u;
static uint32_t rnd(void) { xs ^= xs << 13; xs ^= xs >> 17; xs ^= xs << 5; return xs; }
static uint32_t canon(float f) { uint32_t u; memcpy(&u, &f, 4); return (u & 0x7FFFFFFFu) > 0x7F800000u ? 0x7FC00000u : u; }
static float ffrom(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint32_t pick(void) {
    uint32_t r = rnd();
    switch (r & 7u) {
    case 0: return rnd() & 0x80FFFFFFu;                                  /* subnormals, tiny */
    case 1: return (rnd() & 0x807FFFFFu) | ((0x7Cu + (rnd() & 7u)) << 23); /* near 1 */
    case 2: return (r & 0x80000000u) | 0x7F800000u;                      /* infinities */
    default: return rnd();
    }
}
"""

ARITH = (
    ARITH_GEN
    + r"""
static uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 16777619u; }
uint32_t arith_hash(uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ua = pick(), ub = (rnd() & 3u) ? pick() : (ua ^ (rnd() & 0xFFu));
        float a = ffrom(ua), b = ffrom(ub);
        h = mix(h, canon(a + b)); h = mix(h, canon(a - b)); h = mix(h, canon(a * b)); h = mix(h, canon(a / b));
        int32_t si = (int32_t)rnd() >> (rnd() & 31u);
        uint32_t ui = rnd() >> (rnd() & 31u);
        h = mix(h, canon((float)si)); h = mix(h, canon((float)ui));
        float c = ffrom((rnd() & 0x807FFFFFu) | ((0x70u + (rnd() & 31u)) << 23)); /* |c| < 2^17 */
        h = mix(h, (uint32_t)(int32_t)c);
        if (c >= 0.0f) h = mix(h, (uint32_t)c);
        uint32_t d = rnd() >> (rnd() & 31u);
        int32_t sd = (int32_t)rnd() >> (rnd() & 31u);
        if (d) { h = mix(h, ui / d); h = mix(h, ui % d); }
        if (sd && !(si == INT32_MIN && sd == -1)) { h = mix(h, (uint32_t)(si / sd)); h = mix(h, (uint32_t)(si % sd)); }
        uint64_t x = ((uint64_t)rnd() << 32 | rnd()) >> (rnd() & 63u), y = ((uint64_t)rnd() << 32 | rnd()) >> (rnd() & 63u);
        h = mix(h, (uint32_t)(x * y));
        if (y) { h = mix(h, (uint32_t)(x / y)); h = mix(h, (uint32_t)(x % y)); h = mix(h, (uint32_t)((int64_t)x / (int64_t)y)); }
        uint64_t db = ((uint64_t)rnd() << 32 | rnd()) & 0x800FFFFFFFFFFFFFull;
        double dd;
        db |= (uint64_t)(1023u - 160u + rnd() % 320u) << 52; /* around the float range */
        memcpy(&dd, &db, 8);
        h = mix(h, canon((float)dd));        /* __truncdfsf2 */
        h = mix(h, canon((float)(double)a)); /* __extendsfdf2 */
    }
    return h;
}
"""
)

HOST_MAIN = r"""
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
uint32_t arith_hash(uint32_t n);
int main(int argc, char **argv) { printf("hash %08x\n", (unsigned)arith_hash((uint32_t)atol(argv[1]))); return 0; }
"""

# On the board: the hash, then ICOUNT around a loop of exactly 2 instructions per iteration
# (addi + bnez), twice per length, so the difference of two lengths is 2 x their difference.
DEVICE_MAIN = r"""
#include <stdint.h>
#include "hil_port.h"
uint32_t arith_hash(uint32_t n);
extern volatile uint32_t sf_icount_wraps[3];
static void put(const char *s) { uint32_t n = 0; while (s[n]) n++; port_write((const uint8_t *)s, n); }
static void put_u32(uint32_t v) {
    char b[11]; int i = 10; b[i] = 0;
    do { b[--i] = (char)('0' + v % 10u); v /= 10u; } while (v);
    put(b + i);
}
static void put_hex(uint32_t v) {
    char b[9]; for (int i = 7; i >= 0; i--) { b[i] = "0123456789abcdef"[v & 15u]; v >>= 4; } b[8] = 0; put(b);
}
static uint32_t timed_loop(uint32_t n) {
    port_counter_start();
    __asm volatile("1: addi %0, %0, -1\n\tbnez %0, 1b" : "+a"(n));
    return (uint32_t)port_counter_stop();
}
int main(void) {
    port_init();
    static const uint32_t lengths[] = {1000u, 3000u, 1000u, 3000u};
    put("loop");
    for (int i = 0; i < 4; i++) { put(" "); put_u32(timed_loop(lengths[i])); }
    /* ICOUNT 256 short of its wrap: the debug handler in start.S must keep the count whole */
    __asm volatile("wsr.icount %0\n\tisync" ::"a"(0xFFFFFF00u));
    put("\nwrap ");
    put_u32(timed_loop(1000u));
    put(" ");
    put_u32(sf_icount_wraps[0]);
    put("\nhash ");
    put_hex(arith_hash(N_CASES));
    put("\nend\n");
    for (;;) port_wait_input();
}
"""
N_CASES = 20000


def _build_device(tmp: Path) -> Path:
    """The self-test main + the board's start-up, run-time helpers and HIL port (no pipeline)."""
    b = boards.get(BOARD)
    fw = b.firmware
    (tmp / "arith.c").write_text(ARITH)
    (tmp / "main.c").write_text(DEVICE_MAIN)
    elf = tmp / "selftest.elf"
    cmd = [
        b.toolchain.cc,
        "-std=c99",
        "-Wall",
        "-Werror",
        "-ffp-contract=off",
        f"-DN_CASES={N_CASES}u",
        *b.toolchain.cflags,
        *fw.cflags,
        f"-I{firmware.HIL_DIR}",
        str(tmp / "arith.c"),
        str(tmp / "main.c"),
        *[str(PORT_DIR / s) for s in (*fw.startup, fw.hil_port)],
        "-o",
        str(elf),
        *firmware.link_flags(b),
    ]
    toolchain.run(cmd, 600, f"building the {BOARD} self-test")
    return elf


def _run_until_end(elf: Path, timeout: float = 60.0) -> dict[str, list[str]]:
    with processes.QemuBoard(boards.get(BOARD), elf) as board:
        with serial.Serial(board.port, timeout=0.2) as port:
            board.release()
            out, deadline = b"", time.monotonic() + timeout
            while b"end\n" not in out and time.monotonic() < deadline:
                out += port.read(256)
    assert b"end\n" in out, f"no 'end' from the board within {timeout:g} s; got {out[:200]!r}"
    return {ln.split()[0]: ln.split()[1:] for ln in out.decode().splitlines() if ln.strip()}


def test_rt_helpers_equal_the_host_fpu(tmp_path):
    """rt_helpers.c built for the host under other names: 300,000 random cases (subnormals,
    infinities, NaNs, ties, near-cancellations) against the host's own + - * and conversions."""
    need_tools("cc")
    src = tmp_path / "check.c"
    src.write_text(
        '#define RT_FN(n) rt##n\n#include "rt_helpers.c"\n'
        + ARITH_GEN
        + r"""
#include <stdio.h>
static uint32_t raw(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static int same(uint32_t got, uint32_t want) {
    int nan = (want & 0x7FFFFFFFu) > 0x7F800000u;
    return nan ? (got & 0x7FFFFFFFu) > 0x7F800000u : got == want;
}
int main(void) {
    long bad = 0;
    for (long i = 0; i < 300000; i++) {
        uint32_t ua = pick(), ub = (rnd() & 3u) ? pick() : (ua ^ (rnd() & 0xFFu));
        volatile float a = ffrom(ua), b = ffrom(ub);
        bad += !same(raw(rt__addsf3(a, b)), raw(a + b));
        bad += !same(raw(rt__subsf3(a, b)), raw(a - b));
        bad += !same(raw(rt__mulsf3(a, b)), raw(a * b));
        int32_t si = (int32_t)rnd() >> (rnd() & 31u);
        uint32_t ui = rnd() >> (rnd() & 31u);
        bad += raw(rt__floatsisf(si)) != raw((float)si);
        bad += raw(rt__floatunsisf(ui)) != raw((float)ui);
        uint32_t d = rnd() >> (rnd() & 31u);
        if (d) bad += rt__udivsi3(ui, d) != ui / d || rt__umodsi3(ui, d) != ui % d;
    }
    printf("%ld\n", bad);
    return 0;
}
"""
    )
    exe = tmp_path / "check"
    subprocess.run(
        ["cc", "-O2", "-std=c99", "-ffp-contract=off", f"-I{PORT_DIR}", str(src), "-o", str(exe)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.strip() == "0"


@pytest.mark.emulator
def test_lx106_counts_instructions_exactly_and_computes_like_the_host(tmp_path):
    need_tools(*TOOLS, "cc")
    got = _run_until_end(_build_device(tmp_path))
    short1, long1, short2, long2 = (int(v) for v in got["loop"])
    assert (short1, long1) == (short2, long2), "the counter is not deterministic"
    assert long1 - short1 == 2 * (3000 - 1000)  # two instructions per iteration, exactly
    assert 2000 <= short1 < 2000 + 100  # the loop plus the counter calls (23 instructions here)
    assert got["wrap"] == [str(short1), "1"]  # counted across ICOUNT's wrap, exactly
    host = tmp_path / "host_arith"
    (tmp_path / "host_main.c").write_text(HOST_MAIN)
    subprocess.run(
        ["cc", "-O2", "-std=c99", "-ffp-contract=off", str(tmp_path / "arith.c"), str(tmp_path / "host_main.c")]
        + ["-o", str(host)],
        check=True,
        capture_output=True,
        text=True,
    )
    want = subprocess.run([str(host), str(N_CASES)], capture_output=True, text=True, check=True).stdout.split()
    assert got["hash"] == want[1:], "lx106 arithmetic (rt_helpers.c / libgcc) differs from the host's"


@pytest.mark.emulator
@pytest.mark.slow
def test_gesture_on_the_lx106_measuring_image(tmp_path):
    """The gesture pipeline (soft float through rt_helpers.c and picolibc's libm), exported for
    this board and run on its measuring image as `sensorflow bench` measures rv32 and the M4F:
    the host's label on every compiled-in window, an exact count that repeats, and sizes that
    fit the board."""
    need_tools(*TOOLS)
    from sensorflow.bench.demo_models import trained
    from sensorflow.device.measure import measure_pipeline

    d = trained("gesture")
    X = np.asarray(d.result.test_windows, dtype=np.float32)
    r = measure_pipeline(d.pipeline, X, BOARD, tmp_path / "a")
    assert r["agree"] == r["k"] == 8
    # float gesture pipeline in soft float: rv32imc takes about 1.95 M instructions per inference
    assert 1_000_000 < r["instr_infer"] < 4_000_000
    assert r["instr_hop"] >= r["instr_infer"]  # a push that completes a window runs one inference
    b = boards.get(BOARD)
    assert 0 < r["flash"] <= r["lib_flash"] + 4096 and r["flash"] < b.flash_bytes
    assert r["ram"] >= r["state"] + r["stack"] and 0 < r["stack"] < 4096
    again = measure_pipeline(d.pipeline, X, BOARD, tmp_path / "b")
    assert again["instr_infer"] == r["instr_infer"] and again["flash"] == r["flash"]
