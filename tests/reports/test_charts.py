"""The server-drawn charts: SVG the strict CSP allows, readable on a phone, gaps for hidden values,
colours with enough contrast and never the only difference between series, numbers in the locale."""

from __future__ import annotations

import re

import pytest

from shelter.reports import charts
from shelter.reports.charts import STYLES, render_chart
from shelter.reports.model import Chart, ChartKind, Series
from tests.reports.sample import sample_report


def chart(kind: ChartKind, values, *, labels=None, series=1, unit="") -> Chart:
    labels = labels or [f"L{i}" for i in range(len(values))]
    return Chart("c", "Judul", kind, labels,
                 [Series(f"s{i}", f"Seri {i}", list(values)) for i in range(series)], "t", unit)


def contrast(colour: str, background: str = "#ffffff") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("kind", list(ChartKind))
def test_every_kind_is_an_accessible_svg_the_csp_allows(kind):
    svg = str(render_chart(chart(kind, [3, 5, 8, 2], series=2)))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and 'aria-label="Judul"' in svg and "<title>Judul</title>" in svg
    assert 'width="100%"' in svg and re.search(r'viewBox="0 0 400 \d+"', svg)
    # The CSP (style-src 'self') would block these; the PDF would lose them too.
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert not re.search(r'(href|src)="(https?:)?//', svg)
    assert len(re.findall(r"<(rect|path|circle)\b", svg)) > 4


def test_a_hidden_value_is_a_gap_never_a_zero():
    line = str(render_chart(chart(ChartKind.line, [4, 5, None, 6, 7])))
    lines = re.findall(r'<path class="chart-line" d="([^"]+)"', line)
    assert len(lines) == 2  # the line stops before the hidden day and starts again after it
    assert all(d.count("L") == 1 for d in lines)
    bars = str(render_chart(chart(ChartKind.bar, [4, None, 6])))
    assert len(re.findall(r'class="chart-bar"', bars)) == 2
    assert ">–</text>" in bars
    zero = str(render_chart(chart(ChartKind.bar, [4, 0, 6])))
    assert ">0</text>" in zero and ">–</text>" not in zero  # a real 0 is written as 0
    hbar = str(render_chart(chart(ChartKind.hbar, [None, 2])))
    assert len(re.findall(r'class="chart-bar"', hbar)) == 1 and ">–</text>" in hbar


def test_a_stack_with_a_hidden_part_does_not_claim_a_total():
    stacked = Chart("c", "Judul", ChartKind.stacked_bar, ["a", "b"],
                    [Series("x", "X", [2, None]), Series("y", "Y", [3, 4])], "t")
    svg = str(render_chart(stacked))
    assert ">5</text>" in svg  # the complete stack's total
    totals = re.findall(r'font-size="11" fill="#1a1a1a">([^<]+)</text>', svg)
    assert "–" in totals and "4" not in totals


def test_numbers_follow_the_locale():
    values = [1234.5, 10]
    assert "1.234,5" in str(render_chart(chart(ChartKind.hbar, values), locale="id"))
    assert "1,234.5" in str(render_chart(chart(ChartKind.hbar, values), locale="en"))
    assert ">80%<" in str(render_chart(chart(ChartKind.bar, [80, 40], unit="%"), locale="id"))


def test_colours_have_aa_contrast_and_each_series_differs_without_colour():
    assert all(contrast(colour) >= 4.5 for colour, _p, _d, _m in STYLES)
    patterns = [p for _c, p, _d, _m in STYLES]
    lines = [(d, m) for _c, _p, d, m in STYLES]
    assert len(set(patterns)) == len(STYLES) and len(set(lines)) == len(STYLES)
    svg = str(render_chart(chart(ChartKind.bar, [1, 2], series=3)))
    assert svg.count("<pattern ") == 2 and 'fill="url(#chart-c-p1)"' in svg and 'fill="url(#chart-c-p2)"' in svg
    assert all(f"Seri {i}" in svg for i in range(3))  # the legend names every series
    line = str(render_chart(chart(ChartKind.line, [1, 2, 3], series=2)))
    assert 'stroke-dasharray="6 3"' in line and "<rect" in line and "<circle" in line  # dash and marker shapes


def test_text_is_escaped_and_ids_do_not_collide_between_charts():
    hostile = Chart("c", 'Judul "<b>"', ChartKind.hbar, ["<script>alert(1)</script>"], [Series("s", "S", [1])], "t")
    svg = str(render_chart(hostile))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg
    first = str(render_chart(chart(ChartKind.bar, [1], series=2), prefix="a"))
    second = str(render_chart(chart(ChartKind.bar, [1], series=2), prefix="b"))
    assert 'id="a-p1"' in first and 'id="b-p1"' in second


def test_many_labels_are_thinned_so_they_do_not_overlap():
    days = [f"{d}/11" for d in range(1, 31)]
    svg = str(render_chart(chart(ChartKind.line, list(range(30)), labels=days)))
    shown = [label for label in days if f">{label}</text>" in svg]
    assert 4 <= len(shown) <= 12 and shown[0] == "1/11"


def test_the_sample_report_draws_every_chart():
    for c in sample_report().charts:
        assert str(render_chart(c)).count("<text") > 3


def test_nice_axis_steps():
    assert charts.nice_ceiling(25) == (30, 10)
    assert charts.nice_ceiling(7) == (8, 2)
    assert charts.nice_ceiling(0) == (1.0, 1.0)
