"""In Chromium: an admin logs in, switches to English, adds 40 beds to a room through the htmx bulk
form, then edits and deletes a bed inline. The page is never reloaded (a marker set in window survives), the database has the beds,
and the browser reports no console errors or CSP violations (the ``page`` fixture checks)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.extensions import db
from shelter.facilities.models import Bed
from tests.conftest import PASSWORD


def _beds(room_id: int) -> list[Bed]:
    db.session.rollback()  # see what the live server committed
    return list(db.session.scalars(sa.select(Bed).where(Bed.room_id == room_id).order_by(Bed.label)))


@pytest.mark.browser
def test_add_forty_beds_then_edit_and_delete_one_without_reloading(admin, make_facility, make_room, page,
                                                                     browser_login):
    facility = make_facility(name="Panti Uji Peramban")
    room = make_room(facility=facility, name="Kamar Mawar")
    email, facility_id, room_id = admin.email, facility.id, room.id
    db.session.commit()

    browser_login(page, email, PASSWORD)
    # The walk in one test: log in, switch the language, add beds through the htmx form.
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.click("form.language-form button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/facilities/{facility_id}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.evaluate("window.__marker = 1")
    section = f"#room-{room_id}"
    assert page.locator(f"{section} tr.bed-row").count() == 0

    # The bulk form: A-01 … A-40 in one submit.
    page.click(f"{section} details.add-beds summary")
    page.fill(f"#room{room_id}-label_prefix", "A-")
    page.fill(f"#room{room_id}-first_number", "1")
    page.fill(f"#room{room_id}-count", "40")
    page.fill(f"#room{room_id}-pad_width", "2")
    page.check(f"#room{room_id}-wheelchair_accessible")
    page.click(f"{section} form.bulk-beds button[type=submit]")
    # (a locator, not wait_for_function: a string predicate needs eval, which the CSP blocks)
    expect(page.locator(f"{section} tr.bed-row")).to_have_count(40)

    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    rows = page.locator(f"{section} tr.bed-row th")
    assert rows.first.inner_text() == "A-01" and rows.last.inner_text() == "A-40"
    assert page.locator("#flash .flash-success").count() == 1
    beds = _beds(room_id)
    assert [b.label for b in beds] == [f"A-{n:02d}" for n in range(1, 41)]
    assert all(b.wheelchair_accessible for b in beds)
    first_id, last_id = beds[0].id, beds[-1].id

    # A clash is refused next to the field, nothing is added, and the form keeps what was typed.
    page.click(f"{section} details.add-beds summary")
    page.fill(f"#room{room_id}-label_prefix", "A-")
    page.fill(f"#room{room_id}-first_number", "39")
    page.fill(f"#room{room_id}-count", "5")
    page.click(f"{section} form.bulk-beds button[type=submit]")
    page.wait_for_selector(f"#err-room{room_id}-first_number")
    assert "A-39, A-40" in page.inner_text(f"#err-room{room_id}-first_number")
    assert page.input_value(f"#room{room_id}-count") == "5"
    assert len(_beds(room_id)) == 40

    # Inline edit of one row: put A-01 out of service.
    page.click(f"#bed-{first_id} a[hx-get$='/edit']")
    page.wait_for_selector(f"#bed-{first_id}.editing")
    page.check(f"#bed{first_id}-out_of_service")
    page.fill(f"#bed{first_id}-out_of_service_reason", "Kasur rusak")
    page.fill(f"#bed{first_id}-out_of_service_since", "2026-03-01")
    page.click(f"#bed-{first_id} button[type=submit]")
    page.wait_for_selector(f"#bed-{first_id}:not(.editing) .badge-danger")
    assert "Kasur rusak" in page.inner_text(f"#bed-{first_id}")
    assert _beds(room_id)[0].out_of_service_reason == "Kasur rusak"

    # Delete the last bed after confirming; the row goes and the room's count follows.
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#bed-{last_id} form[hx-post$='/delete'] button")
    page.wait_for_selector(f"#bed-{last_id}", state="detached")
    assert "39" in page.inner_text(f"#room-{room_id}-count")
    assert len(_beds(room_id)) == 39
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


@pytest.mark.browser
def test_a_bed_with_history_stays_and_the_reason_is_shown(admin, make_facility, make_room, make_bed, page,
                                                           browser_login):
    from datetime import datetime, timedelta, timezone

    from shelter.stays.models import BedHold

    room = make_room(facility=make_facility(), name="Kamar Riwayat")
    bed = make_bed(room=room, label="H-01")
    now = datetime.now(timezone.utc)
    db.session.add(BedHold(bed_id=bed.id, reason="Rujukan", created_at=now - timedelta(days=3),
                           expires_at=now - timedelta(days=2), released_at=now - timedelta(days=2),
                           release_reason="expired"))
    email, facility_id, room_id, bed_id = admin.email, room.facility_id, room.id, bed.id
    db.session.commit()

    browser_login(page, email, PASSWORD)
    # The walk in one test: log in, switch the language, add beds through the htmx form.
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.click("form.language-form button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/facilities/{facility_id}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.evaluate("window.__marker = 1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#bed-{bed_id} form[hx-post$='/delete'] button")

    expect(page.locator("#flash .flash-error")).to_contain_text("H-01")
    expect(page.locator(f"#bed-{bed_id}")).to_have_count(1)
    assert page.evaluate("window.__marker") == 1
    assert [b.label for b in _beds(room_id)] == ["H-01"]
