"""In Chromium, the issue's acceptance path: a caseworker writes an assessment and builds a
rehabilitation plan with three goals (added inline, no reload), a case manager approves it, and
30 days later (the clock moved) a review marks one goal achieved; the plan's history shows both versions.

Moving the clock: the live server runs in this test's process (a thread), so ``time_machine`` moves
the server's clock as well as ours. The server-side session then ends (idle and age limits), so the
caseworker logs in again after the move, as anyone would after a month. Chromium keeps its own clock
(cookies expire by real time), which does not matter here.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from shelter.db import utcnow
from shelter.extensions import db
from shelter.plans.models import RehabilitationPlan
from tests.conftest import PASSWORD


def _plan(stay_id: int) -> RehabilitationPlan | None:
    db.session.rollback()  # see what the live server committed
    return db.session.scalar(sa.select(RehabilitationPlan).where(RehabilitationPlan.stay_id == stay_id))


def _log_out(page) -> None:
    with page.expect_navigation():
        page.click("form[action$='/logout'] button[type=submit]")


GOALS = [
    ("family", "Kembali tinggal bersama ibunya", 60),
    ("therapy", "Tidur nyenyak, cemas berkurang", 45),
    ("vocational", "Menerima pesanan jahitan sendiri", 90),
]


@pytest.mark.browser
def test_assessment_plan_approval_and_a_review_thirty_days_later(app, make_facility, make_room, make_bed, make_user,
                                                                 make_resident, page, browser_login):
    from shelter.stays.models import Stay

    facility = make_facility(name="Panti Uji Rencana")
    caseworker = make_user(roles=("caseworker",), facilities=[facility], full_name="Sari Pekerja Sosial",
                           email="sari@example.org")
    manager = make_user(roles=("case_manager",), facilities=[facility], full_name="Budi Manajer Kasus",
                        email="budi@example.org")
    caseworker.locale = manager.locale = "en"  # English wording in the assertions below
    resident = make_resident(facility, full_name="Penghuni Rekaan Rencana")
    stay = Stay(resident_id=resident.id, facility_id=facility.id, admitted_at=utcnow() - timedelta(days=5),
                caseworker_id=caseworker.id)
    db.session.add(stay)
    db.session.commit()
    stay_id, resident_id, caseworker_id = stay.id, resident.id, caseworker.id

    # The caseworker writes the first assessment (the assessments pages).
    browser_login(page, caseworker.email, PASSWORD)
    page.goto(f"/assessments/stays/{stay_id}/new")
    page.fill("#safety", "Aman di panti; pelaku tidak tahu lokasi.")
    page.fill("#family", "Ibu kandung bersedia menerima.")
    with page.expect_navigation():
        page.click("form.assessment-form button[type=submit]")
    assert re.search(r"/assessments/\d+$", page.url), page.url

    # From the resident page (its plan section loads by itself), start the plan.
    page.goto(f"/residents/{resident_id}")
    start = page.locator("#plans-section form[action$='/start'] button[type=submit]")
    expect(start).to_be_visible()
    with page.expect_navigation():
        start.click()
    plan_id = _plan(stay_id).id
    assert page.url.endswith(f"/plans/{plan_id}")

    # Three goals, added inline: the page is not reloaded.
    page.evaluate("window.__marker = 1")
    target_date = (utcnow() + timedelta(days=1)).date()
    for n, (domain, description, days) in enumerate(GOALS, start=1):
        page.select_option("#new-domain", domain)
        page.fill("#new-description", description)
        page.fill("#new-interventions", "Pendampingan mingguan")
        page.select_option("#new-responsible_id", str(caseworker_id))
        page.fill("#new-target_date", (target_date + timedelta(days=days)).isoformat())
        page.click("#goal-add button[type=submit]")
        expect(page.locator("#goal-list .plan-goal")).to_have_count(n)
        expect(page.locator("#new-description")).to_have_value("")
    # A target date in the past is refused next to the field; what was typed stays; nothing is added.
    page.select_option("#new-domain", "legal")
    page.fill("#new-description", "Pendampingan hukum")
    page.fill("#new-target_date", "2020-01-01")
    page.click("#goal-add button[type=submit]")
    expect(page.locator("#err-new-target_date")).to_have_text("The target date cannot be in the past.")
    expect(page.locator("#new-description")).to_have_value("Pendampingan hukum")
    expect(page.locator("#goal-list .plan-goal")).to_have_count(3)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert [g.description for g in _plan(stay_id).goals] == [d for _, d, _ in GOALS]

    with page.expect_navigation():
        page.click("#plan-status form[action$='/submit'] button")
    expect(page.locator("[data-plan-status]")).to_have_attribute("data-plan-status", "submitted")
    _log_out(page)

    # The case manager approves.
    browser_login(page, manager.email, PASSWORD)
    page.goto(f"/plans/{plan_id}")
    with page.expect_navigation():
        page.click("#plan-status form[action$='/approve'] button")
    expect(page.locator("[data-plan-status]")).to_have_attribute("data-plan-status", "approved")
    expect(page.locator("#version-1 h3")).to_contain_text("Version 1 (approved")
    plan = _plan(stay_id)
    approved_on = plan.schedule_from
    assert plan.approved_by_id == manager.id
    _log_out(page)

    # Thirty days later: the review is due; the caseworker records it and marks the first goal achieved.
    with time_machine.travel(utcnow() + timedelta(days=30), tick=True):
        browser_login(page, caseworker.email, PASSWORD)
        page.goto(f"/plans/{plan_id}")
        expect(page.locator("#plan-status .badge-danger")).to_be_visible()  # review due
        with page.expect_navigation():
            page.click("#plan-status a[href$='/review']")
        expect(page.locator("#reviewed_on")).to_have_value((approved_on + timedelta(days=30)).isoformat())
        page.select_option("#goals-0-status", "achieved")
        page.fill("#goals-0-note", "Sudah tinggal bersama ibunya pada akhir pekan")
        page.select_option("#goals-1-status", "in_progress")
        page.fill("#summary", "Konferensi kasus bersama ibu dan tim")
        with page.expect_navigation():
            page.click("form.plan-review-form button[type=submit]")

        assert page.url.endswith(f"/plans/{plan_id}")
        history = page.locator("#plan-history")
        expect(history.locator("#version-2 h3")).to_contain_text("Version 2 (review")
        expect(history.locator("#version-1 h3")).to_contain_text("Version 1 (approved")
        expect(history.locator("#version-2 .version-changes")).to_contain_text("Goal 1, status: Planned → Achieved")
        expect(page.locator("#goal-list .plan-goal").first.locator("[data-goal-status]")).to_have_attribute(
            "data-goal-status", "achieved")

    plan = _plan(stay_id)
    assert [(v.number, v.kind) for v in plan.versions] == [(1, "approval"), (2, "review")]
    assert plan.versions[1].effective_on == approved_on + timedelta(days=30)
    assert plan.versions[0].snapshot["goals"][0]["status"] == "planned"
    assert [g.status for g in plan.goals] == ["achieved", "in_progress", "planned"]
