"""MicroPython emitter of ``svm``: the kernels (as ``sf_svm.c``) are printed once into the
generated module, next to the tables: kernel values against the support vectors (a linear
kernel summed into one weight row per class pair at export), one-vs-one decision values and
libsvm's vote (ties to the lowest class index unless ``break_ties``). Sums are compensated as in
the C, so a float32 port (ESP32) keeps the C's accuracy."""

from __future__ import annotations

import numpy as np

from ..fragment import MPContext, MPFragment
from ..registry import mp_emitter

KERNEL = '''def _svm_sum(s, c, v, vo, w, o, n):
    """(s, c) after adding v[vo + i] * w[i] for o <= i < o + n by Neumaier's compensated sum
    (as sf_svm.c's acc_add); written out rather than a call per term (calls are slow here)."""
    for i in range(o, o + n):
        p = v[vo + i] * w[i]
        t = s + p
        if abs(s) >= abs(p):
            c += (s - t) + p
        else:
            c += (p - t) + s
        s = t
    return s, c


def _svm_dot(a, ao, b, d):
    """Compensated sum of a[ao + i] * b[i], i < d (as sf_svm.c's dot)."""
    s = 0.0
    c = 0.0
    for i in range(d):
        p = a[ao + i] * b[i]
        t = s + p
        if abs(s) >= abs(p):
            c += (s - t) + p
        else:
            c += (p - t) + s
        s = t
    return s + c


def _svm_kernel(x, sv, off, d, kind, gamma, coef0, degree):
    """K(x, sv[off:off + d]) (as sf_svm_kernel_value_f32): 0 linear, 1 rbf, 2 poly."""
    if kind == 1:
        acc = 0.0
        for i in range(d):
            t = x[i] - sv[off + i]
            acc += t * t
        return rt.math.exp(-gamma * acc)
    acc = _svm_dot(sv, off, x, d)
    if kind == 2:
        b = gamma * acc + coef0
        acc = 1.0
        for _ in range(degree):
            acc *= b
    return acc


def _svm_decisions(x, d, sv, n_sv, kind, gamma, coef0, degree, coef, start, rho, k, kv, dec):
    """dec[p] for every class pair (as sf_svm_kernel_values_f32 + sf_svm_ovo_f32)."""
    for s in range(n_sv):
        kv[s] = _svm_kernel(x, sv, s * d, d, kind, gamma, coef0, degree)
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            a = start[i]
            acc, comp = _svm_sum(0.0, 0.0, coef, (j - 1) * n_sv, kv, a, start[i + 1] - a)
            a = start[j]
            acc, comp = _svm_sum(acc, comp, coef, i * n_sv, kv, a, start[j + 1] - a)
            t = acc + rho[p]
            if abs(acc) >= abs(rho[p]):
                comp += (acc - t) + rho[p]
            else:
                comp += (rho[p] - t) + acc
            dec[p] = t + comp
            p += 1


def _svm_linear(x, d, W, rho, n_pairs, dec):
    """dec[p] = W[p] . x + rho[p] (as sf_svm_ovo_linear_f32)."""
    for p in range(n_pairs):
        dec[p] = _svm_dot(W, p * d, x, d) + rho[p]


def _svm_vote(dec, k, break_ties, votes, out):
    """Scores and label from the pair decisions (as sf_svm_vote_f32)."""
    if k == 2:
        out[0] = dec[0]
        out[1] = -dec[0]
        return 0 if dec[0] > 0.0 else 1
    for c in range(k):
        votes[c] = 0
        out[c] = 0.0
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            v = dec[p]
            out[i] += v
            out[j] -= v
            if v > 0.0:
                votes[i] += 1
            else:
                votes[j] += 1
            p += 1
    for c in range(k):
        conf = out[c]
        out[c] = votes[c] + conf / (3.0 * (abs(conf) + 1.0))
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            if dec[p] == 0.0:
                out[i] += 1.0
                out[j] -= 1.0
            p += 1
    if break_ties:
        best = 0
        for c in range(1, k):
            if out[c] > out[best]:
                best = c
        return best
    best = 0
    for c in range(1, k):
        if votes[c] > votes[best]:
            best = c
    for c in range(best + 1, k):
        if votes[c] == votes[best]:
            out[c] -= 1.0
    return best
'''

_KINDS = {"linear": 0, "rbf": 1, "poly": 2}


@mp_emitter("svm")
def emit_svm(stage, ctx: MPContext) -> MPFragment:
    p = stage.params
    k = stage.n_classes
    pairs = k * (k - 1) // 2
    if not any(t.startswith("def _svm_sum(") for t in ctx.tables):
        ctx.tables.append(KERNEL)
    rho = ctx.f32_table("rho", stage.pair_intercepts())
    dec = ctx.buffer("dec", pairs)
    votes = ctx.buffer("votes", k, "i")
    if p.kernel == "linear":
        W = stage.primal()
        code = [f"_svm_linear({ctx.inp}, {W.shape[1]}, {ctx.f32_table('W', W)}, {rho}, {pairs}, {dec})"]
    else:
        sv = np.asarray(stage.support_vectors_, dtype=np.float64)
        n_sv, d = sv.shape
        coef = np.asarray(stage.dual_coef_, dtype=np.float64)
        if k == 2:
            coef = -coef
        start = np.concatenate([[0], np.cumsum(stage.n_support_)]).astype(np.int64)
        kv = ctx.buffer("kv", n_sv)
        code = [
            f"_svm_decisions({ctx.inp}, {d}, {ctx.f32_table('sv', sv)}, {n_sv}, {_KINDS[p.kernel]}, "
            f"{ctx.scalar('gamma', stage.gamma_)}, {ctx.scalar('coef0', p.coef0)}, {int(p.degree)}, "
            f"{ctx.f32_table('coef', coef)}, {ctx.int_table('start', start)}, {rho}, {k}, {kv}, {dec})"
        ]
    code.append(f"label = _svm_vote({dec}, {k}, {bool(p.break_ties)}, {votes}, {ctx.out})")
    return MPFragment(code)
