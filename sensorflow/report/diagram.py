"""The pipeline as an inline SVG: sensor, window, each stage with its main parameters, output."""

from __future__ import annotations

from html import escape

ROLE_COLOURS = {"sensor": "#e8eef7", "window": "#e8eef7", "signal": "#fdf1dc", "feature": "#e3f3e3",
                "vector": "#eee6f5", "model": "#fbe1e1", "post": "#e6f2f5", "output": "#f0f0f0"}  # fmt: skip
BOX_W, BOX_H, GAP = 150, 62, 26


def _params_text(params: dict, limit: int = 2) -> list[str]:
    lines = []
    for key, value in params.items():
        if key == "type" or value is None or isinstance(value, dict):
            continue
        text = (
            ", ".join(str(v) for v in value[:4]) + ("..." if len(value) > 4 else "")
            if isinstance(value, list)
            else value
        )
        lines.append(f"{key}: {text}")
        if len(lines) == limit:
            break
    return [line if len(line) <= 24 else line[:23] + "…" for line in lines]


def boxes(config: dict, roles: list[str], classes: list[str]) -> list[tuple[str, str, list[str]]]:
    """(role, title, detail lines) for every box of the diagram, in order."""
    sensor, window = config.get("sensor", {}), config.get("window", {})
    chans = sensor.get("channels", [])
    out = [("sensor", f"{sensor.get('kind', 'sensor')}", [f"{sensor.get('sample_rate', '?')} Hz", f"{len(chans)} ch"])]
    win = [f"{k}: {v}" for k, v in window.items() if v is not None]
    out.append(("window", "window", win[:2]))
    for role, stage in zip(roles, config.get("stages", [])):
        out.append((role, stage.get("type", "?"), _params_text(stage)))
    if classes:
        shown = ", ".join(str(c) for c in classes[:3]) + ("…" if len(classes) > 3 else "")
        out.append(("output", f"{len(classes)} classes", [shown if len(shown) <= 24 else shown[:23] + "…"]))
    return out


def svg(config: dict, roles: list[str], classes: list[str]) -> str:
    items = boxes(config, roles, classes)
    per_row = min(len(items), 6)
    rows = (len(items) + per_row - 1) // per_row
    width = per_row * (BOX_W + GAP)
    height = rows * (BOX_H + 2 * GAP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" style="max-width:100%;height:auto" role="img" aria-label="pipeline diagram" font-family="sans-serif">',
             '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>']  # fmt: skip
    for k, (role, title, lines) in enumerate(items):
        r, c = divmod(k, per_row)
        x, y = c * (BOX_W + GAP) + 4, r * (BOX_H + 2 * GAP) + GAP
        colour = ROLE_COLOURS.get(role, "#f4f4f4")
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" fill="{colour}" stroke="#888"/>')
        parts.append(f'<text x="{x + BOX_W / 2}" y="{y + 18}" text-anchor="middle" font-size="13" '
                     f'font-weight="bold">{escape(str(title))}</text>')  # fmt: skip
        parts.append(f'<text x="{x + BOX_W - 6}" y="{y + BOX_H - 5}" text-anchor="end" font-size="9" '
                     f'fill="#777">{escape(role)}</text>')  # fmt: skip
        for i, line in enumerate(lines):
            parts.append(f'<text x="{x + 8}" y="{y + 34 + 12 * i}" font-size="10">{escape(line)}</text>')
        if k + 1 < len(items):
            if c + 1 < per_row:
                x1, y1, x2, y2 = x + BOX_W, y + BOX_H / 2, x + BOX_W + GAP - 2, y + BOX_H / 2
            else:  # wrap to the next row's first box
                x1, y1, x2, y2 = x + BOX_W / 2, y + BOX_H, 4 + BOX_W / 2, y + BOX_H + 2 * GAP - 2
            parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#555" marker-end="url(#arrow)"/>')
    parts.append("</svg>")
    return "\n".join(parts)
