"""Small server-side SVG charts: no JavaScript, nothing to vendor, readable without CSS.

Each chart is an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>``; the page puts
the same figures in a table beside it, which is what screen readers and exports use.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)
PALETTE = ("#0b5c8a", "#b26a00", "#1f7a3d", "#b3261e", "#6b4fa0")


def _frame(width: int, height: int, title: str, desc: str, body: list[str]) -> SafeString:
    uid = f"chart{next(_ids)}"
    return mark_safe(  # noqa: S308 - every piece of text below went through escape()
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{uid}-t {uid}-d">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def bar_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    maximum: float | None = None,
    width: int = 420,
) -> SafeString:
    """Horizontal bars, one per label, the value written at the end of each bar."""
    row, label_w, value_w = 22, 150, 60
    height = max(row * len(labels) + 8, 30)
    top = maximum if maximum is not None else max((v or 0 for v in values), default=0)
    span = width - label_w - value_w
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 4 + i * row
        length = (
            0 if not top or value is None else max(round(span * value / top), 1 if value else 0)
        )
        body.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{length}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + length + 4}" y="{y + 15}" font-size="12">'
            f"{escape('–' if value is None else fmt(value))}</text>"
        )
    return _frame(width, height, title, desc, body)


def line_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    width: int = 520,
    height: int = 200,
) -> SafeString:
    """One polyline per series over shared x labels; first/last labels and the max are printed."""
    left, right, top_pad, bottom = 40, 10, 10, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((v for _name, vals in series for v in vals), default=0) or 1
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top_pad + plot_h - plot_h * v / top

    body = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" '
        f'y2="{top_pad + plot_h}" stroke="#5b6b7c"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="#5b6b7c"/>',
        f'<text x="{left - 4}" y="{top_pad + 10}" text-anchor="end" font-size="11">{top:g}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    if n:
        body.append(
            f'<text x="{left}" y="{height - 20}" font-size="11">{escape(labels[0])}</text>'
            f'<text x="{width - right}" y="{height - 20}" text-anchor="end" font-size="11">'
            f"{escape(labels[-1])}</text>"
        )
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        body.append(
            f'<rect x="{left + k * 140}" y="{height - 12}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + k * 140 + 14}" y="{height - 3}" '
            f'font-size="11">{escape(name)}</text>'
        )
    return _frame(width, height, title, desc, body)
