"""In Chromium: the resident page's folded "add a family contact" section fetches its form when it is
opened (htmx), and the contact is added without a reload; a refused entry keeps what was typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.extensions import db
from shelter.residents.models import FamilyContact
from tests.conftest import PASSWORD


@pytest.mark.browser
def test_the_contact_form_arrives_when_its_section_opens(make_user, make_facility, make_resident, page,
                                                          browser_login):
    facility = make_facility(name="Panti Uji Kontak")
    user = make_user(roles=("intake_staff",), facilities=[facility])
    resident = make_resident(facility)
    email, resident_id = user.email, resident.id
    db.session.commit()

    browser_login(page, email, PASSWORD)
    page.goto(f"/residents/{resident_id}")
    page.evaluate("window.__marker = 1")
    section = "#family-contacts"
    assert page.locator(f"{section} input[name='contact-name']").count() == 0
    page.click(f"{section} details.add-contact summary")
    expect(page.locator(f"{section} input[name='contact-name']")).to_be_visible()

    page.fill(f"{section} input[name='contact-name']", "Paman Rekaan")
    page.fill(f"{section} input[name='contact-phone']", "12")
    page.click(f"{section} button[type=submit]")
    expect(page.locator(f"{section} .field-error")).to_be_visible()
    expect(page.locator(f"{section} input[name='contact-phone']")).to_have_value("12")

    page.fill(f"{section} input[name='contact-phone']", "0812 5550 199")
    page.click(f"{section} button[type=submit]")
    expect(page.locator(f"{section} table")).to_contain_text("Paman Rekaan")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    db.session.rollback()
    assert db.session.scalars(sa.select(FamilyContact.phone)).all() == ["+628125550199"]
