"""A horizontal bar chart as a small hand-written SVG: one group of bars per
case, one bar per implementation, each implementation in the same colour in
every group and panel. No plotting library needed."""

from __future__ import annotations

from html import escape

PALETTE = [
    "#d62728",  # tokkit first: red
    "#ff9896",
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#aec7e8",
    "#ffbb78",
]
BAR, GAP, LABEL, WIDTH = 11, 10, 330, 900


def svg(panels: list[tuple[str, dict[str, dict[str, float]]]], unit: str = "MB/s") -> str:
    """``panels`` is [(title, {case: {implementation: value}})]; returns the SVG."""
    names: list[str] = []
    for _, groups in panels:
        for values in groups.values():
            names += [n for n in values if n not in names]
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    top = max((v for _, g in panels for vs in g.values() for v in vs.values()), default=1.0)
    scale = (WIDTH - LABEL - 60) / top
    parts, y = [], 10
    for title, groups in panels:
        parts.append(f'<text x="4" y="{y + 14}" font-weight="bold">{escape(title)}</text>')
        y += 26
        for case, values in groups.items():
            parts.append(f'<text x="4" y="{y + BAR}" font-weight="bold">{escape(case)}</text>')
            y += BAR + 3
            for name, value in values.items():
                w = max(1.0, value * scale)
                parts.append(
                    f'<text x="{LABEL - 6}" y="{y + BAR - 1}" text-anchor="end">'
                    f"{escape(name)}</text>"
                    f'<rect x="{LABEL}" y="{y + 1}" width="{w:.1f}" height="{BAR - 1}" '
                    f'fill="{colour[name]}"/>'
                    f'<text x="{LABEL + w + 4:.1f}" y="{y + BAR - 1}">{value:.1f}</text>'
                )
                y += BAR + 1
            y += GAP
        y += GAP
    body = "\n".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y}" '
        f'font-family="sans-serif" font-size="10">\n'
        f'<rect width="100%" height="100%" fill="white"/>\n'
        f'<text x="{WIDTH - 6}" y="14" text-anchor="end">{escape(unit)}</text>\n{body}\n</svg>\n'
    )
