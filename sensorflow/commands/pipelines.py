"""sensorflow pipelines [NAME] [--copy DIR]: the pipelines that ship with sensorflow. Any command
that takes a PIPELINE accepts one of these names as well as a file (``sensorflow train gesture``);
``--copy`` writes the YAML into a folder to start your own from."""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import examples
from ..errors import ConfigError


def add_arguments(p):
    p.add_argument("name", nargs="?", help="show one shipped pipeline's YAML")
    p.add_argument("--copy", metavar="DIR", help="with NAME: write NAME.yaml into DIR (never over an existing file)")


def _summary(path: Path) -> str:
    for line in path.read_text().splitlines():
        text = line.lstrip("# ").strip()
        if line.startswith("#") and text:
            return text
    return ""


def run(args, out) -> int:
    names = examples.shipped_names()
    if not args.name:
        if args.copy:
            raise ConfigError("--copy needs a pipeline NAME; run 'sensorflow pipelines' to list them")
        rows = [{"name": n, "summary": _summary(examples.SHIPPED / f"{n}.yaml")} for n in names]
        out.set(pipelines=rows)
        for r in rows:
            out.print(f"{r['name']:18s} {r['summary']}")
        return 0
    if args.name not in names:
        raise ConfigError(f"no shipped pipeline '{args.name}'; shipped: {', '.join(names)}")
    src = examples.SHIPPED / f"{args.name}.yaml"
    if args.copy:
        dest = Path(args.copy) / src.name
        if dest.exists():
            raise ConfigError(f"{dest}: already exists; nothing was written (choose another folder)")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        out.set(copied=str(dest))
        out.print(f"wrote {dest}")
        return 0
    out.set(name=args.name, yaml=src.read_text())
    out.print(src.read_text().rstrip())
    return 0
