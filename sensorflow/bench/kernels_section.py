"""MFCC frame and 512-point real FFT on the emulated Cortex-M4F: sensorflow's runtime kernels
(``qemu_kernels.measure``, owned by the DSP runtime) next to CMSIS-DSP's C built from its
registry source distribution (``cmsis_kernels.measure``), both counted in this run.
emlearn's FFT + filterbank figure is quoted from the field notes, labelled as such."""

from __future__ import annotations

from ..device import measure as qh
from .peers import FETCH_HINT, cmsis_dsp_dir
from .report import Section, Table, Target, not_available, ratio

BOARD = "qemu-mps2-an386"
TITLE = "DSP kernels on the emulated Cortex-M4F"
# published, not re-measured (field-facts, same method: mps2-an386, -O2, -icount)
PUBLISHED = {
    "emlearn eml_fft + sparse filterbank + log + DCT (librosa filter table)": (116_909, "2.7e-5 vs librosa mfcc"),
    "emlearn eml_audio_melspectrogram as shipped": (4_658_810, "up to 19 dB off"),
    "emlearn eml_fft_forward, 256 complex": (44_901, ""),
}
MFCC_TARGET, RFFT_TARGET = 65_000, 30_000


def run(quick: bool = False) -> Section:
    why = qh.tools_available(BOARD)
    if why:
        return not_available("dsp_kernels", TITLE, why)
    sec = Section("dsp_kernels", TITLE)
    sec.notes.append(
        "Instructions per call on qemu mps2-an386 (-O2, -icount shift=0). Inputs compiled into the image; "
        "outputs read back and compared with the reference named in the last column, so a wrong kernel "
        "cannot report a good count. Kernels that overwrite their input have the input copy measured "
        "in the same image (an entry that only copies) and subtracted. CMSIS-DSP is built as sensorflow's "
        "kernels are: -O2 -std=c99 with FP contraction (their #pragma fp-contract=fast)."
    )
    sf, sf_err = None, ""
    try:
        from . import qemu_kernels

        sf = qemu_kernels.measure(BOARD)
    except ImportError as exc:
        sf_err = f"not available: sensorflow DSP kernel benchmark missing ({exc})"
    except Exception as exc:
        sf_err = f"failed: {str(exc).splitlines()[0][:160]}"
    cm, cm_err = None, ""
    if cmsis_dsp_dir() is None:
        cm_err = f"not available: CMSIS-DSP C sources not fetched; {FETCH_HINT}"
    else:
        try:
            from . import cmsis_kernels

            cm = {r.name.split(",")[0]: r for r in cmsis_kernels.measure()}
        except Exception as exc:
            cm_err = f"failed: {str(exc).splitlines()[0][:160]}"

    cols = ["implementation", "instructions", "× sensorflow", "agreement", "reference"]
    rfft = Table("512-point real FFT", cols)
    mfcc = Table("MFCC of one 512-sample frame (16 kHz, 40 mels, 13 coefficients)", cols)
    sf_rfft = sf["rfft512_instructions"] if sf else None
    sf_mfcc = sf["mfcc_frame_instructions"] if sf else None
    if sf:
        rfft.rows.append(
            [
                "sensorflow sf_rfft_process_f32",
                sf_rfft,
                1.0,
                sf["rfft512_relative_error"],
                "numpy.fft.rfft (relative to max |X|)",
            ]
        )
        mfcc.rows.append(
            [
                "sensorflow sf_logmel (librosa conventions: power, Slaney mel, dB, top_db 80, DCT-II ortho)",
                sf_mfcc,
                1.0,
                sf["mfcc_frame_max_abs_error"],
                "sensorflow numpy reference (= librosa.feature.mfcc)",
            ]
        )
    else:
        rfft.rows.append(["sensorflow sf_rfft_process_f32", sf_err, None, None, None])
        mfcc.rows.append(["sensorflow sf_logmel", sf_err, None, None, None])
    if cm:
        r = cm["CMSIS-DSP arm_rfft_fast_f32"]
        rfft.rows.append([r.name, r.instructions, ratio(r.instructions, sf_rfft), r.max_abs_diff, r.reference])
        r = cm["CMSIS-DSP arm_mfcc_f32"]
        mfcc.rows.append(
            [
                r.name + " (magnitude, ln, its own DCT scale)",
                r.instructions,
                ratio(r.instructions, sf_mfcc),
                r.max_abs_diff,
                r.reference,
            ]
        )
    else:
        rfft.rows.append(["CMSIS-DSP arm_rfft_fast_f32", cm_err, None, None, None])
        mfcc.rows.append(["CMSIS-DSP arm_mfcc_f32", cm_err, None, None, None])
    for name, (instr, agree) in PUBLISHED.items():
        row = [
            f"{name} — published, not re-measured",
            instr,
            ratio(instr, sf_rfft if "fft_forward" in name else sf_mfcc),
            agree or None,
            "field notes",
        ]
        (rfft if "fft_forward" in name else mfcc).rows.append(row)
    rfft.notes.append("emlearn's row is a 256-point complex FFT (the size its MFCC path uses for 512 real samples).")
    sec.tables += [rfft, mfcc]
    if sf:
        ww = Table("Wake-word front end: MFCC of 1 s windows hopping 250 ms, incremental", ["quantity", "value"])
        ww.rows += [
            ["instructions per window", sf["wakeword_instructions_per_window"]],
            ["instructions per second of audio", sf["wakeword_instructions_per_second"]],
            ["max abs difference vs numpy reference", sf["wakeword_max_abs_error"]],
        ]
        sec.tables.append(ww)

    def peer(key: str) -> str:
        r = (cm or {}).get(key)
        return f"{key}: {r.instructions:,.0f}" if r else ""

    sec.targets += [
        Target(
            "librosa-compatible MFCC frame (512, 40 mels, 13 coeffs): instructions (M4F)",
            sf_mfcc,
            MFCC_TARGET,
            peers="; ".join(p for p in (peer("CMSIS-DSP arm_mfcc_f32"), "emlearn pieces 116,909 (published)") if p),
            reason=sf_err,
        ),
        Target(
            "512-point real FFT: instructions (M4F)",
            sf_rfft,
            RFFT_TARGET,
            peers=peer("CMSIS-DSP arm_rfft_fast_f32"),
            reason=sf_err,
        ),
    ]
    return sec
