"""In Chromium: a caseworker opens "My follow-ups", records today's call with "concerns" in the inline
form (htmx, no reload), and the case manager then sees it flagged in the facility list and on the
resident's page, where the section loads by itself. The ``page`` fixture fails the test on console
errors or CSP violations."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.db import utcnow
from shelter.extensions import db
from shelter.followups.models import FollowUp
from tests.conftest import PASSWORD
from tests.followups.conftest import admit_and_discharge


@pytest.mark.browser
def test_caseworker_records_concerns_and_the_case_manager_sees_the_flag(page, browser_login, world):
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                               caseworker=world["caseworker"], at=utcnow() - timedelta(days=7))
    item = db.session.scalar(sa.select(FollowUp).where(FollowUp.stay_id == stay.id, FollowUp.step == 1))
    item_id, resident_id = item.id, stay.resident_id
    caseworker, manager = world["caseworker"].email, world["manager"].email
    db.session.commit()

    browser_login(page, caseworker, PASSWORD)
    page.goto("/follow-ups/mine")
    page.evaluate("window.__marker = 'no reload'")
    row = page.locator(f"#followups-today #followup-{item_id}")
    expect(row).to_contain_text("Siti Rahmawati Contoh")
    row.locator("summary").click()
    row.locator(f"input[name='f{item_id}-status'][value=done]").check()
    row.locator(f"select[name='f{item_id}-method']").select_option("home_visit")
    row.locator(f"input[name='f{item_id}-outcome'][value=concerns]").check()
    row.locator(f"textarea[name='f{item_id}-notes']").fill("Ayah kembali minum; anak takut pulang.")
    row.locator("button[type=submit].primary").click()
    saved = page.locator(f"#followup-{item_id}")
    expect(saved).to_have_class("followup followup-flagged")
    expect(saved.locator("details")).to_have_count(0)
    expect(page.locator("#flash .flash-success")).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"

    page.locator("form[action='/logout'] button").click()
    browser_login(page, manager, PASSWORD)
    page.goto("/follow-ups/")
    flagged = page.locator(f"#followup-{item_id}")
    expect(flagged).to_have_class("followup followup-flagged")
    expect(flagged.locator(".badge-danger")).to_have_count(1)
    expect(page.locator("h1 .badge-danger")).to_be_visible()

    page.goto(f"/residents/{resident_id}")
    section = page.locator("#followups")
    expect(section.locator(f"#followup-{item_id}")).to_have_class("followup followup-flagged")
    section.locator(f"#followup-{item_id} form[action$='/acknowledge'] button").click()
    expect(section.locator(f"#followup-{item_id}")).to_have_class("followup")

    db.session.rollback()  # see what the live server committed
    item = db.session.get(FollowUp, item_id)
    assert (item.status, item.outcome, item.method) == ("done", "concerns", "home_visit")
    assert item.acknowledged_at is not None
