"""The generated C of the int8 path (``codegen.c.q8`` + runtime ``sf_q8``), built with the strict
flags and ASan/UBSan on the host: every int8 logit and label equals the numpy reference
(:meth:`QNet.forward`) bit for bit, on test rows, on rows exactly on and just below the input
code boundaries, and on NaN / inf / -0.0 features. Also the whole exported library
(``generate(..., numeric="int8")``) through the harness: labels equal the reference."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from int8_cases import CASES, boundary_rows, fitted

from sensorflow.codegen.c.fragment import CContext
from sensorflow.codegen.c.library import runtime_files
from sensorflow.codegen.c.q8 import emit_q8
from sensorflow.device.toolchain import STRICT_CFLAGS
from sensorflow.stages.models.int8 import quantize, scores
from sensorflow.testing.ccompare import SANITIZE, host_cc

DRIVER = """
#include <stdio.h>
#include <string.h>
#include "sf_q8.h"
{state}
{tables}
static int stage(const float *in, float *out)
{{
{code}
}}
int main(void)
{{
    float x[{d}], out[{k} < 2u ? 2u : {k}];
    int32_t n;
    uint32_t j;
    if (fread(&n, sizeof n, 1, stdin) != 1) {{
        return 1;
    }}
    while (n-- > 0 && fread(x, sizeof x, 1, stdin) == 1) {{
        int label = stage(x, out);
        printf("%d", label);
        for (j = 0; j < ({k} < 2u ? 2u : {k}); j++) {{
            uint32_t bits;
            memcpy(&bits, &out[j], sizeof bits);
            printf(" %lu", (unsigned long)bits);
        }}
        for (j = 0; j < {k}u; j++) {{
            printf(" %d", (int)t_state.scratch.s0.{last}[j]);
        }}
        printf("\\n");
    }}
    return 0;
}}
"""


def build(stage, net, out: Path) -> Path:
    ctx = CContext(stage=stage, index=0, prefix="t")
    frag = emit_q8(stage, ctx)
    fields = "".join(f"        {f.ctype} {f.name}[{f.count}];\n" for f in frag.scratch)
    state = f"static struct {{\n    struct {{\n    struct {{\n{fields}    }} s0;\n    }} scratch;\n}} t_state;\n"
    last = "qa" if len(net.layers) % 2 else "qb"
    src = DRIVER.format(
        state=state,
        tables="".join(frag.tables),
        code="\n".join("    " + c for c in frag.code),
        d=net.layers[0].w.shape[1],
        k=net.n_out,
        last=last,
    )
    files = runtime_files(["sf_common", "sf_q8"])
    for name, text in files.items():
        (out / name).write_text(text)
    (out / "main.c").write_text(src)
    exe = out / "q8test"
    cs = [str(out / n) for n in files if n.endswith(".c")] + [str(out / "main.c")]
    cmd = [
        host_cc(),
        *STRICT_CFLAGS,
        "-Wconversion",
        "-O1",
        "-g",
        *SANITIZE,
        "-I",
        str(out),
        *cs,
        "-lm",
        "-o",
        str(exe),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[:4000]
    return exe


def run(exe: Path, X: np.ndarray) -> np.ndarray:
    X = np.ascontiguousarray(X, np.float32)
    res = subprocess.run([str(exe)], input=struct.pack("<i", len(X)) + X.tobytes(), capture_output=True, timeout=120)
    assert res.returncode == 0 and not res.stderr, res.stderr.decode(errors="replace")[:3000]
    return np.array([[int(v) for v in ln.split()] for ln in res.stdout.decode().splitlines()], np.int64)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("n_classes", [10, 2])
def test_c_equals_numpy_reference_bit_for_bit(tmp_path, case, n_classes):
    stage, Xtr, Xte, _ = fitted(case, n_classes)
    net = quantize(stage)
    rows = np.concatenate([Xte, boundary_rows(net, Xte)])
    got = run(build(stage, net, tmp_path), rows)
    logits = net.forward(net.quantize_input(rows))
    n_sc = max(2, net.n_out)
    assert np.array_equal(got[:, 1 + n_sc :], logits.astype(np.int64))
    want_scores = scores(net, logits).view(np.uint32).astype(np.int64)
    assert np.array_equal(got[:, 1 : 1 + n_sc], want_scores)  # scores bit for bit too
    assert np.array_equal(got[:, 0], net.predict_index(rows))
