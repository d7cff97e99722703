"""In Chromium: an admin resends a failed SMS and (after ticking the box) one whose fate is unknown,
without a page reload; a user sets their phone, is told in place when it is wrong, then saves it.
The ``page`` fixture fails the test on console errors or CSP violations."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.auth.models import User
from shelter.extensions import db
from shelter.notifications import service
from shelter.notifications.models import OutboundMessage
from tests.conftest import PASSWORD


def _message(key: str, status: str) -> int:
    message = service.enqueue(to="+628125550101", body="2 kunjungan lanjutan jatuh tempo hari ini — buka Shelter",
                              dedupe_key=key, purpose="followup.reminder")
    message.status, message.last_error = status, "21211" if status == "failed" else "read_timeout"
    db.session.commit()
    return message.id


@pytest.mark.browser
def test_admin_resends_failed_and_unknown_messages_in_place(page, browser_login, admin):
    failed_id, unknown_id = _message("b:1", "failed"), _message("b:2", "unknown")
    email = admin.email
    db.session.commit()

    browser_login(page, email, PASSWORD)
    page.goto("/admin/outbox")
    page.evaluate("window.__marker = 'no reload'")

    page.locator(f"#sms-{failed_id} button[type=submit]").click()
    expect(page.locator(f"#sms-{failed_id}")).to_contain_text(re.compile(r"#\d+"))  # resent as #n
    expect(page.locator(f"#sms-{failed_id} form")).to_have_count(0)
    expect(page.locator("#flash .flash-success")).to_be_visible()

    unknown = page.locator(f"#sms-{unknown_id}")
    unknown.locator("button[type=submit]").click()
    expect(page.locator("#flash .flash-error")).to_be_visible()
    expect(page.locator(f"#sms-{unknown_id} form")).to_have_count(1)
    page.locator(f"#sms-{unknown_id} input[type=checkbox]").check()
    page.locator(f"#sms-{unknown_id} button[type=submit]").click()
    expect(page.locator(f"#sms-{unknown_id} form")).to_have_count(0)
    assert page.evaluate("window.__marker") == "no reload"

    db.session.rollback()
    copies = db.session.scalars(sa.select(OutboundMessage).where(OutboundMessage.resend_of_id.is_not(None)))
    assert sorted((c.resend_of_id, c.status) for c in copies) == [(failed_id, "queued"), (unknown_id, "queued")]


@pytest.mark.browser
def test_a_user_sets_their_phone_with_the_error_shown_in_place(page, browser_login, make_user):
    user = make_user()
    user_id, email = user.id, user.email
    db.session.commit()

    browser_login(page, email, PASSWORD)
    page.goto("/account/sms")
    page.fill("input[name=phone]", "0812-ABC")
    page.click("#sms-preferences button[type=submit]")
    expect(page.locator("#err-phone")).to_contain_text("Masukkan nomor telepon yang valid")
    expect(page.locator("input[name=phone]")).to_have_value("0812-ABC")

    page.fill("input[name=phone]", "0812 5550 1234")
    page.click("#sms-preferences button[type=submit]")
    expect(page.locator("#flash .flash-success")).to_be_visible()
    expect(page.locator("#err-phone")).to_have_count(0)
    db.session.rollback()
    assert db.session.get(User, user_id).phone == "+6281255501234"
