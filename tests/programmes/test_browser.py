"""In Chromium: a caseworker takes attendance for a session of twenty residents on one page, one click
per resident, without a reload (a marker set in window survives every click); a click for a resident
withdrawn meanwhile says so and changes nothing; after a reload every mark is still there, and the
database holds one mark per resident. The ``page`` fixture fails the
test on console errors or CSP violations."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.extensions import db
from shelter.programmes import service
from shelter.auth.models import User
from shelter.programmes.models import Attendance, Enrollment
from tests.conftest import PASSWORD
# The programme fixtures (panti is what caseworker and make_stay build on).
from tests.programmes.conftest import session_on

MARKS = ("present", "absent", "excused")


@pytest.mark.browser
def test_twenty_residents_marked_on_one_page_and_still_there_after_a_reload(page, browser_login, caseworker,
                                                                              make_programme, make_stay):
    programme = make_programme(capacity=20)
    enrollment_ids = [service.enrol(programme, make_stay().resident, by=caseworker).id for _ in range(20)]
    session_id = session_on(programme, service.local_today()).id
    email, caseworker_id = caseworker.email, caseworker.id
    db.session.commit()
    wanted = {enrollment_id: MARKS[n % 3] for n, enrollment_id in enumerate(enrollment_ids)}

    browser_login(page, email, PASSWORD)
    page.goto(f"/programmes/sessions/{session_id}")
    page.evaluate("window.__marker = 'no reload'")
    expect(page.locator("tr.attendance-row")).to_have_count(20)
    for enrollment_id, status in wanted.items():
        row = page.locator(f"#attendance-{enrollment_id}")
        row.locator(f"button[value={status}]").click()
        # The row comes back from the server with the saved mark.
        expect(page.locator(f"#attendance-{enrollment_id}")).to_have_attribute("data-mark", status)
    # One change of mind: the last click for a resident wins.
    first = enrollment_ids[0]
    page.locator(f"#attendance-{first} button[value=absent]").click()
    expect(page.locator(f"#attendance-{first}")).to_have_attribute("data-mark", "absent")
    wanted[first] = "absent"
    assert page.evaluate("window.__marker") == "no reload"  # twenty-one saves, no navigation

    # Someone withdraws a resident while the page is open: a click for them changes nothing and says why.
    gone = enrollment_ids[-1]
    db.session.rollback()
    service.withdraw(db.session.get(Enrollment, gone), by=db.session.get(User, caseworker_id))
    db.session.commit()
    page.locator(f"#attendance-{gone} button[value=present]").click()
    expect(page.locator("#flash .flash-error")).to_contain_text(re.compile("tidak terdaftar|not enrolled"))
    expect(page.locator(f"#attendance-{gone}")).to_have_attribute("data-mark", wanted[gone])
    assert page.evaluate("window.__marker") == "no reload"

    page.reload()
    assert page.evaluate("window.__marker === undefined")
    for enrollment_id, status in wanted.items():
        row = page.locator(f"#attendance-{enrollment_id}")
        expect(row).to_have_attribute("data-mark", status)
        if enrollment_id != gone:  # the withdrawn resident's mark stays, without buttons
            expect(row.locator(f"button[value={status}]")).to_have_attribute("aria-pressed", "true")

    db.session.rollback()  # see what the live server committed
    saved = dict(db.session.execute(sa.select(Attendance.enrollment_id, Attendance.status)
                                    .where(Attendance.session_id == session_id)).all())
    assert saved == wanted
