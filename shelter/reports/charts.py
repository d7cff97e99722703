"""Charts drawn on the server as SVG, from a ``model.Chart``: the same picture on the dashboard, on the
printed page and in the PDF (WeasyPrint draws inline SVG), with no JavaScript and no third-party code.

Rules the drawing keeps, and why:
- Only SVG presentation attributes (``fill``, ``stroke``, ``font-size``…), never a ``style`` attribute or
  a ``<style>`` element: the CSP (``style-src 'self'``) blocks inline styles, and the PDF has no CSS file
  for the chart. Size comes from ``viewBox`` with ``width="100%"``; app.css caps it on wide screens.
- Narrow: the drawing is 400 units wide, so on a 390 px phone a 12-unit label is about 11 px.
- A value of ``None`` (suppressed, or no data) is a gap — a line breaks, a bar is missing and marked
  "–" — never drawn as 0.
- Colour is never the only difference: every series also has its own fill pattern (bars) or dash and
  marker shape (lines), shown in the legend; bars carry their value as text when there is room. Every
  colour has at least 4.5:1 contrast on white (WCAG AA for text, so also for graphics).
- ``role="img"`` with an ``aria-label``; the numbers themselves are in the chart's table (``table_key``),
  which the page puts beside it for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from shelter.reports.model import Chart, ChartKind

WIDTH = 400
FONT = 12
SMALL = 11
TEXT = "#1a1a1a"
MUTED = "#555555"
GRID = "#d0d0d0"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# (colour, fill pattern, line dash, marker): contrast >= 4.5:1 on white (tests/reports/test_charts.py).
STYLES = [
    ("#1f5fa8", "solid", "", "circle"),
    ("#b35900", "hatch", "6 3", "square"),
    ("#2e7d32", "dots", "2 3", "triangle"),
    ("#6a1b9a", "cross", "8 3 2 3", "diamond"),
    ("#c62828", "backhatch", "4 4", "circle"),
    ("#00695c", "grid", "1 2", "square"),
]
LEFT, RIGHT, PLOT_HEIGHT = 44, 12, 170
NO_VALUE = "–"


def style(index: int) -> tuple[str, str, str, str]:
    return STYLES[index % len(STYLES)]


class _Svg:
    """Collects SVG elements; every text goes through ``escape``."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.parts: list[str] = []

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, content: str, *, anchor: str = "start", size: int = FONT,
             fill: str = TEXT, weight: str = "") -> None:
        bold = f' font-weight="{weight}"' if weight else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{bold}>'
                 f"{escape(content)}</text>")

    def fill_of(self, index: int) -> str:
        colour, pattern, _dash, _marker = style(index)
        return colour if pattern == "solid" else f"url(#{self.prefix}-p{index % len(STYLES)})"

    def patterns(self, count: int) -> str:
        defs = []
        for index in range(min(count, len(STYLES))):
            colour, pattern, _dash, _marker = style(index)
            if pattern == "solid":
                continue
            marks = {
                "hatch": '<path d="M0 0L0 6" stroke="#ffffff" stroke-width="2"/>',
                "backhatch": '<path d="M3 0L3 6" stroke="#ffffff" stroke-width="1.5"/>',
                "dots": '<circle cx="3" cy="3" r="1.3" fill="#ffffff"/>',
                "cross": '<path d="M0 3H6M3 0V6" stroke="#ffffff" stroke-width="1"/>',
                "grid": '<path d="M0 0H6M0 0V6" stroke="#ffffff" stroke-width="1"/>',
            }[pattern]
            rotate = {"hatch": ' patternTransform="rotate(45)"', "backhatch": ' patternTransform="rotate(-45)"'}
            defs.append(f'<pattern id="{self.prefix}-p{index}" width="6" height="6" patternUnits="userSpaceOnUse"'
                        f'{rotate.get(pattern, "")}><rect width="6" height="6" fill="{colour}"/>{marks}</pattern>')
        return "<defs>" + "".join(defs) + "</defs>" if defs else ""

    def marker(self, index: int, x: float, y: float) -> None:
        colour, _pattern, _dash, shape = style(index)
        if shape == "square":
            self.add(f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>')
        elif shape == "triangle":
            self.add(f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y + 3:.1f}L{x - 4:.1f} {y + 3:.1f}Z" fill="{colour}"/>')
        elif shape == "diamond":
            self.add(f'<path d="M{x:.1f} {y - 4:.1f}L{x + 4:.1f} {y:.1f}L{x:.1f} {y + 4:.1f}L{x - 4:.1f} {y:.1f}Z" '
                     f'fill="{colour}"/>')
        else:
            self.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')


def text_width(content: str, size: int = FONT) -> float:
    """A rough width of a label (no font metrics on the server): enough to lay out legends and bars."""
    return len(content) * size * 0.56


def nice_ceiling(value: float) -> tuple[float, float]:
    """The axis maximum and the tick step: 1, 2 or 5 times a power of ten, four or five ticks."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and value >= 1:
        step = 1.0
    return math.ceil(value / step) * step, step


def render_chart(chart: Chart, *, locale: str = "id", prefix: str = "") -> Markup:
    """The chart as an inline ``<svg>`` element (``Markup``), drawn for ``locale``."""
    number = _formatter(locale, chart.unit)
    svg = _Svg(prefix or f"chart-{chart.key}")
    legend_height = _legend(svg, chart) if len(chart.series) > 1 or chart.kind is ChartKind.line else 0
    draw = {ChartKind.line: _line, ChartKind.bar: _bars, ChartKind.stacked_bar: _stacked,
            ChartKind.hbar: _hbars}[chart.kind]
    height = draw(svg, chart, number, top=legend_height + 8)
    label = chart.title + (f" ({chart.unit})" if chart.unit else "")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-{escape(chart.kind.value)}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" aria-label="{escape(label)}" '
        f'font-family="{FONT_FAMILY}" data-chart="{escape(chart.key)}">'
        f"<title>{escape(label)}</title>{svg.patterns(len(chart.series))}{''.join(svg.parts)}</svg>"
    )


def _formatter(locale: str, unit: str) -> Callable[[float], str]:
    def number(value: float) -> str:
        pattern = "#,##0" if float(value).is_integer() else "#,##0.#"
        text = format_decimal(value, format=pattern, locale=locale)
        return text + ("%" if unit == "%" else "")
    return number


def _legend(svg: _Svg, chart: Chart) -> float:
    """Series names with their swatch (pattern, or dash and marker), wrapped over as many rows as needed."""
    x, y, row = 0.0, 14.0, 18.0
    for index, series in enumerate(chart.series):
        width = 24 + text_width(series.title, SMALL) + 12
        if x > 0 and x + width > WIDTH:
            x, y = 0.0, y + row
        colour, _pattern, dash, _shape = style(index)
        if chart.kind is ChartKind.line:
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            svg.add(f'<path d="M{x:.1f} {y - 4:.1f}H{x + 18:.1f}" stroke="{colour}" stroke-width="2.5"{dashes}/>')
            svg.marker(index, x + 9, y - 4)
        else:
            svg.add(f'<rect x="{x:.1f}" y="{y - 11:.1f}" width="16" height="12" fill="{svg.fill_of(index)}" '
                    f'stroke="{colour}"/>')
        svg.text(x + 22, y, series.title, size=SMALL)
        x += width
    return y + 6


def _values(chart: Chart) -> list[float]:
    return [v for series in chart.series for v in series.values if v is not None]


def _y_axis(svg: _Svg, top: float, maximum: float, step: float, number) -> Callable[[float], float]:
    plot_width = WIDTH - LEFT - RIGHT

    def y_of(value: float) -> float:
        return top + PLOT_HEIGHT - (value / maximum) * PLOT_HEIGHT

    ticks = int(round(maximum / step))
    for i in range(ticks + 1):
        value = i * step
        y = y_of(value)
        svg.add(f'<path d="M{LEFT} {y:.1f}H{LEFT + plot_width}" stroke="{GRID}" stroke-width="1"/>')
        svg.text(LEFT - 4, y + 4, number(value), anchor="end", size=SMALL, fill=MUTED)
    return y_of


def _x_labels(svg: _Svg, labels: list[str], centres: list[float], y: float, slot: float) -> None:
    """Every k-th label, so labels never overlap however many there are."""
    widest = max((text_width(label, SMALL) for label in labels), default=0)
    every = max(1, math.ceil((widest + 6) / max(slot, 1)))
    for i, (label, x) in enumerate(zip(labels, centres)):
        if i % every == 0:
            svg.text(x, y, label, anchor="middle", size=SMALL, fill=MUTED)


def _scale(chart: Chart, stacked: bool = False) -> tuple[float, float]:
    if stacked:
        totals = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.labels))]
        top = max(totals, default=0)
    else:
        top = max(_values(chart), default=0)
    if chart.unit == "%":
        top = max(top, 100.0) if top > 50 else top
    return nice_ceiling(top)


def _line(svg: _Svg, chart: Chart, number, *, top: float) -> float:
    maximum, step = _scale(chart)
    y_of = _y_axis(svg, top, maximum, step, number)
    n = len(chart.labels)
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(n - 1, 1)
    x_of = [LEFT + (i * slot if n > 1 else plot_width / 2) for i in range(n)]
    for index, series in enumerate(chart.series):
        colour, _pattern, dash, _shape = style(index)
        segments, current = [], []
        for i, value in enumerate(series.values[:n]):
            if value is None:  # a gap: the line stops here and starts again after
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((x_of[i], y_of(value)))
        if current:
            segments.append(current)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        for segment in segments:
            if len(segment) > 1:
                d = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in segment)
                svg.add(f'<path class="chart-line" d="{d}" fill="none" stroke="{colour}" stroke-width="2.5"'
                        f'{dashes} stroke-linejoin="round"/>')
        marks_every = max(1, math.ceil(n / 16))
        for i, value in enumerate(series.values[:n]):
            alone = value is not None and (i == 0 or series.values[i - 1] is None) and (
                i == n - 1 or series.values[i + 1] is None)
            if value is not None and (i % marks_every == 0 or alone or i == n - 1):
                svg.marker(index, x_of[i], y_of(value))
    _x_labels(svg, chart.labels, x_of, top + PLOT_HEIGHT + 16, slot)
    return top + PLOT_HEIGHT + 24


def _bars(svg: _Svg, chart: Chart, number, *, top: float) -> float:
    maximum, step = _scale(chart)
    y_of = _y_axis(svg, top, maximum, step, number)
    n, k = len(chart.labels), max(len(chart.series), 1)
    slot = (WIDTH - LEFT - RIGHT) / max(n, 1)
    bar = slot * 0.8 / k
    show_values = bar >= 13
    centres = []
    for i in range(n):
        start = LEFT + i * slot + slot * 0.1
        centres.append(start + slot * 0.4)
        for index, series in enumerate(chart.series):
            x = start + index * bar
            value = series.values[i] if i < len(series.values) else None
            if value is None:
                svg.text(x + bar / 2, top + PLOT_HEIGHT - 3, NO_VALUE, anchor="middle", size=SMALL, fill=MUTED)
                continue
            y = y_of(value)
            svg.add(f'<rect class="chart-bar" x="{x:.1f}" y="{y:.1f}" width="{max(bar - 1, 1):.1f}" '
                    f'height="{top + PLOT_HEIGHT - y:.1f}" fill="{svg.fill_of(index)}" stroke="{style(index)[0]}"/>')
            if show_values:
                svg.text(x + bar / 2, y - 3, number(value), anchor="middle", size=SMALL)
    _x_labels(svg, chart.labels, centres, top + PLOT_HEIGHT + 16, slot)
    return top + PLOT_HEIGHT + 24


def _stacked(svg: _Svg, chart: Chart, number, *, top: float) -> float:
    maximum, step = _scale(chart, stacked=True)
    y_of = _y_axis(svg, top, maximum, step, number)
    n = len(chart.labels)
    slot = (WIDTH - LEFT - RIGHT) / max(n, 1)
    bar = slot * 0.7
    centres = []
    for i in range(n):
        x = LEFT + i * slot + slot * 0.15
        centres.append(x + bar / 2)
        base, missing = 0.0, False
        for index, series in enumerate(chart.series):
            value = series.values[i] if i < len(series.values) else None
            if value is None:
                missing = True
                continue
            if value <= 0:
                continue
            y0, y1 = y_of(base), y_of(base + value)
            svg.add(f'<rect class="chart-bar" x="{x:.1f}" y="{y1:.1f}" width="{bar:.1f}" height="{y0 - y1:.1f}" '
                    f'fill="{svg.fill_of(index)}" stroke="#ffffff" stroke-width="0.5"/>')
            base += value
        # The total on top, when it is one: with a part hidden it would understate ("–" instead).
        label = NO_VALUE if missing else number(base)
        if bar >= 14 or n <= 12:
            svg.text(x + bar / 2, y_of(base) - 3, label, anchor="middle", size=SMALL)
    _x_labels(svg, chart.labels, centres, top + PLOT_HEIGHT + 16, slot)
    return top + PLOT_HEIGHT + 24


def _hbars(svg: _Svg, chart: Chart, number, *, top: float) -> float:
    """One row per label: the label on its own line (long labels fit a phone), then a bar per series."""
    maximum, _step = _scale(chart)
    k = max(len(chart.series), 1)
    bar_height, gap = 14, 10
    room = WIDTH - 48  # the value is written after the bar
    y = top
    for i, label in enumerate(chart.labels):
        y += FONT + 2
        svg.text(0, y, label, size=FONT)
        y += 4
        for index, series in enumerate(chart.series):
            value = series.values[i] if i < len(series.values) else None
            if value is None:
                svg.text(2, y + bar_height - 3, NO_VALUE, size=SMALL, fill=MUTED)
            else:
                width = max(room * value / maximum, 1 if value > 0 else 0)
                svg.add(f'<rect class="chart-bar" x="0" y="{y:.1f}" width="{width:.1f}" height="{bar_height - 2}" '
                        f'fill="{svg.fill_of(index)}" stroke="{style(index)[0]}"/>')
                svg.text(width + 4, y + bar_height - 3, number(value), size=SMALL)
            y += bar_height
        y += gap
    return y
