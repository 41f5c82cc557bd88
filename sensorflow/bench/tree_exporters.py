"""Tree-ensemble exporters under test, each wrapped as ``int bench_model_predict(const T *x)``.

Peers are used as their documentation shows: emlearn ``convert(model, method=..., dtype=...)``
then ``save(name=...)``; m2cgen ``export_to_c(model)`` (``void score(double *, double *)``,
argmax of the class scores taken by the wrapper). Each exporter gets its native input type
(float, int16 for emlearn's defaults, double for m2cgen) so no conversion is timed."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np


@dataclasses.dataclass
class ExportedModel:
    """C for one model: ``source`` defines ``bench_model_predict``; ``ctype`` is its input element type."""

    exporter: str
    source: str
    ctype: str
    include_dirs: tuple[str, ...] = ()
    extra_sources: dict[str, str] = dataclasses.field(default_factory=dict)
    note: str = ""

    def convert_inputs(self, X: np.ndarray) -> np.ndarray:
        """The values the device sees for float32 features X (int16: C's truncating cast, saturated)."""
        if self.ctype == "int16_t":
            return np.clip(np.trunc(X.astype(np.float64)), -32768, 32767).astype(np.int16)
        if self.ctype == "int32_t":
            return np.clip(np.trunc(X.astype(np.float64)), -(2**31), 2**31 - 1).astype(np.int32)
        if self.ctype == "double":
            return X.astype(np.float64)
        return X.astype(np.float32)


def c_literal(v, ctype: str) -> str:
    if ctype in ("float", "double"):
        text = f"{float(v):.9g}" if ctype == "float" else f"{float(v):.17g}"
        if "inf" in text or "nan" in text:
            raise ValueError(f"non-finite input value {text}")
        if "." not in text and "e" not in text:
            text += ".0"
        return text + ("f" if ctype == "float" else "")
    return str(int(v))


def vectors_source(model: ExportedModel, X: np.ndarray) -> str:
    """A C file holding the inputs as a const table and the measured ``bench_entry(i)``."""
    V = model.convert_inputs(X)
    rows = ",\n".join("  {" + ", ".join(c_literal(v, model.ctype) for v in r) + "}" for r in V)
    return (
        "#include <stdint.h>\n#include <math.h>\n"
        f"int bench_model_predict(const {model.ctype} *x);\n"
        f"static const {model.ctype} bench_vectors[{V.shape[0]}][{V.shape[1]}] = {{\n{rows}\n}};\n"
        "int bench_entry(int i);\n"
        "int bench_entry(int i) { return bench_model_predict(bench_vectors[i]); }\n"
    )


def emlearn_model(
    model, n_features: int, method: str, dtype: str | None, leaf_bits: int | None = None, label: str = ""
) -> ExportedModel:
    with np.errstate():  # emlearn.bayes calls numpy.seterr(all="raise") at import: keep the caller's settings
        import emlearn

    kwargs = {"method": method}
    if dtype is not None:
        kwargs["dtype"] = dtype
    if leaf_bits is not None:
        kwargs["leaf_bits"] = leaf_bits
    conv = emlearn.convert(model, **kwargs)
    code = conv.save(name="eml_model")
    ctype = "float" if dtype == "float" else "int16_t"
    src = (
        "#include <stdint.h>\n" + code + "\n"
        f"int bench_model_predict(const {ctype} *x);\n"
        f"int bench_model_predict(const {ctype} *x) {{ return (int)eml_model_predict(x, {n_features}); }}\n"
    )
    return ExportedModel(label or f"emlearn {method}", src, ctype, include_dirs=(str(Path(emlearn.includedir)),))


def m2cgen_model(model, n_classes: int) -> ExportedModel:
    import m2cgen

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 100_000))
    try:
        code = m2cgen.export_to_c(model)
    finally:
        sys.setrecursionlimit(old)
    src = (
        code + "\n"
        "int bench_model_predict(const double *x);\n"
        "int bench_model_predict(const double *x)\n{\n"
        f"    double out[{n_classes}];\n"
        "    score((double *)x, out);\n"
        "    int best = 0;\n"
        f"    for (int c = 1; c < {n_classes}; ++c) if (out[c] > out[best]) best = c;\n"
        "    return best;\n}\n"
    )
    return ExportedModel("m2cgen", src, "double", note="double arithmetic (soft-float on a Cortex-M4F)")


def peer_exporters(model, n_features: int, n_classes: int) -> list[ExportedModel]:
    """The peers of issue 9: emlearn inline float, inline default, loadable default, m2cgen."""
    out = [
        emlearn_model(model, n_features, "inline", "float", leaf_bits=8, label="emlearn inline float (leaf_bits 8)"),
        emlearn_model(model, n_features, "inline", None, label="emlearn inline default (int16)"),
        emlearn_model(model, n_features, "loadable", None, label="emlearn loadable default (int16)"),
        m2cgen_model(model, n_classes),
    ]
    return out
