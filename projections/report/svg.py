"""Hand-written inline SVG charts: no script, no external resource, every text escaped."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape as html_escape

from ledger.audit.visible import visible


def escape(text: str) -> str:
    """HTML-escaped, and control and bidirectional characters shown as escapes (HTML escaping
    alone leaves a right-to-left override free to reorder what a reader sees). The report's one
    escaping function: every piece of text on the page passes through it."""
    return html_escape(visible(text))


WIDTH = 880
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36
INK = "#1f2933"
GRID = "#d9dee3"
COLOURS = {"active": "#1f6feb", "entries": "#2da44e", "exits": "#d1242f", "amount": "#8250df",
           "reach": "#0a7ea4"}


@dataclass(frozen=True, slots=True)
class Axis:
    """A linear scale from data values to pixels, with round tick values."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return self.start
        return self.start + (value - self.low) * (self.end - self.start) / (self.high - self.low)

    def ticks(self, count: int = 4) -> list[float]:
        step = _nice_step((self.high - self.low) / count) if self.high > self.low else 1.0
        step = max(step, 1.0)  # every chart counts people, events or money: no fractions
        first = math.ceil(self.low / step) * step
        values = []
        value = first
        while value <= self.high + step * 1e-9:
            values.append(value)
            value += step
        return values


def line_chart(title: str, days: Sequence[dt.date], values: Sequence[int], *,
               colour: str = COLOURS["active"]) -> str:
    """One series over month-ends, e.g. active beneficiaries."""
    if not days:
        return _empty(title)
    top = _round_up(max(values, default=0))
    x = Axis(0, max(len(days) - 1, 1), LEFT, WIDTH - RIGHT)
    y = Axis(0, top, HEIGHT - BOTTOM, TOP)
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    area = f"{x(0):.1f},{y(0):.1f} {points} {x(len(values) - 1):.1f},{y(0):.1f}"
    parts = [
        _grid(y),
        _month_labels(days, x),
        f'<polygon points="{area}" fill="{colour}" fill-opacity="0.12"/>',
        f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>',
        _last_value(x(len(values) - 1), y(values[-1]), values[-1]),
    ]
    return _frame(title, parts)


def flow_chart(title: str, days: Sequence[dt.date], entries: Sequence[int],
               exits: Sequence[int]) -> str:
    """Entries (above the axis) and exits (below it) per month."""
    if not days:
        return _empty(title)
    top = _round_up(max([*entries, *exits, 1]))
    x = Axis(-0.5, len(days) - 0.5, LEFT, WIDTH - RIGHT)
    y = Axis(-top, top, HEIGHT - BOTTOM, TOP)
    width = min(max((x(1) - x(0)) * 0.7, 1.0), 48.0)
    bars = []
    for i, (went_in, went_out) in enumerate(zip(entries, exits, strict=True)):
        left = x(i) - width / 2
        if went_in:
            bars.append(_bar(left, y(went_in), width, y(0) - y(went_in), COLOURS["entries"],
                             f"{days[i]:%b %Y}: {went_in:,} entries"))
        if went_out:
            bars.append(_bar(left, y(0), width, y(-went_out) - y(0), COLOURS["exits"],
                             f"{days[i]:%b %Y}: {went_out:,} exits"))
    parts = [_grid(y, absolute=True), _month_labels(days, x), *bars,
             _legend([("entries", COLOURS["entries"]), ("exits", COLOURS["exits"])])]
    return _frame(title, parts)


def column_chart(title: str, labels: Sequence[str], values: Sequence[float], *,
                 colour: str = COLOURS["amount"], unit: str = "") -> str:
    """One column per label (e.g. the amount paid per period)."""
    if not labels:
        return _empty(title)
    top = _round_up(max(values, default=0))
    x = Axis(-0.5, len(labels) - 0.5, LEFT, WIDTH - RIGHT)
    y = Axis(0, top, HEIGHT - BOTTOM, TOP)
    width = min(max((x(1) - x(0)) * 0.7, 1.0), 48.0)
    every = max(1, math.ceil(len(labels) / 12))
    parts = [_grid(y)]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        parts.append(_bar(x(i) - width / 2, y(value), width, y(0) - y(value), colour,
                          f"{label}: {_full(value)}{unit}"))
        if i % every == 0:
            parts.append(_text(x(i), HEIGHT - BOTTOM + 16, label, anchor="middle"))
    return _frame(title, parts)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int], *,
              colour: str = COLOURS["reach"]) -> str:
    """Horizontal bars, one per label (e.g. beneficiaries per province), largest first."""
    if not labels:
        return _empty(title)
    row, label_width = 20, 190
    height = TOP + row * len(labels) + 8
    top = max(values, default=0) or 1
    x = Axis(0, top, label_width, WIDTH - RIGHT - 70)
    parts = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        middle = TOP + i * row + row / 2
        parts.append(_text(label_width - 8, middle + 4, label, anchor="end"))
        parts.append(_bar(label_width, middle - 7, x(value) - label_width, 14, colour,
                          f"{label}: {value:,}"))
        parts.append(_text(x(value) + 6, middle + 4, f"{value:,}"))
    return _frame(title, parts, height=height)


def share_chart(title: str, labels: Sequence[str], shares: Sequence[float], *,
                colour: str = COLOURS["reach"]) -> str:
    """Horizontal bars of shares (0-1, e.g. coverage) on a 0-100 % scale, in the order given."""
    if not labels:
        return _empty(title)
    row, label_width = 20, 230
    height = TOP + row * len(labels) + 8
    x = Axis(0, max(1.0, max(shares, default=0)), label_width, WIDTH - RIGHT - 70)
    parts = []
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        middle = TOP + i * row + row / 2
        parts.append(_text(label_width - 8, middle + 4, label, anchor="end"))
        parts.append(_bar(label_width, middle - 7, max(x(share) - label_width, 0.5), 14, colour,
                          f"{label}: {share:.1%}"))
        parts.append(_text(x(share) + 6, middle + 4, f"{share:.1%}"))
    return _frame(title, parts, height=height)


# -- pieces ------------------------------------------------------------------------------------

def _frame(title: str, parts: Sequence[str], *, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="system-ui, sans-serif" font-size="11" fill="{INK}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _empty(title: str) -> str:
    return _frame(title, [_text(WIDTH / 2, 60, "no data for this period", anchor="middle")],
                  height=100)


def _grid(y: Axis, *, absolute: bool = False) -> str:
    lines = []
    for tick in y.ticks():
        at = y(tick)
        lines.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" '
                     f'stroke="{INK if tick == 0 else GRID}" stroke-width="1"/>')
        shown = abs(tick) if absolute else tick
        lines.append(_text(LEFT - 6, at + 4, _short(shown), anchor="end"))
    return "".join(lines)


def _month_labels(days: Sequence[dt.date], x: Axis) -> str:
    """A label under each January (or every sixth month if the span is short)."""
    labels = []
    for i, day in enumerate(days):
        if day.month == 1 or (len(days) <= 24 and day.month in (4, 7, 10)) or i == 0:
            labels.append(_text(x(i), HEIGHT - BOTTOM + 16, f"{day:%b %Y}", anchor="middle"))
    return "".join(labels)


def _legend(items: Sequence[tuple[str, str]]) -> str:
    parts = []
    left = WIDTH - RIGHT - 90 * len(items)
    for i, (label, colour) in enumerate(items):
        at = left + i * 90
        parts.append(f'<rect x="{at}" y="{TOP}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(at + 14, TOP + 9, label))
    return "".join(parts)


def _last_value(x: float, y: float, value: int) -> str:
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS["active"]}"/>'
            + _text(x - 4, y - 8, f"{value:,}", anchor="end"))


def _bar(x: float, y: float, width: float, height: float, colour: str, tip: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{max(height, 0):.1f}" '
            f'fill="{colour}"><title>{escape(tip)}</title></rect>')


def _text(x: float, y: float, content: str, *, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(content)}</text>'


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _round_up(value: float) -> float:
    if value <= 0:
        return 1.0
    step = max(_nice_step(value / 4), 1.0)
    return float(math.ceil(value / step) * step)


def _short(value: float) -> str:
    """12,000 → 12k; 3,400,000 → 3.4M; 2,500,000,000 → 2.5bn."""
    for size, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def _full(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
