"""The one status list of the C runtime. ``sensorflow/runtime/c/sf_common.h`` (enum and
string table) is generated from it: ``python -m sensorflow.codegen.c.status`` rewrites the
header, and a test fails if the committed header drifts from this list."""

from __future__ import annotations

import sys
from pathlib import Path

# (name, value, message): 0 is success, errors are negative so a function can return either
# a class index / count or an error.
STATUSES: list[tuple[str, int, str]] = [
    ("SF_OK", 0, "ok"),
    ("SF_ERR_NULL", -1, "null pointer argument"),
    ("SF_ERR_ARG", -2, "argument out of range"),
    ("SF_ERR_NOT_READY", -3, "no window has completed yet"),
    ("SF_ERR_NO_MODEL", -4, "the pipeline has no model stage"),
    ("SF_ERR_NOT_INIT", -5, "init() was not called"),
    ("SF_ERR_NONFINITE", -6, "input holds NaN or Inf"),
]

HEADER = Path(__file__).resolve().parents[2] / "runtime" / "c" / "sf_common.h"


def render() -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    ordered = sorted(STATUSES, key=lambda s: -s[1])
    return env.get_template("sf_common.h.j2").render(statuses=ordered, lowest=min(s[1] for s in STATUSES))


def main() -> int:
    HEADER.write_text(render())
    print(f"wrote {HEADER.name} ({len(STATUSES)} statuses)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
