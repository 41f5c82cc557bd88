"""C emitter of ``svm`` (``sensorflow/stages/models/svm.py``): kernel values against the
support vectors (``sf_svm_kernel_values_f32``), the one-vs-one decision values and libsvm's
vote (``sf_svm.h``). A linear kernel is summed into one weight row per class pair at export
(float64, then rounded), so the device keeps no support vectors."""

from __future__ import annotations

import numpy as np

from .. import cgen
from ..fragment import CFragment, Field
from ..registry import c_emitter

_KERNELS = {"linear": "SF_SVM_LINEAR", "rbf": "SF_SVM_RBF", "poly": "SF_SVM_POLY"}


@c_emitter("svm")
def emit_svm(stage, ctx) -> CFragment:
    p = stage.params
    k = stage.n_classes
    pairs = k * (k - 1) // 2
    s = ctx.sym
    rho = stage.pair_intercepts()
    tables = [cgen.array(s("rho"), "float", rho, comment="constant of each class pair (libsvm's sign)")]
    scratch = [Field("float", "dec", pairs), Field("uint32_t", "votes", k)]
    if p.kernel == "linear":
        W = stage.primal()
        tables.insert(0, cgen.array(s("W"), "float", W, comment=f"{pairs} class pairs x {W.shape[1]} weights"))
        code = [f"sf_svm_ovo_linear_f32(in, {s('W')}, {s('rho')}, {pairs}u, {W.shape[1]}u, {ctx.scratch('dec')});"]
    else:
        sv = np.asarray(stage.support_vectors_, dtype=np.float64)
        n_sv, d = sv.shape
        start = np.concatenate([[0], np.cumsum(stage.n_support_)]).astype(np.int64)
        coef = np.asarray(stage.dual_coef_, dtype=np.float64)
        if k == 2:  # scikit-learn negates the public dual coefficients of two classes
            coef = -coef
        tables += [
            cgen.array(s("sv"), "float", sv, comment=f"{n_sv} support vectors x {d}, grouped by class"),
            cgen.array(s("coef"), "float", coef, comment=f"dual coefficients ({k - 1} x {n_sv})"),
            cgen.array(s("start"), "uint32_t", start, comment="first support vector of each class"),
            f"static const sf_svm_kernel {s('kernel')} = {{{s('sv')}, {n_sv}u, {d}u, {_KERNELS[p.kernel]}, "
            f"{cgen.f32(stage.gamma_)}, {cgen.f32(p.coef0)}, {int(p.degree)}u}};\n",
        ]
        scratch.insert(0, Field("float", "kv", n_sv))
        code = [
            f"sf_svm_kernel_values_f32(&{s('kernel')}, in, {ctx.scratch('kv')});",
            f"sf_svm_ovo_f32({ctx.scratch('kv')}, {s('coef')}, {s('rho')}, {s('start')}, {k}u, {n_sv}u, "
            f"{ctx.scratch('dec')});",
        ]
    code.append(
        f"return sf_svm_vote_f32({ctx.scratch('dec')}, {k}u, {int(p.break_ties)}, {ctx.scratch('votes')}, out);"
    )
    return CFragment(runtime=["sf_svm"], tables=tables, scratch=scratch, code=code, returns_label=True)
