"""In Chromium: a case manager chooses a resident's caseworker on the resident page (htmx, no reload), finds
the new resident counted for that caseworker on the home page, filters the worklist to them (htmx, the
address follows), and the caseworker's own home page lists the first assessment due. The ``page`` fixture
fails the test on console errors or CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_assign_a_caseworker_and_follow_the_work_on_the_worklists(page, browser_login, populate, admit, manager_a,
                                                                   caseworker_a):
    populate(4)
    stay = admit(full_name="Dewi Baru Datang")
    manager, caseworker, resident_id = manager_a.email, caseworker_a.email, stay.resident_id

    browser_login(page, manager, PASSWORD)
    page.goto(f"/residents/{resident_id}")
    page.evaluate("window.__marker = 'no reload'")
    panel = page.locator("#caseworker")
    expect(panel.locator(".empty")).to_be_visible()
    panel.locator("summary").click()  # the choice is fetched when the fold is opened
    panel.locator("select[name='cw-caseworker']").select_option(str(caseworker_a.id))
    panel.locator("button[type=submit]").click()
    expect(page.locator("#caseworker")).to_contain_text("Ani Pekerja")
    expect(page.locator("#caseworker .empty")).to_have_count(0)
    expect(page.locator("#flash .flash-success")).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"

    page.goto("/")
    worklist = page.locator("#worklist")
    expect(worklist).to_contain_text("Dewi Baru Datang")
    page.evaluate("window.__marker = 'no reload'")
    worklist.locator(f"table.worklist-counts a[href='/?caseworker={caseworker_a.id}']").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?caseworker={caseworker_a.id}")
    expect(page.locator("#worklist .worklist-filter")).to_contain_text("Ani Pekerja")
    expect(page.locator("#worklist")).to_contain_text("Dewi Baru Datang")
    expect(page.locator("#worklist")).not_to_contain_text("Penghuni Rekaan 001")  # caseworker a2's
    assert page.evaluate("window.__marker") == "no reload"

    page.locator("form[action='/logout'] button").click()
    browser_login(page, caseworker, PASSWORD)
    page.goto("/")
    mine = page.locator("#worklist")
    expect(mine.locator(f"a[href='/assessments/stays/{stay.id}/new']")).to_contain_text("Dewi Baru Datang")
    expect(mine).not_to_contain_text("Penghuni Rekaan 001")
