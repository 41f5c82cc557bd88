"""Cut ``sf_runtime.py`` down to the kernels a generated module calls (and what those call),
so an imported runtime costs only the heap it needs: the source keeps its docstring,
imports and the kept top-level definitions in their original order and text."""

from __future__ import annotations

import ast
import re

_RT_CALL = re.compile(r"\brt\.([A-Za-z_][A-Za-z0-9_]*)")


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        out = set()
        for t in node.targets:
            for n in ast.walk(t):
                if isinstance(n, ast.Name):
                    out.add(n.id)
        return out
    return set()


def _free_names(node: ast.stmt) -> set[str]:
    """Names a top-level statement reads that are not its own parameters or locals."""
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(node, ast.FunctionDef):
        local = {a.arg for a in node.args.args + node.args.kwonlyargs}
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        loads -= local
    return loads


def prune(runtime_source: str, module_source: str) -> str:
    """The runtime source restricted to the names ``module_source`` uses as ``rt.NAME``."""
    tree = ast.parse(runtime_source)
    defs: dict[str, ast.stmt] = {}
    for node in tree.body:
        for name in _defined(node):
            defs[name] = node
    uses = {id(node): _free_names(node) for node in tree.body}
    want = [n for n in _RT_CALL.findall(module_source) if n in defs]
    keep: set[int] = set()
    stack = list(want)
    while stack:
        node = defs[stack.pop()]
        if id(node) in keep:
            continue
        keep.add(id(node))
        stack += [n for n in uses[id(node)] if n in defs and id(defs[n]) not in keep]
    parts = []
    for i, node in enumerate(tree.body):
        is_doc = i == 0 and isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)
        if is_doc or isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in keep:
            parts.append(ast.get_source_segment(runtime_source, node, padded=True))
    return "\n\n\n".join(p.rstrip() for p in parts if p) + "\n"
