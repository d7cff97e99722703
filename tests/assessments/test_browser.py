"""In Chromium: on a resident's page the case file loads by itself; a caseworker adds a case note
without a reload, a note over the limit comes back with its message and the typed text, and the page
raises no console error or CSP violation (the ``page`` fixture fails the test otherwise)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD


@pytest.mark.browser
def test_caseworker_adds_a_case_note_without_reload(page, browser_login, world):
    resident_id, email = world.resident.id, world.caseworker.email
    browser_login(page, email, PASSWORD)
    page.goto(f"/residents/{resident_id}")
    page.evaluate("window.__marker = 'no reload'")
    notes = page.locator("#case-file #case-notes")
    expect(notes.locator(".empty")).to_be_visible()
    notes.locator("details.add-note summary").click()

    too_long = "a" * 4001
    notes.locator("textarea[name=body]").fill(too_long)
    notes.locator("button[type=submit]").click()
    expect(page.locator("#case-notes .field-error")).to_be_visible()
    expect(page.locator("#case-notes textarea[name=body]")).to_have_value(too_long)
    expect(page.locator("#case-notes ol.notes")).to_have_count(0)

    page.locator("#case-notes textarea[name=body]").fill("Kunjungan pertama; penghuni tenang.")
    page.locator("#case-notes select[name=kind]").select_option("visit")
    page.locator("#case-notes button[type=submit]").click()
    expect(page.locator("#case-notes ol.notes .note")).to_have_count(1)
    expect(page.locator("#case-notes ol.notes .note-body")).to_have_text("Kunjungan pertama; penghuni tenang.")
    expect(page.locator("#flash .flash-success")).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"
