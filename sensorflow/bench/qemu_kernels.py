"""Instruction counts of the DSP runtime kernels on the emulated Cortex-M4F (qemu mps2-an386,
-O2, ``-icount shift=0``), measured with :mod:`sensorflow.device.measure`:

- ``rfft512``: sf_rfft_process_f32 on 512 points (the input copy it needs is measured in the
  same image and subtracted, as ``cmsis_kernels`` does for CMSIS-DSP's arm_rfft_fast_f32);
- ``mfcc_frame``: one 512-sample frame, 40 mels (Slaney), 13 coefficients, librosa
  conventions (window, rfft, power, mel, dB, top_db, DCT-II ortho), through sf_logmel;
- ``wakeword_second``: MFCC of 1 s windows (16 kHz, n_fft 512, hop 160, 40 mels, 13 coeffs,
  center=False) hopping by 250 ms through a 2.5 s stream in incremental mode: 4 x the mean
  instructions per window = instructions per second of audio.

Tables come from the reference stages, as an export writes them. Outputs are read back and
checked against the numpy reference, so a wrong kernel cannot report a good number.

Run: ``python -m sensorflow.bench.qemu_kernels [--json]``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from ..codegen.c import cgen
from ..codegen.c.emitters.dsp import c_array, fft_bitrev, fft_twiddle, sparse_rows
from ..device import measure as qemu_harness
from ..spec import Spec

RUNTIME = Path(__file__).resolve().parents[1] / "runtime" / "c"
KERNELS = ("sf_fft.c", "sf_mel.c", "sf_dct.c", "sf_logmel.c")
SR = 16000
N_WINDOWS = 7  # 1 s windows every 0.25 s in 2.5 s of audio


def _mfcc_stage(length: int, hop_length: int = 160):
    from ..stages.audio import MFCC

    st = MFCC(n_fft=512, hop_length=hop_length, n_mels=40, n_mfcc=13, center=False)
    st.bind(Spec.signal(length, 1, SR))
    return st


def _logmel_cfg(name: str, st, shift: int) -> str:
    start, length, weights = sparse_rows(st.mel_matrix(np.float32))
    T = st.n_frames
    work = 2 * 512 + T * (40 + 13 + 3) + 40 + 13
    return "\n".join(
        [
            c_array(f"{name}_window", "float", st.window_vector(np.float32)),
            c_array(f"{name}_mel_start", "uint16_t", start),
            c_array(f"{name}_mel_len", "uint16_t", length),
            c_array(f"{name}_mel_w", "float", weights),
            c_array(f"{name}_dct", "float", st.dct_matrix(np.float32)),
            f"static const sf_logmel_config_f32 {name}_cfg = {{",
            f"    .window_length = {st.input_spec_.length}, .n_fft = 512, .hop_length = {st.hop_length},",
            f"    .n_frames = {T}, .pad = 0, .pad_mode = SF_PAD_CONSTANT, .n_mels = 40, .n_mfcc = 13,",
            f"    .shift_frames = {shift}, .src_stride = 1, .power = 2.0f, .log_mul = {cgen.f32(10 / np.log(10))},",
            "    .log_floor = 1e-10f, .log_add = 0.0f, .log_sub = 0.0f, .top_db = 80.0f,",
            "    .out_frame_stride = 13, .out_coef_stride = 1, .window = " + f"{name}_window, .twiddle = tw512,",
            f"    .bitrev = rev256, .mel_start = {name}_mel_start, .mel_len = {name}_mel_len,",
            f"    .mel_weights = {name}_mel_w, .dct = {name}_dct,",
            "};",
            f"static float {name}_work[{work}];",
            f"static sf_logmel_inst_f32 {name}_S;",
        ]
    )


def _source(x512: np.ndarray, speech: np.ndarray, mfcc_frame, mfcc_ww) -> str:
    return "\n".join(
        [
            "#include <string.h>",
            '#include "bench.h"',
            '#include "sf_fft.h"',
            '#include "sf_logmel.h"',
            c_array("tw512", "float", fft_twiddle(512)),
            c_array("rev256", "uint16_t", fft_bitrev(256)),
            c_array("x512", "float", x512),
            c_array("speech", "float", speech),
            _logmel_cfg("frame", mfcc_frame, 0),
            _logmel_cfg("ww", mfcc_ww, 25),
            "static float buf[512], spec[512], out_frame[13], out_ww[97 * 13];",
            "static sf_rfft_inst_f32 R;",
            "static int ready;",
            "static void setup(void) {",
            "    if (ready) return;",
            "    sf_rfft_init_f32(&R, 512, tw512, rev256);",
            "    sf_logmel_init_f32(&frame_S, &frame_cfg, frame_work);",
            "    sf_logmel_init_f32(&ww_S, &ww_cfg, ww_work);",
            "    ready = 1;",
            "}",
            "int k_copy(int i);",
            "int k_copy(int i) { setup(); memcpy(buf, x512, sizeof buf); return i + (int)(buf[3] > 0.0f); }",
            "int k_rfft(int i);",
            "int k_rfft(int i) { setup(); memcpy(buf, x512, sizeof buf); sf_rfft_process_f32(&R, buf, spec);"
            " return i + (int)(spec[5] > 0.0f); }",
            "int k_mfcc(int i);",
            "int k_mfcc(int i) { setup(); sf_logmel_process_f32(&frame_S, x512, out_frame); return i + (int)(out_frame[0] > 0.0f); }",
            "int k_ww(int i);",
            "int k_ww(int i) { setup(); sf_logmel_process_next_f32(&ww_S, speech + 4000 * i, out_ww);"
            " return i + (int)(out_ww[0] > 0.0f); }",
            "void bench_report(int i) {",
            "    int k; (void)i;",
            "    for (k = 0; k < 512; k++) bench_out_f32(spec[k]);",
            "    for (k = 0; k < 13; k++) bench_out_f32(out_frame[k]);",
            "    for (k = 0; k < 97 * 13; k++) bench_out_f32(out_ww[k]);",
            "}",
        ]
    )


def measure(board: str = "qemu-mps2-an386") -> dict:
    rng = np.random.default_rng(0)
    from ..dsp import synth

    x512 = (0.3 * rng.standard_normal(512)).astype(np.float32)
    speech = synth.vowels(2.5, SR, seed=3)[:40000].astype(np.float32)
    st_frame, st_ww = _mfcc_stage(512), _mfcc_stage(SR)
    results = {}
    with tempfile.TemporaryDirectory(prefix="sf-kbench-") as d:
        src = Path(d) / "kernels_bench.c"
        src.write_text(_source(x512, speech, st_frame, st_ww))
        sources = [src, *(RUNTIME / k for k in KERNELS)]
        for key, entry, repeat in (
            ("copy", "k_copy", 50),
            ("rfft", "k_rfft", 20),
            ("mfcc", "k_mfcc", 20),
            ("ww", "k_ww", 2),
        ):
            n_inputs = N_WINDOWS if key == "ww" else 1
            m = qemu_harness.measure_c(sources, entry, board, n_inputs=n_inputs, repeat=repeat, include_dirs=[RUNTIME])
            results[key] = m
    words = results["rfft"].floats()
    spec = words[:512]
    ref = np.fft.rfft(x512.astype(np.float64))
    packed = np.concatenate([[ref[0].real, ref[-1].real], np.stack([ref[1:-1].real, ref[1:-1].imag], -1).ravel()])
    rfft_err = float(np.abs(spec - packed).max() / np.abs(packed).max())
    mfcc_err = float(np.abs(results["mfcc"].floats()[512:525] - st_frame.transform(x512[None, :, None])[0]).max())
    # bench_report runs after the results pass, which ended with the last window (incremental)
    last = speech[(N_WINDOWS - 1) * 4000 : (N_WINDOWS - 1) * 4000 + SR]
    ww_err = float(np.abs(results["ww"].floats()[-97 * 13 :] - st_ww.transform(last[None, :, None])[0]).max())
    return {
        "board": board,
        "rfft512_instructions": results["rfft"].instructions_per_call - results["copy"].instructions_per_call,
        "rfft512_relative_error": rfft_err,
        "mfcc_frame_instructions": results["mfcc"].instructions_per_call,
        "mfcc_frame_max_abs_error": mfcc_err,
        "wakeword_instructions_per_window": results["ww"].instructions_per_call,
        "wakeword_instructions_per_second": 4 * results["ww"].instructions_per_call,
        "wakeword_max_abs_error": ww_err,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--board", default="qemu-mps2-an386", choices=sorted(qemu_harness.measuring_boards()))
    args = ap.parse_args(argv)
    r = measure(args.board)
    if args.json:
        print(json.dumps(r, indent=2))
    else:
        print(f"board: {r['board']}")
        print(
            f"rfft 512:            {r['rfft512_instructions']:>10,.0f} instructions (rel. error {r['rfft512_relative_error']:.1e})"
        )
        print(
            f"MFCC frame 512/40/13:{r['mfcc_frame_instructions']:>10,.0f} instructions (max abs error {r['mfcc_frame_max_abs_error']:.1e})"
        )
        print(f"wake word MFCC:      {r['wakeword_instructions_per_second']:>10,.0f} instructions per second of audio")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
