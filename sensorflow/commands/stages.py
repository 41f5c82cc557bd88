"""sensorflow stages [NAME]: the registered stages, their parameters and docs."""

from __future__ import annotations

import inspect

from .. import registry


def add_arguments(p):
    p.add_argument("name", nargs="?", help="show one stage in full")


def describe(cls) -> dict:
    params = {}
    for fname, field in cls.Params.model_fields.items():
        if fname == "type":
            continue
        params[fname] = {
            "default": None if field.is_required() else repr(field.get_default(call_default_factory=True)),
            "required": field.is_required(),
            "doc": field.description or "",
        }
    return {
        "name": cls.name,
        "role": cls.tags.role,
        "doc": inspect.getdoc(cls) or "",
        "trainable": cls.tags.trainable,
        "streaming": cls.tags.streaming,
        "params": params,
    }


def run(args, out) -> int:
    if args.name:
        cls = registry.get(args.name)
        d = describe(cls)
        out.set(stage=d)
        out.print(f"{d['name']} ({d['role']})\n\n{d['doc']}\n")
        for k, v in d["params"].items():
            default = "required" if v["required"] else f"default {v['default']}"
            out.print(f"  {k:<18} {default:<24} {v['doc']}")
        return 0
    rows = [describe(cls) for cls in registry.all_stages().values()]
    out.set(stages=rows)
    for d in rows:
        first = d["doc"].splitlines()[0] if d["doc"] else ""
        out.print(f"{d['name']:<18} {d['role']:<8} {first}")
    return 0
