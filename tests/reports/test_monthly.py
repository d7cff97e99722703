"""The monthly report: the A4 page, its PDF (WeasyPrint, same template) and its XLSX show the same
numbers; typed cells; file names without personal data; no caching; nothing fetched from the network;
downloads audited."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shelter.config import PROJECT_ROOT
from shelter.reports import figures
from shelter.reports.model import SUPPRESSED_TEXT
from shelter.reports.pdf import BASE_URL, StaticFilesOnly
from shelter.reports.xlsx import SHEET_NAME_MAX, sheet_names
from shelter.security import CONTENT_SECURITY_POLICY
from tests.conftest import audit_events, login
from tests.reports.docs_world import build_world
from tests.reports.documents import html_rows, missing_from_pdf, pdf_text, xlsx_rows
from tests.reports.sample import sample_report


@pytest.fixture
def world(app, make_facility, make_room, make_bed, make_user, make_resident):
    return build_world(make_facility, make_room, make_bed, make_user, make_resident)


@pytest.fixture
def sample_figures(monkeypatch):
    def build(user, scope, period, **_kwargs):
        from shelter import access

        return sample_report(scope, period, suppressed=access.report_suppressed(user, scope))

    monkeypatch.setattr(figures, "build_report", build)


def urls(world, scope: str | None = None) -> tuple[str, str, str]:
    query = f"{scope if scope is not None else f'facility={world.facility.id}'}&month={world.period.start:%Y-%m}"
    return f"/reports/monthly?{query}", f"/reports/monthly.pdf?{query}", f"/reports/monthly.xlsx?{query}"


def test_the_page_pdf_and_xlsx_show_the_same_numbers(client, world):
    login(client, world.manager)
    page_url, pdf_url, xlsx_url = urls(world)
    page = client.get(page_url)
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    html = page.get_data(as_text=True)
    tables = html_rows(html)
    assert len(tables) >= 8 and any(row[-1] not in ("0", "–") for rows in tables.values() for row in rows)

    pdf = client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert missing_from_pdf(html, pdf.data) == []
    text = pdf_text(pdf.data)
    assert "Periode:" in text
    assert "Panti Uji Anggrek" in text and "LAPORAN BULANAN" in text and "Draf: belum ditandatangani." in text

    xlsx = client.get(xlsx_url)
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    names, sheets, _raw = xlsx_rows(xlsx.data)
    assert sheets == list(tables.values())
    assert names[1:] == sheet_names(list(tables))


def test_downloads_are_named_by_ids_not_cached_and_audited(client, world):
    login(client, world.manager)
    _page, pdf_url, xlsx_url = urls(world)
    for url, extension in ((pdf_url, "pdf"), (xlsx_url, "xlsx")):
        response = client.get(url)
        disposition = response.headers["Content-Disposition"]
        assert disposition == (f'attachment; filename="laporan-bulanan-facility-{world.facility.id}-'
                               f'{world.period.start:%Y-%m}.{extension}"')
        assert "Anggrek" not in disposition
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    events = audit_events("report.downloaded")
    assert [e.detail["format"] for e in events] == ["pdf", "xlsx"]
    assert all(e.actor_id == world.manager.id and e.facility_id == world.facility.id for e in events)
    assert events[0].detail == {"scope": f"facility-{world.facility.id}", "month": f"{world.period.start:%Y-%m}",
                                "format": "pdf", "version": None}


def test_the_report_is_in_indonesian_on_a4_whatever_the_users_language(client, world, login_in_english):
    login_in_english(world.manager)
    assert "Log out" in client.get("/").get_data(as_text=True)
    html = client.get(urls(world)[0]).get_data(as_text=True)
    assert '<html lang="id">' in html and "Laporan bulanan" in html and "Tabel laporan" in html
    assert "css/report-print.css" in html
    css = (PROJECT_ROOT / "static" / "css" / "report-print.css").read_text()
    assert "size: A4" in css and "@page" in css


def test_xlsx_cells_are_typed_and_hidden_counts_read_lt3(client, world, sample_figures):
    login(client, world.case_manager)  # the province: counts below 3 hidden
    body = client.get(urls(world, scope="")[2]).data
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Laporan", "occupancy_by_day", "admissions_discharges", "discharges_by_outcome",
                               "length_of_stay"]
    days = book["occupancy_by_day"]
    assert isinstance(days["A4"].value, datetime) and days["A4"].value.date() == world.period.start
    assert isinstance(days["B4"].value, int) and days["B4"].value == 10
    assert days["C4"].value == 40 and days["C4"].number_format == '0.0"%"'  # 40% of 25 beds
    assert days["B16"].value == SUPPRESSED_TEXT  # the 13th: hidden, and said so
    outcomes = book["discharges_by_outcome"]
    assert [outcomes[f"B{r}"].value for r in (4, 5, 6)] == [9, SUPPRESSED_TEXT, 5]
    stay = book["length_of_stay"]
    assert stay["B4"].value == 23.5 and stay["C4"].value == 61.0 and stay["A2"].value.startswith("Median")
    about = book["Laporan"]
    assert about["B1"].value == "Panti Uji Bakti Kasih" and about["B3"].value.date() == world.period.start
    assert "<3" in " ".join(str(c.value) for row in about.iter_rows() for c in row)


def test_pdf_shows_hidden_counts_as_lt3(client, world, sample_figures):
    login(client, world.case_manager)
    text = pdf_text(client.get(urls(world, scope="")[1]).data)
    assert "Dirujuk ke layanan lain <3" in text


def test_sheet_names_keep_excels_rules():
    names = sheet_names(["a" * 40, "a" * 40, "x[1]:y*?/z", "Laporan", "LAPORAN"], reserved=("Laporan",))
    assert all(len(n) <= SHEET_NAME_MAX for n in names)
    assert len({n.lower() for n in names} | {"laporan"}) == len(names) + 1
    assert names[2] == "x_1__y___z" and names[1].endswith("_2")


def test_the_pdf_fetcher_serves_only_our_static_files(app):
    fetcher = StaticFilesOnly(app.static_folder, app.static_url_path)
    assert b"@page" in fetcher(BASE_URL + "static/css/report-print.css").read()
    for url in ("https://cdn.example/x.css", "http://127.0.0.1:5000/static/css/app.css",
                BASE_URL + "static/../shelter/config.py", BASE_URL + "static/%2e%2e/pyproject.toml",
                BASE_URL + "reports/", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher(url)
    assert Path(app.static_folder, "css", "report-print.css").is_file()
