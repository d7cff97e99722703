"""The reports index and the dashboard: what each user may open, each scope's page, the period
switched with htmx, bad input, the empty state, counts linking to their lists, the 404s."""

from __future__ import annotations

import re

import pytest

from shelter.reports import figures
from shelter.reports.model import SUPPRESSED_TEXT
from shelter.security import CONTENT_SECURITY_POLICY
from tests.conftest import login, page_of
from tests.reports.docs_world import build_world
from tests.reports.sample import sample_report

MISSING = 2_000_000_000


@pytest.fixture
def world(app, make_facility, make_room, make_bed, make_user, make_resident):
    return build_world(make_facility, make_room, make_bed, make_user, make_resident)


@pytest.fixture
def sample_figures(monkeypatch):
    """The builder replaced by the hand-built sample (its drills point at the residents list)."""
    options = {}

    def build(user, scope, period, **_kwargs):
        from shelter import access

        return sample_report(scope, period, suppressed=access.report_suppressed(user, scope), **options)

    monkeypatch.setattr(figures, "build_report", build)
    return options


def month(world) -> str:
    return world.period.start.strftime("%Y-%m")


def test_the_index_lists_the_reports_each_user_may_open(client, world):
    login(client, world.caseworker)
    page = client.get("/reports/").get_data(as_text=True)
    assert f"/reports/dashboard?facility={world.facility.id}" in page
    assert f"facility={world.other.id}" not in page and "kota=" not in page and "Provinsi DKI Jakarta" not in page

    client.post("/logout")
    login(client, world.case_manager)
    page = client.get("/reports/").get_data(as_text=True)
    assert "Provinsi DKI Jakarta" in page and "kota=jakarta_barat" in page
    assert f"facility={world.other.id}" in page and f"facility={world.facility.id}&" not in page

    client.post("/logout")
    login(client, world.admin)
    page = client.get("/reports/").get_data(as_text=True)
    assert f"facility={world.facility.id}" in page and f"facility={world.other.id}" in page


def test_the_menu_has_one_reports_link(client, world):
    login(client, world.caseworker)
    page = client.get("/").get_data(as_text=True)
    assert page.count('href="/reports/"') == 1 and ">Laporan</a>" in page


@pytest.mark.parametrize("scope", ["facility", "kota", "province"])
def test_the_dashboard_draws_each_scope(client, world, scope):
    args = {"facility": f"facility={world.facility.id}", "kota": "kota=jakarta_timur", "province": ""}[scope]
    login(client, world.admin)
    response = client.get(f"/reports/dashboard?{args}&month={month(world)}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "no-store" in response.headers["Cache-Control"]
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) >= 5 and all('role="img"' in s and "aria-label=" in s for s in svgs)
    assert "style=" not in page
    assert page.count('<details class="chart-table">') == len(svgs)  # each chart's table alternative
    assert "laporan-bulanan" not in page  # file names come with the download, not the page
    assert f"monthly.pdf?{args + '&amp;' if args else ''}month={month(world)}" in page


def test_counts_link_to_the_list_behind_them_and_hidden_counts_do_not(client, world, sample_figures):
    login(client, world.case_manager)
    page = client.get(f"/reports/dashboard?month={month(world)}").get_data(as_text=True)  # the province: suppressed
    assert '<a href="/residents/?outcome=reunified">9</a>' in page
    assert f">{SUPPRESSED_TEXT.replace('<', '&lt;')}</td>" in page
    assert "Jumlah di bawah 3 ditampilkan" in page


def test_htmx_switches_the_period_by_swapping_the_body(client, world):
    login(client, world.manager)
    response = client.htmx("GET", f"/reports/dashboard?facility={world.facility.id}&month=2026-10")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page and "HX-Request" in response.headers["Vary"]
    assert 'value="2026-10"' in page and "Oktober 2026" in page
    assert 'hx-push-url="true"' in page and 'hx-target="#report-body"' in page


def test_a_bad_month_is_explained_next_to_the_field_and_kept(client, world):
    login(client, world.manager)
    response = client.get(f"/reports/dashboard?facility={world.facility.id}&month=2026-13")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pilih bulan (misalnya 2026-11)." in page and 'value="2026-13"' in page and 'aria-invalid="true"' in page
    assert client.htmx("GET", f"/reports/dashboard?facility={world.facility.id}&month=x").status_code == 200


def test_a_period_without_data_says_so(client, world):
    login(client, world.manager)
    page = client.get(f"/reports/dashboard?facility={world.facility.id}&month=2020-01").get_data(as_text=True)
    assert "Tidak ada penerimaan, penghuni, atau tindak lanjut pada periode ini." in page
    assert "<svg" not in page
    full = client.get(f"/reports/dashboard?facility={world.facility.id}&month={month(world)}").get_data(as_text=True)
    assert "Tidak ada penerimaan" not in full and "<svg" in full


REPORT_URLS = ["/reports/dashboard?{scope}&month={month}", "/reports/monthly?{scope}&month={month}",
               "/reports/monthly.pdf?{scope}&month={month}", "/reports/monthly.xlsx?{scope}&month={month}",
               "/reports/monthly/sign?{scope}&month={month}"]


@pytest.mark.parametrize("template", REPORT_URLS)
def test_another_facilitys_report_is_a_404_like_a_missing_one(client, world, template):
    login(client, world.outsider)
    elsewhere = client.get(template.format(scope=f"facility={world.facility.id}", month=month(world)))
    missing = client.get(template.format(scope=f"facility={MISSING}", month=month(world)))
    malformed = client.get(template.format(scope="facility=12abc", month=month(world)))
    province = client.get(template.format(scope="", month=month(world)))  # a caseworker: no province report
    assert elsewhere.status_code == missing.status_code == malformed.status_code == province.status_code == 404
    assert page_of(elsewhere) == page_of(missing) == page_of(malformed) == page_of(province)
    own = client.get(template.format(scope=f"facility={world.other.id}", month=month(world)))
    assert own.status_code == (404 if "sign" in template else 200)  # a caseworker does not sign


def test_every_count_on_the_dashboard_opens_its_list(client, world):
    from html import unescape

    login(client, world.manager)
    page = client.get(f"/reports/dashboard?facility={world.facility.id}&month={month(world)}").get_data(as_text=True)
    links = sorted({unescape(href) for href in re.findall(r'<td class="num"[^>]*><a href="([^"]+)"', page)})
    assert len(links) >= 5
    for href in links:
        assert f"facility={world.facility.id}" in href
        assert client.get(href).status_code == 200, href
