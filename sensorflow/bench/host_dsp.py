"""Host benchmark: sensorflow's ``mfcc`` / ``log_mel`` stages versus librosa and
python_speech_features on ``seconds`` of 16 kHz speech-like audio.

Measures, for two parameter sets (keyword-spotting sizes and librosa's defaults):
- warm time (median over repeats, the libraries interleaved so machine load hits all alike);
- first-call cost in a fresh interpreter (import time and the first call), where librosa
  pays numba's compilation;
- max |difference| of sensorflow's output versus librosa's (float32).

Not a unit test: ``run()`` returns numbers; tests only smoke-test it with ``seconds=1``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import numpy as np

SR = 16000
CONFIGS = {
    "kws": {"n_fft": 512, "hop_length": 160, "n_mels": 40, "n_mfcc": 13},
    "librosa_defaults": {"n_fft": 2048, "hop_length": 512, "n_mels": 128, "n_mfcc": 20},
}

_FRESH = r"""
import json, sys, time
t0 = time.perf_counter()
import numpy as np
lib, kind, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
kw = json.loads(sys.argv[4])
y = (0.1 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * 16000)) / 16000)).astype(np.float32)
t1 = time.perf_counter()
if lib == "sensorflow":
    from sensorflow.registry import stage as make_stage
    if kind == "log_mel":
        kw.pop("n_mfcc", None)
    t2 = time.perf_counter()
    make_stage(kind, sample_rate=16000, **kw).transform(y[None, :, None])
else:
    import librosa
    t2 = time.perf_counter()
    if kind == "mfcc":
        librosa.feature.mfcc(y=y, sr=16000, **kw)
    else:
        kw.pop("n_mfcc", None)
        librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=16000, **kw))
t3 = time.perf_counter()
print(json.dumps({"import_s": t2 - t1, "first_call_s": t3 - t2, "process_s": t3 - t0}))
"""


def _median_times(fns: dict, repeats: int) -> dict:
    """Interleaved timing: one call of each function per round, medians in ms."""
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: 1e3 * statistics.median(v) for k, v in times.items()}


def _fresh(lib: str, kind: str, seconds: float, kw: dict) -> dict | None:
    """Import + first call in a new interpreter; None if it fails (library missing)."""
    proc = subprocess.run(
        [sys.executable, "-c", _FRESH, lib, kind, str(seconds), json.dumps(kw)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _one_blas_thread():
    """Every library on one BLAS thread while timed. On a small shared machine OpenBLAS's
    worker threads keep spinning after a parallel call and slow down whatever runs next
    (measured: 2x on the next call, 13x for an unlimited tall-skinny product under load)."""
    try:
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=1, user_api="blas")
    except ImportError:  # pragma: no cover
        import contextlib

        return contextlib.nullcontext()


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def run(seconds: float = 60, repeats: int = 7, quick: bool = False, fresh_process: bool = True) -> dict:
    """Measure and return numbers (ms, s, dB / MFCC units) and ratios (> 1: sensorflow faster)."""
    from sensorflow.dsp import synth
    from sensorflow.registry import stage as make_stage

    if quick:
        repeats = min(repeats, 3)
    y = synth.vowels(seconds, SR, seed=0)
    X = y[None, :, None]
    try:
        import librosa
    except ImportError:  # pragma: no cover - optional extra
        librosa = None
    try:
        import python_speech_features as psf
    except ImportError:  # pragma: no cover - optional extra
        psf = None

    results: dict = {"seconds": seconds, "sample_rate": SR, "repeats": repeats, "configs": {}}
    rows = []
    for cname, kw in CONFIGS.items():
        mel_kw = {k: v for k, v in kw.items() if k != "n_mfcc"}
        ours_mfcc = make_stage("mfcc", sample_rate=SR, **kw)
        ours_mel = make_stage("log_mel", sample_rate=SR, **mel_kw)
        fns = {"sensorflow_mfcc": lambda: ours_mfcc.transform(X), "sensorflow_log_mel": lambda: ours_mel.transform(X)}
        cfg: dict = {"params": kw}
        if librosa is not None:
            ref_mfcc = librosa.feature.mfcc(y=y, sr=SR, **kw)  # also the warm-up (numba)
            ref_mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, **mel_kw))
            cfg["max_abs_diff_mfcc"] = float(
                np.abs(ours_mfcc.transform(X)[0].reshape(-1, kw["n_mfcc"]) - ref_mfcc.T).max()
            )
            cfg["max_abs_diff_log_mel_db"] = float(
                np.abs(ours_mel.transform(X)[0].reshape(-1, kw["n_mels"]) - ref_mel.T).max()
            )
            fns["librosa_mfcc"] = lambda: librosa.feature.mfcc(y=y, sr=SR, **kw)
            fns["librosa_log_mel"] = lambda: librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, **mel_kw))
        if psf is not None:
            win = kw["n_fft"] / SR
            step = kw["hop_length"] / SR
            fns["psf_mfcc"] = lambda: psf.mfcc(
                y, SR, winlen=win, winstep=step, numcep=kw["n_mfcc"], nfilt=kw["n_mels"], nfft=kw["n_fft"]
            )
            fns["psf_log_mel"] = lambda: psf.logfbank(
                y, SR, winlen=win, winstep=step, nfilt=kw["n_mels"], nfft=kw["n_fft"]
            )
        with _one_blas_thread():
            for fn in fns.values():
                fn()
            warm = _median_times(fns, repeats)
        cfg["warm_ms"] = warm
        cfg["warm_ms_per_audio_second"] = {k: v / seconds for k, v in warm.items()}
        cfg["speedup_vs_librosa_mfcc"] = _ratio(warm.get("librosa_mfcc"), warm["sensorflow_mfcc"])
        cfg["speedup_vs_librosa_log_mel"] = _ratio(warm.get("librosa_log_mel"), warm["sensorflow_log_mel"])
        cfg["speedup_vs_psf_mfcc"] = _ratio(warm.get("psf_mfcc"), warm["sensorflow_mfcc"])
        if fresh_process:
            first = {}
            for lib in ("sensorflow", "librosa"):
                for kind in ("mfcc", "log_mel"):
                    first[f"{lib}_{kind}"] = _fresh(lib, kind, seconds, dict(kw))
            cfg["fresh_process"] = first
            sf, lb = first.get("sensorflow_mfcc"), first.get("librosa_mfcc")
            cfg["first_call_ratio_mfcc"] = _ratio(lb and lb["first_call_s"], sf and sf["first_call_s"])
        results["configs"][cname] = cfg
        rows.append(
            {
                "params": cname,
                "sensorflow mfcc ms": round(warm["sensorflow_mfcc"], 2),
                "librosa mfcc ms": _round(warm.get("librosa_mfcc")),
                "psf mfcc ms": _round(warm.get("psf_mfcc")),
                "speedup vs librosa (mfcc)": _round(cfg["speedup_vs_librosa_mfcc"]),
                "sensorflow log_mel ms": round(warm["sensorflow_log_mel"], 2),
                "librosa log_mel ms": _round(warm.get("librosa_log_mel")),
                "speedup vs librosa (log_mel)": _round(cfg["speedup_vs_librosa_log_mel"]),
                "max |diff| mfcc": _fmt(cfg.get("max_abs_diff_mfcc")),
                "max |diff| log_mel dB": _fmt(cfg.get("max_abs_diff_log_mel_db")),
                "first call s (sensorflow / librosa)": _first(cfg.get("fresh_process")),
            }
        )
    results["tables"] = [{"title": f"{seconds:g} s of 16 kHz speech-like audio, medians of {repeats}", "rows": rows}]
    results["notes"] = [
        "warm: after one call; each round calls every library once (interleaved); BLAS limited to one thread for "
        "all. First call: a fresh interpreter, import time excluded; librosa pays numba compilation there.",
        "python_speech_features uses its own conventions (pre-emphasis, energy, ln); timed only.",
    ]
    return results


def _round(v, nd=2):
    return None if v is None else round(v, nd)


def _fmt(v):
    return None if v is None else f"{v:.1e}"


def _first(fresh):
    if not fresh:
        return None
    a, b = fresh.get("sensorflow_mfcc"), fresh.get("librosa_mfcc")
    fa = f"{a['first_call_s']:.2f}" if a else "n/a"
    fb = f"{b['first_call_s']:.2f}" if b else "n/a"
    return f"{fa} / {fb}"


if __name__ == "__main__":  # pragma: no cover
    out = run()
    out.pop("tables", None)
    print(json.dumps(out, indent=1))
