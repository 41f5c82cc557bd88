"""The one-channel HIL session of the int16 push (``PUSH_I16`` -> ``sf_model_push_i16``, issue
27), shared by the HIL tests and ``scripts/hil_int16_wire.py``: a fitted streaming q15 log_mel
pipeline, the 4 s signal it streams, that signal's int16 counts, its int8 reference, and the
HIL firmware of its C export for a board (as ``sensorflow hil`` builds it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

Q15_SR, Q15_LENGTH, Q15_HOP = 8000, 2400, 400
Q15_K = 15  # q15_scale 2**-15 of the log_mel: counts = round(x * 2^15)


def q15_stream_pipeline(channels: int = 1):
    """A fitted streaming q15 log_mel pipeline (the front end that exports ``_push_i16``; one
    channel: log_mel -> int8 conv1d, the integer pipeline; two: log_mel -> logistic regression),
    and a 4 s signal (n, channels) of vowels and noise it streams."""
    import yaml

    from ..dsp import synth
    from ..pipeline import Pipeline

    mel = {"type": "log_mel", "n_fft": 256, "win_length": 200, "hop_length": 200, "center": False, "n_mels": 12}
    mel.update({"fmin": 20, "fmax": 3800, "top_db": None, "q15_scale": 2.0**-Q15_K})
    if channels == 1:
        model = {"type": "conv1d", "filters": [5, 6], "kernel_size": 3, "strides": [2, 1], "center_window": True}
        model.update({"epochs": 3, "random_state": 0})
    else:
        model = {"type": "logistic"}
    cfg = {
        "name": f"q15_stream_{channels}ch",
        "sensor": {"kind": "audio", "sample_rate": Q15_SR, "channels": [f"mic{c}" for c in range(channels)]},
        "window": {"length": Q15_LENGTH, "hop": Q15_HOP},
        "stages": [mel, model],
    }
    pipe = Pipeline.from_string(yaml.safe_dump(cfg), source="<test>")
    rng = np.random.default_rng(0)
    parts = [synth.vowels(1.0, Q15_SR, seed=s) * a for s, a in ((1, 0.5), (2, 0.02), (3, 0.2))]
    mono = np.concatenate(parts + [rng.standard_normal(Q15_SR) * 0.05]).astype(np.float32)
    signal = np.stack([mono * (1.0 - 0.3 * c) for c in range(channels)], axis=1)
    windows = np.stack([signal[i : i + Q15_LENGTH] for i in range(0, len(signal) - Q15_LENGTH + 1, Q15_HOP)])
    pipe.fit(windows, (np.arange(len(windows)) // 3) % 2)
    return pipe, signal


def int8_stream():
    """(pipeline, float signal, its int16 counts, the int8 reference) of the one-channel
    integer pipeline (``q15_stream_pipeline(1)``)."""
    from ..dsp import fixed
    from ..hil.int8_reference import Int8Reference

    pipe, signal = q15_stream_pipeline(1)
    return pipe, signal, fixed.quantize(signal, Q15_K), Int8Reference(pipe)


def export_firmware(pipe, board: str, work: Path, numeric: str = "int8", cflags: list[str] | None = None) -> Path:
    """The HIL firmware (ELF) of ``pipe``'s C export (``numeric``) for ``board``: the export
    written to ``work/export``, the firmware built in ``work/fw`` with ``cflags`` added."""
    from ..codegen.c import generate
    from ..device import boards
    from ..device.firmware import build_hil, ported

    work = Path(work)
    generate(pipe, None, board=boards.get(board), numeric=numeric).write(work / "export")
    return build_hil(ported(board), work / "export", work / "fw", cflags)
