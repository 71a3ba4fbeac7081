"""Small server-rendered SVG charts for the admin (no JavaScript, no CDN: they render offline and can be tested
by parsing the markup).

Each chart is one inline ``<svg role="img">`` with a title and a description for screen readers, a ``<title>``
tooltip on every bar or segment, and the same figures in a visually hidden table beside it, so nothing is
only in the picture. Everything passed in is escaped here; the result is marked safe.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

FONT = "font-family:-apple-system,'Segoe UI',system-ui,Roboto,'Helvetica Neue',Arial,sans-serif"
AXIS = "#6b7280"
GRID = "#e5e7eb"
_ids = count(1)


@dataclass(frozen=True)
class Series:
    """One stacked layer: its key (for tests and CSS), label, colour and a value per category."""

    key: str
    label: str
    colour: str
    values: Sequence[int]


@dataclass(frozen=True)
class Bar:
    """One horizontal bar or timeline mark."""

    label: str
    value: float
    colour: str
    tooltip: str = ""
    href: str = ""


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def nice_ticks(top: float, n: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0, 1]
    raw = top / n
    power = 10 ** math.floor(math.log10(raw))
    step = max(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), 1)  # counts: whole numbers
    ticks, t = [], 0.0
    while t < top + step / 2:
        ticks.append(t)
        if t >= top:
            break
        t += step
    return ticks


def _svg_open(width: int, height: int, title: str, desc: str, key: str) -> tuple[str, str]:
    uid = f"fc-chart-{next(_ids)}"
    head = (
        f'<svg class="fc-chart" data-chart="{escape(key)}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{uid}-t {uid}-d" style="{FONT};font-size:11px;max-width:{width}px">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
    )
    return head, uid


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(row[0])}</th>'
        + "".join(f"<td>{escape(_num(v) if isinstance(v, int | float) else v)}</td>" for v in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="visually-hidden"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _text_width(text: str) -> float:
    """Roughly how wide ``text`` is at 11 px: a CJK character takes about the full em, a Latin one about 6 px."""
    return sum(11.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 6.2 for ch in text)


def _legend(items: Sequence[tuple[str, str]], x: int, y: int, width: int) -> tuple[str, int]:
    """Swatches and labels in rows that wrap at ``width``; returns the markup and the height it took."""
    parts, cx, cy = [], x, y
    for label, colour in items:
        w = 18 + _text_width(label) + 14
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 16
        parts.append(
            f'<rect x="{cx:.0f}" y="{cy - 9}" width="11" height="11" rx="2" fill="{escape(colour)}" '
            f'stroke="#9ca3af" stroke-width="0.5"/><text x="{cx + 15:.0f}" y="{cy}" fill="#374151">'
            f"{escape(label)}</text>"
        )
        cx += w
    return "".join(parts), cy - y + 16


def stacked_bars(
    *,
    key: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    width: int = 560,
    height: int = 240,
    label_every: int = 1,
) -> SafeString:
    """Vertical bars, one per category, stacked by series; a legend of the series that occur below the axis."""
    shown = [s for s in series if any(s.values)]
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    top = ticks[-1] or 1
    left, right, plot_top = 44, 8, 8
    legend, legend_h = _legend([(s.label, s.colour) for s in shown], left, 0, width - left - right)
    plot_h = height - plot_top - 28
    full_h = height + legend_h + 6
    plot_w = width - left - right
    n = max(len(categories), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.72, 1)
    desc = f"{title}. " + "; ".join(
        f"{c}: {_num(t)}{(' ' + unit) if unit else ''}" for c, t in zip(categories, totals, strict=False) if t
    )
    head, _ = _svg_open(width, full_h, title, desc or gettext("%(title)s: nothing to show.") % {"title": title}, key)
    out = [head]

    def y_of(v: float) -> float:
        return plot_top + plot_h - plot_h * v / top

    for t in ticks:
        y = y_of(t)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{_num(t)}</text>'
        )
    for i, cat in enumerate(categories):
        x = left + i * slot + (slot - bar_w) / 2
        base = 0
        for s in series:
            v = s.values[i]
            if not v:
                continue
            y0, y1 = y_of(base), y_of(base + v)
            out.append(
                f'<rect class="fc-seg" data-series="{escape(s.key)}" data-value="{v}" x="{x:.1f}" y="{y1:.1f}" '
                f'width="{bar_w:.1f}" height="{max(y0 - y1, 0.5):.1f}" fill="{escape(s.colour)}">'
                f"<title>{escape(cat)} · {escape(s.label)}: {_num(v)}{escape((' ' + unit) if unit else '')}</title>"
                "</rect>"
            )
            base += v
        if (len(categories) - 1 - i) % label_every == 0:  # the newest always labelled, the rest spaced from it
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{plot_top + plot_h + 14}" text-anchor="middle" fill="{AXIS}">'
                f"{escape(cat)}</text>"
            )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{plot_top + plot_h}" y2="{plot_top + plot_h}" stroke="{AXIS}"/>'
    )
    out.append(f'<g transform="translate(0,{height + 4})">{legend}</g></svg>')
    table = _table(
        title,
        ["", *(s.label for s in shown), gettext("total")],
        [[cat, *(s.values[i] for s in shown), totals[i]] for i, cat in enumerate(categories) if totals[i]],
    )
    return mark_safe("".join(out) + table)  # every value above went through escape()


def horizontal_bars(*, key: str, title: str, bars: Sequence[Bar], unit: str = "", width: int = 560) -> SafeString:
    """One labelled bar per row, longest first as given; a bar with an href is a link."""
    label_w, right, row_h = 190, 48, 20
    height = max(len(bars), 1) * row_h + 4
    top = max((b.value for b in bars), default=0) or 1
    plot_w = width - label_w - right
    desc = f"{title}. " + "; ".join(f"{b.label}: {_num(b.value)}" for b in bars)
    head, _ = _svg_open(width, height, title, desc, key)
    out = [head]
    for i, b in enumerate(bars):
        y = 2 + i * row_h
        w = max(plot_w * b.value / top, 1)
        label = b.label if len(b.label) <= 30 else b.label[:29] + "…"
        bar = (
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" fill="#374151">{escape(label)}</text>'
            f'<rect class="fc-bar" data-value="{b.value}" x="{label_w}" y="{y + 2}" width="{w:.1f}" '
            f'height="{row_h - 6}" rx="2" fill="{escape(b.colour)}"><title>{escape(b.tooltip or b.label)}</title>'
            f'</rect><text x="{label_w + w + 4:.1f}" y="{y + 13}" fill="{AXIS}">{_num(b.value)}</text>'
        )
        out.append(f'<a href="{escape(b.href)}">{bar}</a>' if b.href else bar)
    out.append("</svg>")
    table = _table(title, ["", unit or gettext("value")], [[b.label, b.value] for b in bars])
    return mark_safe("".join(out) + table)  # every value above went through escape()


def timeline(
    *, key: str, title: str, marks: Sequence[Bar], legend: Sequence[tuple[str, str]], unit: str = "ms", width: int = 560
) -> SafeString:
    """Marks oldest to newest, left to right, each as tall as its value (latency) and coloured by its kind."""
    left, right, plot_top, plot_h = 44, 8, 8, 110
    ticks = nice_ticks(max((m.value for m in marks), default=0), 3)
    top = ticks[-1] or 1
    legend_svg, legend_h = _legend(legend, left, 0, width - left - right)
    height = plot_top + plot_h + 22 + legend_h
    n = max(len(marks), 1)
    slot = (width - left - right) / n
    bar_w = max(min(slot * 0.7, 18), 2)
    desc = f"{title}. " + "; ".join(m.tooltip or m.label for m in marks)
    head, _ = _svg_open(width, height, title, desc, key)
    out = [head]
    for t in ticks:
        y = plot_top + plot_h - plot_h * t / top
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">{_num(t)}</text>'
        )
    for i, m in enumerate(marks):
        x = left + i * slot + (slot - bar_w) / 2
        h = max(plot_h * m.value / top, 3)  # a zero-latency check (never connected) still shows its colour
        out.append(
            f'<rect class="fc-mark" data-value="{m.value}" x="{x:.1f}" y="{plot_top + plot_h - h:.1f}" '
            f'width="{bar_w:.1f}" height="{h:.1f}" fill="{escape(m.colour)}"><title>{escape(m.tooltip)}</title></rect>'
        )
    if marks:
        out.append(
            f'<text x="{left}" y="{plot_top + plot_h + 14}" fill="{AXIS}">{escape(marks[0].label)}</text>'
            f'<text x="{width - right}" y="{plot_top + plot_h + 14}" text-anchor="end" fill="{AXIS}">'
            f"{escape(marks[-1].label)}</text>"
        )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{plot_top + plot_h}" y2="{plot_top + plot_h}" stroke="{AXIS}"/>'
    )
    out.append(f'<g transform="translate(0,{plot_top + plot_h + 32})">{legend_svg}</g></svg>')
    table = _table(title, [gettext("check"), unit], [[m.tooltip or m.label, m.value] for m in marks])
    return mark_safe("".join(out) + table)  # every value above went through escape()


def empty(message: str) -> SafeString:
    return format_html('<p class="fc-empty">{}</p>', message)
