"""In Chromium: a facility manager adds a capacity rule, gets an error next to the field for a bad
threshold, and switches the rule off, all without a reload. The ``page`` fixture (borrowed from
tests/browser) fails the test on console errors or CSP violations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.alerts.models import CapacityRule
from shelter.extensions import db
from tests.conftest import PASSWORD


@pytest.mark.browser
def test_manager_adds_and_switches_off_a_rule_without_a_reload(page, browser_login, ward, manager, tmp_path):
    facility, _ = ward
    facility_id, email, manager_id = facility.id, manager.email, manager.id
    db.session.commit()

    browser_login(page, email, PASSWORD)
    page.goto("/alerts/")
    page.click(f"a[href='/alerts/facilities/{facility_id}']")
    page.evaluate("window.__marker = 'no reload'")

    page.fill("#max_free_beds", "-3")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#err-max_free_beds")).to_be_visible()
    expect(page.locator("#max_free_beds")).to_have_value("-3")

    page.fill("#max_free_beds", "2")
    page.check(f"#rule-form input[name=recipients][value='{manager_id}']")
    page.click("#rule-form button[type=submit]")
    expect(page.locator("#capacity-rules tbody tr")).to_have_count(1)
    expect(page.locator("#max_free_beds")).to_have_value("")  # a fresh form for the next rule
    page.screenshot(path=str(tmp_path / "alerts.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#capacity-rules button.danger")
    expect(page.locator("#capacity-rules form[action$='/activate']")).to_have_count(1)
    assert page.evaluate("window.__marker") == "no reload"

    db.session.rollback()
    [rule] = db.session.scalars(sa.select(CapacityRule)).unique().all()
    assert (rule.max_free_beds, rule.active, [u.id for u in rule.recipients]) == (2, False, [manager_id])
