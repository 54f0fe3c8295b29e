"""A small line chart as inline SVG, drawn on the server: no JavaScript, no CDN, prints and
screenshots as it is. Used by the trends page (weeks on x, articles on y, one line per series)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from publish.wording import number_de

# Ten clearly distinct colours (Tableau 10); a chart shows at most this many lines.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
           "#ff9da7", "#333333")
WIDTH, HEIGHT = 900, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 32, 14, 48


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def nice_step(maximum: int, ticks: int = 5) -> int:
    """A round step (1, 2, 5, 10, 20, …) giving about `ticks` gridlines up to `maximum`."""
    raw = max(1, maximum) / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1, int(factor * power))
    return int(10 * power)


def line_chart(x_labels: Sequence[str], x_titles: Sequence[str], lines: Sequence[tuple[str, Sequence[int]]],
               y_title: str, x_title: str, description: str) -> Markup:
    """One line per (label, values); `x_labels` are the axis ticks, `x_titles` the tooltips."""
    count = len(x_labels)
    top = max((max(values) for _, values in lines if values), default=0)
    step = nice_step(top)
    y_max = max(step, math.ceil(top / step) * step)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / y_max

    parts = [f'<svg class="radar-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg" '
             f'aria-label="{escape(description)}"><title>{escape(description)}</title>']
    for v in range(0, y_max + 1, step):
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="#555">{number_de(v)}</text>')
    every = max(1, math.ceil(count / 13))
    for i, text in enumerate(x_labels):
        # every `every`-th week, and the last one when it does not crowd the tick before it
        if i % every == 0 or (i == count - 1 and i % every >= every / 2):
            parts.append(f'<text class="x-tick" x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12" '
                         f'fill="#555">{escape(text)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#888"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="13" fill="#333">{escape(x_title)}</text>')
    parts.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" font-size="13" fill="#333" '
                 f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{escape(y_title)}</text>')
    radius = 3 if count <= 26 else 2 if count <= 60 else 1.2  # long periods: points must not hide the lines
    for index, (name, values) in enumerate(lines):
        stroke = colour(index)
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<g class="series" data-series="{escape(name)}"><polyline fill="none" stroke="{stroke}" '
                     f'stroke-width="2.2" points="{points}"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle class="point" data-value="{v}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="{radius}" fill="{stroke}">'
                         f'<title>{escape(name)}, {escape(x_titles[i])}: {number_de(v)} Meldung{"" if v == 1 else "en"}</title></circle>')
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
