"""C for an exact integer forest (``sensorflow.stages.models.int_trees.IntForest``).

``int NAME(const int16_t *x, uint32_t *sums)`` (or ``int32_t`` features): each tree is straight
code, one integer compare per node (``x[f] <= T``, branches as ``goto`` so no tree depth hits a
compiler's nesting limit), pure leaves add the leaf scale to their class, mixed leaves add a
row of the const table. ``sums`` (``n_classes`` entries) receives the integer class sums;
probabilities are ``sums[c] / (n_trees * leaf_scale)``. The label returned is the first
maximum of the sums, as :meth:`IntForest.predict`. No float anywhere: C99, no libgcc calls.
"""

from __future__ import annotations

from ...errors import CodegenError
from . import cgen

CTYPES = {"int16": "int16_t", "int32": "int32_t"}


def _int(v: int) -> str:
    return f"({v + 1} - 1)" if v == -(2**31) else str(int(v))  # INT32_MIN has no literal


def forest_source(forest, name: str, static: bool = False) -> str:
    """C99 source of ``name``'s tables and function (``static`` to keep it file-local)."""
    if not cgen.is_identifier(name):
        raise CodegenError(f"'{name}' is not a C identifier; use letters, digits and _")
    nc = forest.n_classes
    ctype = CTYPES[forest.codes.dtype]
    rows = forest.leaf
    storage = "static " if static else ""
    out = [
        f"/* {len(forest.trees)} trees, {forest.n_nodes} integer compares over {ctype} features "
        f"({forest.collapsed} nodes that decide the same for every code removed); class sums of "
        f"{forest.leaf_scale} per tree */\n"
    ]
    if len(rows):
        body = ",\n    ".join("{" + ", ".join(f"{int(v)}u" for v in r) + "}" for r in rows)
        out.append(f"static const uint16_t {name}_rows[{len(rows)}][{nc}] = {{\n    {body}\n}};\n")
        adds = " ".join(f"s[{c}] += w[{c}];" for c in range(nc)) if nc <= 16 else None
        loop = adds or f"uint32_t c; for (c = 0; c < {nc}u; c++) {{ s[c] += w[c]; }}"
        out.append(f"static void {name}_add(uint32_t *s, const uint16_t *w)\n{{\n    {loop}\n}}\n")
    out.append(f"{storage}int {name}(const {ctype} *x, uint32_t *sums);\n")
    out.append(f"{storage}int {name}(const {ctype} *x, uint32_t *sums)\n{{\n")
    unroll = nc <= 16  # short class loops written out (a loop of zero stores becomes a memset call)
    if unroll:
        out.append("    uint32_t top;\n    int best = 0;\n" if nc > 1 else "")
        out += [f"    sums[{c}] = 0u;\n" for c in range(nc)]
    else:
        out.append(
            f"    uint32_t c, top;\n    int best = 0;\n    for (c = 0; c < {nc}u; c++) {{\n        sums[c] = 0u;\n    }}\n"
        )
    if forest.n_nodes == 0:
        out.append("    (void)x;  /* every tree is one leaf */\n")
    for t, tree in enumerate(forest.trees):
        out += _tree_lines(forest, tree, t, name)
    if nc == 1:  # one class: nothing to compare
        out.append("    return 0;\n}\n")
        return "".join(out)
    out.append("    top = sums[0];\n")
    if unroll:
        out += [
            f"    if (sums[{c}] > top) {{\n        top = sums[{c}];\n        best = {c};\n    }}\n"
            for c in range(1, nc)
        ]
    else:
        out.append(
            f"    for (c = 1; c < {nc}u; c++) {{\n"
            "        if (sums[c] > top) {\n            top = sums[c];\n            best = (int)c;\n        }\n    }\n"
        )
    out.append("    return best;\n}\n")
    return "".join(out)


def _tree_lines(forest, tree: dict, t: int, name: str) -> list[str]:
    nc = forest.n_classes
    done = f"t{t}_done"

    def leaf(ref: int, jump: bool) -> str:
        row = -1 - ref
        add = f"sums[{row}] += {forest.leaf_scale}u;" if row < nc else f"{name}_add(sums, {name}_rows[{row - nc}]);"
        return f"{add} goto {done};" if jump else add

    def go(ref: int) -> str:
        return f"goto t{t}n{ref};" if ref >= 0 else leaf(ref, True)

    if tree["root"] < 0:
        return [f"    /* tree {t}: one leaf */\n    {leaf(tree['root'], False)}\n"]
    lines = [f"    /* tree {t} */\n"]
    for i, (f, T, lo, hi) in enumerate(zip(tree["feature"], tree["T"], tree["left"], tree["right"])):
        label = f"t{t}n{i}: " if i != tree["root"] else ""
        lines.append(f"{label}if (x[{int(f)}] <= {_int(int(T))}) {{ {go(int(lo))} }} else {{ {go(int(hi))} }}\n")
    lines.append(f"{done}:;\n")
    return lines
