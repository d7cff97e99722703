"""The dashboard on a phone, in Chromium: charts drawn, no console error or CSP violation, the period
switched in place, and the PDF and XLSX downloaded and read back with the page's numbers."""

from __future__ import annotations

import os
from pathlib import Path

from shelter.reports.scopes import month_period
from tests.conftest import PASSWORD
from tests.reports.docs_world import build_world
from tests.reports.documents import missing_from_pdf, xlsx_rows

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("REPORT_SCREENSHOTS")  # a folder: save screenshots there (for a human look)

TABLES_JS = """() => Object.fromEntries([...document.querySelectorAll('.report-tables table[data-table]')].map(
  t => [t.dataset.table, [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent.trim().replace(/\\s+/g, ' ')))]))"""


def test_dashboard_on_a_phone_switches_months_and_downloads_the_same_numbers(
        page, browser_login, app, make_facility, make_room, make_bed, make_user, make_resident, tmp_path):
    world = build_world(make_facility, make_room, make_bed, make_user, make_resident)
    month = world.period.start.strftime("%Y-%m")
    before = world.period.start.replace(day=1)
    previous = month_period(before.year - (before.month == 1), (before.month - 2) % 12 + 1)
    page.set_viewport_size(PHONE)
    browser_login(page, world.manager.email, PASSWORD)

    page.goto("/reports/")
    page.click(f"a[href*='/reports/dashboard?facility={world.facility.id}']")
    page.wait_for_selector("svg.chart-svg")
    assert f"month={month}" in page.url
    charts = page.locator("svg.chart-svg")
    assert charts.count() >= 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        box = chart.bounding_box()
        assert box and 300 <= box["width"] <= PHONE["width"], box  # fills the phone's width, no wider
        assert box["height"] > 50
        assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")
        drawn = chart.evaluate("s => s.querySelectorAll('path, rect, circle, text').length")
        assert drawn > 5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "dashboard-390.png"))
        for i in range(charts.count()):
            page.locator("figure.chart").nth(i).screenshot(path=str(Path(SHOTS) / f"chart-{i}.png"))
    shown = page.evaluate(TABLES_JS)
    assert shown and any(any(cell not in ("0", "–", "") for cell in row[1:]) for rows in shown.values() for row in rows)

    # Another month, in place: htmx swaps the body and the URL follows.
    heading = page.locator(".report-heading").inner_text()
    page.fill("#report-month", previous.start.strftime("%Y-%m"))
    page.wait_for_url(f"**month={previous.start:%Y-%m}**")
    page.wait_for_function("h => document.querySelector('.report-heading')?.textContent.trim() !== h", arg=heading)
    assert page.locator("#report-month").input_value() == previous.start.strftime("%Y-%m")
    page.click(".report-months a[data-month='%s']" % month)
    page.wait_for_url(f"**month={month}**")
    page.wait_for_function("h => document.querySelector('.report-heading')?.textContent.trim() === h", arg=heading)
    assert page.evaluate(TABLES_JS) == shown

    with page.expect_download() as pdf_download:
        page.click(".report-downloads a:text('PDF')")
    pdf = pdf_download.value
    assert pdf.suggested_filename == f"laporan-bulanan-facility-{world.facility.id}-{month}.pdf"
    pdf_body = Path(pdf.path()).read_bytes()
    with page.expect_download() as xlsx_download:
        page.click(".report-downloads a:text('XLSX')")
    xlsx = xlsx_download.value
    assert xlsx.suggested_filename == f"laporan-bulanan-facility-{world.facility.id}-{month}.xlsx"
    names, sheets, _raw = xlsx_rows(Path(xlsx.path()).read_bytes())

    # The same numbers: the page's tables, row by row, are the workbook's sheets; the PDF shows them in order.
    assert [rows for rows in shown.values()] == sheets
    assert len(names) == len(shown) + 1
    page_html = page.content()
    assert missing_from_pdf(page_html, pdf_body) == []
