"""int8 network kernels on the emulated Cortex-M4F: sensorflow's ``sf_q8`` on the shipped int8
models' layer shapes, beside CMSIS-NN's s8 kernels when ``SENSORFLOW_CMSIS_NN_DIR`` names a
checkout (``int8_kernels``); CMSIS-NN is not in the repository and is never downloaded, so
without it its column reads not available."""

from __future__ import annotations

import subprocess

from ..device import measure as qh
from . import int8_kernels as ik
from .report import Section, Table, not_available, ratio

TITLE = "int8 network kernels on the emulated Cortex-M4F"


def describe(net: ik.Net) -> list[str]:
    """One label per layer of ``net``: shapes, kernel and stride."""
    out, steps, c = [], net.steps, net.c_in
    for filters, kernel, stride in net.convs:
        steps_out = (steps - kernel) // stride + 1
        out.append(f"conv1d {steps} x {c} -> {steps_out} x {filters}, kernel {kernel}, stride {stride}, ReLU")
        steps, c = steps_out, filters
    for n_out, relu in net.dense:
        out.append(f"dense {c} -> {n_out}{', ReLU' if relu else ''}")
        c = n_out
    return out


def _commit(root) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "commit unknown"
    return f"commit {proc.stdout.strip()[:12]}" if proc.returncode == 0 else "commit unknown"


def _ok(r: ik.Result | None) -> str | None:
    return None if r is None else ("yes" if r.matches_reference else "NO")


def run(quick: bool = False) -> Section:
    why = qh.tools_available(ik.BOARD)
    if why:
        return not_available("int8_kernels", TITLE, why)
    results, root = ik.measure(n_inputs=2 if quick else 4, repeat=1 if quick else 2)
    by = {(r.net, r.layer, r.side): r for r in results}
    sec = Section("int8_kernels", TITLE)
    sec.notes.append(
        "Instructions per call on qemu mps2-an386 (-O2, -icount shift=0) of the int8 layers of the shipped int8 "
        "models, random int8 weights and data of the same shapes (TFLite's scheme: per-channel multipliers and "
        "shifts, zero points, ReLU as the clamp); every output is checked against a numpy reference of TFLite's "
        "arithmetic. 'all' = the layers in sequence with global max pooling (no input quantisation, no "
        "center_window bias, no scores)."
    )
    nn_note = (
        f"CMSIS-NN ({_commit(root)}): its int8 sources compiled with the same flags (-O2, -mcpu=cortex-m4, "
        "DSP extension: ARM_MATH_DSP), called through arm_convolve_wrapper_s8 (arm_convolve_s8 on a Cortex-M4), "
        "arm_max_pool_s8 and arm_fully_connected_per_channel_s8."
        if root
        else f"CMSIS-NN: not available (set {ik.ENV} to a CMSIS-NN checkout; it is not part of sensorflow)."
    )
    sec.notes.append(nn_note)
    sec.notes.append("Method and the first side-by-side figures: docs/experiments/2026-12-06-cmsis-nn-side-by-side.md.")
    table = Table(
        "Per layer and per model (instructions per call)",
        [
            "model",
            "layer",
            "sensorflow sf_q8",
            "CMSIS-NN",
            "sf_q8 × CMSIS-NN",
            "sf_q8 = reference",
            "CMSIS-NN = reference",
        ],
    )
    for net in ik.NETS:
        labels = describe(net)
        for k in [*range(len(labels)), None]:
            sf, nn = by.get((net.name, k, "sf")), by.get((net.name, k, "nn"))
            table.rows.append(
                [
                    net.name,
                    labels[k] if k is not None else ("all, global max pooling included" if net.convs else "all"),
                    sf and sf.instructions,
                    nn.instructions if nn else ("not available" if root is None else None),
                    ratio(sf and sf.instructions, nn and nn.instructions),
                    _ok(sf),
                    _ok(nn),
                ]
            )
    sec.tables.append(table)
    if root is not None:
        ms = Table(
            "TFLM micro_speech's model (tiny_conv) on CMSIS-NN, the kernels TFLM runs on a Cortex-M4, without the interpreter",
            ["part", "CMSIS-NN", "CMSIS-NN = reference"],
        )
        for k, label in (
            (0, "depthwise conv 49 x 40 -> 25 x 20 x 8 (10 x 8, stride 2, SAME, ReLU) + dense 4000 -> 4"),
            (None, "the same + softmax"),
        ):
            r = by.get(("micro_speech", k, "nn"))
            ms.rows.append([label, r and r.instructions, _ok(r)])
        ms.notes.append(
            "Published TFLM micro_speech figures (its README, not measured here): 20 kB model, about 22 KB of code "
            "on a Cortex-M3, about 10 KB of working RAM."
        )
        sec.tables.append(ms)
    return sec
