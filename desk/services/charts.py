"""Small server-rendered SVG charts (no script, no external assets): stacked bars, bars, lines.

Every text goes through ``markupsafe.escape``; colours are presentation attributes, so the
strict CSP of the console (no inline styles) is kept.
"""
from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ["#4f46e5", "#0c8a80", "#7c3aed", "#d4560b", "#a15c07", "#0277b6", "#c2256f", "#97650a"]
W, H = 720, 220
PAD_L, PAD_R, PAD_T, PAD_B = 44, 12, 12, 28


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _frame(title: str, top: float, fmt=lambda v: f"{v:g}") -> list[str]:
    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i in range(5):
        y = PAD_T + (H - PAD_T - PAD_B) * i / 4
        value = top * (4 - i) / 4
        parts.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e6e9ef"/>')
        parts.append(f'<text x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#6b7280">{escape(fmt(value))}</text>')
    return parts


def _xlabels(labels: list[str], slot: float) -> list[str]:
    every = max(1, len(labels) // 12)
    out = []
    for i, text in enumerate(labels):
        if i % every:
            continue
        x = PAD_L + slot * (i + 0.5)
        out.append(f'<text x="{x:.1f}" y="{H - 8}" text-anchor="middle" font-size="11" fill="#6b7280">'
                   f'{escape(text)}</text>')
    return out


def stacked_bars(title: str, labels: list[str], series: list[tuple[str, list[float]]]) -> Markup:
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    parts = _frame(title, top)
    slot = (W - PAD_L - PAD_R) / max(len(labels), 1)
    bar = max(1.0, slot * 0.7)
    plot_h = H - PAD_T - PAD_B
    for i in range(len(labels)):
        y = H - PAD_B
        for k, (name, values) in enumerate(series):
            h = plot_h * values[i] / top
            if h <= 0:
                continue
            y -= h
            x = PAD_L + slot * i + (slot - bar) / 2
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(labels[i])} · {escape(name)}: '
                         f'{values[i]:g}</title></rect>')
    parts += _xlabels(labels, slot)
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(title: str, labels: list[str], values: list[float]) -> Markup:
    return stacked_bars(title, labels, [(title, values)])


def line(title: str, labels: list[str], values: list[float]) -> Markup:
    top = _nice_max(max(values, default=0))
    parts = _frame(title, top)
    slot = (W - PAD_L - PAD_R) / max(len(labels), 1)
    plot_h = H - PAD_T - PAD_B
    points = [(PAD_L + slot * (i + 0.5), H - PAD_B - plot_h * v / top) for i, v in enumerate(values)]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>')
        for (x, y), label, value in zip(points, labels, values):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE[0]}"><title>{escape(label)}: '
                         f'{value:g}</title></circle>')
    parts += _xlabels(labels, slot)
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(names: list[str]) -> list[tuple[str, str]]:
    return [(name, PALETTE[i % len(PALETTE)]) for i, name in enumerate(names)]
