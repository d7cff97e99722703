"""In Chromium, the issue's two walks: a case manager records a referral from a police PPA officer for a
woman with two children, finds the panti's family room and offers it; the panti's intake staff see it in
their inbox and (a) accept: the woman and both children are admitted into the held beds in one step and
the referral's history shows every step with its time; or (b) decline with a reason: the case manager
reads the reason on the referral's page, the holds are gone and the beds are free on the board."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.extensions import db
from tests.conftest import PASSWORD
from tests.referrals.conftest import case_manager, family_panti, intake_of, make_partner  # noqa: F401 (fixtures)


@pytest.fixture
def scene(make_partner, case_manager, family_panti, intake_of):
    partner = make_partner(name="Unit PPA Polda Metro Jaya Rekaan")
    intake = intake_of(family_panti, full_name="Petugas Intake Rekaan")
    family_beds = [b.id for b in family_panti.test_beds[:3]]
    values = {"partner_id": partner.id, "case_manager": case_manager.email, "intake": intake.email,
              "panti_id": family_panti.id, "family_beds": family_beds, "case_manager_id": case_manager.id}
    db.session.commit()
    return values


def log_out(page) -> None:
    with page.expect_navigation():
        page.click("form[action$='/logout'] button")


def record_and_offer(page, browser_login, scene) -> int:
    """As the case manager: record the call, find a bed, offer the panti. Returns the referral's id."""
    browser_login(page, scene["case_manager"], PASSWORD)
    page.click("nav.mainnav a[href$='/referrals/']")
    page.click("a[href$='/referrals/new']")
    page.select_option("#partner_id", str(scene["partner_id"]))
    page.fill("#partner_reference", "LP/B/1234/XII/2026")
    page.check("input[name=urgency][value=emergency]")
    page.fill("#officer_name", "Bripka Sari Rekaan")
    page.fill("#officer_phone", "0812 5550 1234")
    page.check("input[name=sex][value=female]")
    page.fill("#age", "31")
    page.fill("#children-0-age", "4")
    page.select_option("#children-0-sex", "male")
    page.fill("#children-1-age", "7")
    page.select_option("#children-1-sex", "female")
    page.check("input[name=consent_by][value=person]")
    page.check("input[name=consent_method][value=phone]")
    page.fill("#summary", "Korban KDRT dengan dua anak, perlu tempat malam ini.")
    page.click("#referral-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    referral_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#status")).to_contain_text("Diterima")

    page.click(f"a[href$='/referrals/{referral_id}/placement']")
    facility = page.locator(f"#facility-{scene['panti_id']}")
    expect(facility).to_contain_text("Panti Bakti Rekaan")
    with page.expect_navigation():
        facility.locator("button[type=submit]").click()
    expect(page.locator("#status")).to_contain_text("Ditawarkan")
    expect(page.locator("#offers")).to_contain_text("Panti Bakti Rekaan")
    log_out(page)
    return referral_id


def open_the_offer(page, browser_login, scene, referral_id) -> None:
    browser_login(page, scene["intake"], PASSWORD)
    expect(page.locator("#menu-offers-count")).to_have_text("1")
    page.click("nav.mainnav a[href$='/referrals/offers/']")
    page.click(f"text=Rujukan R-{referral_id}")
    expect(page.locator("h1")).to_contain_text(f"R-{referral_id}")
    expect(page.locator("main")).to_contain_text("Bripka Sari Rekaan")
    expect(page.locator(".held-beds li")).to_have_count(3)


@pytest.mark.browser
def test_a_police_referral_is_offered_accepted_and_the_family_admitted_in_one_step(page, browser_login, scene):
    from shelter.referrals.models import Referral
    from shelter.residents.models import Resident
    from shelter.stays.models import BedAssignment, Stay

    referral_id = record_and_offer(page, browser_login, scene)
    open_the_offer(page, browser_login, scene, referral_id)
    page.fill("#name", "Siti Rekaan Peramban")
    page.fill("#children-0", "Budi Rekaan Peramban")
    page.fill("#children-1", "Ani Rekaan Peramban")
    page.click("#accept button[type=submit]")
    expect(page).to_have_url(re.compile(r"/residents/\d+$"))
    expect(page.locator("#flash")).to_contain_text(f"Rujukan R-{referral_id} diterima")
    assert "Siti" not in page.inner_text("#flash")

    db.session.rollback()  # see what the live server committed
    referral = db.session.get(Referral, referral_id)
    assert referral.status == "placed" and referral.placed_facility_id == scene["panti_id"]
    beds = db.session.scalars(sa.select(BedAssignment.bed_id).join(Stay, Stay.id == BedAssignment.stay_id)
                              .where(BedAssignment.ended_at.is_(None), Stay.discharged_at.is_(None))).all()
    assert sorted(beds) == sorted(scene["family_beds"])
    mother = db.session.get(Resident, referral.resident_id)
    assert mother.full_name == "Siti Rekaan Peramban"
    children = db.session.scalars(sa.select(Resident).where(Resident.guardian_id == mother.id)).all()
    assert sorted(c.full_name for c in children) == ["Ani Rekaan Peramban", "Budi Rekaan Peramban"]
    log_out(page)

    browser_login(page, scene["case_manager"], PASSWORD)
    page.goto(f"/referrals/{referral_id}")
    expect(page.locator("#status")).to_contain_text("Ditempatkan")
    steps = page.locator("#history li")
    expect(steps).to_have_count(4)
    texts = steps.all_inner_texts()
    steps_seen = ("Rujukan diterima", "Ditawarkan ke fasilitas", "Diterima fasilitas", "Masuk ke tempat tidur")
    for text, step in zip(texts, steps_seen):
        assert step in text and re.search(r"\d{2}\.\d{2} WIB", text), text
    assert "Petugas Intake Rekaan" in texts[2] and "Manajer Kasus Uji" in texts[1]


@pytest.mark.browser
def test_a_declined_offer_returns_with_its_reason_and_frees_the_beds(page, browser_login, scene):
    from shelter.stays.models import BedHold

    referral_id = record_and_offer(page, browser_login, scene)
    open_the_offer(page, browser_login, scene, referral_id)
    page.select_option("#decline select[name=reason]", "needs_medical_care")
    page.fill("#decline input[name=note]", "Anak demam tinggi, ke RS dulu")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#decline button[type=submit]")
    expect(page.locator("#flash")).to_contain_text("Tawaran ditolak")
    expect(page.locator(".offer-inbox")).to_have_count(0)

    page.goto("/board/")
    for bed_id in scene["family_beds"]:
        expect(page.locator(f"#bed-{bed_id}")).to_have_attribute("data-status", "available")
    db.session.rollback()
    assert db.session.scalars(sa.select(BedHold).where(BedHold.released_at.is_(None))).all() == []
    log_out(page)

    browser_login(page, scene["case_manager"], PASSWORD)
    page.goto(f"/referrals/{referral_id}")
    expect(page.locator("#status")).to_contain_text("Diterima")
    notice = page.locator("#last-decline")
    expect(notice).to_contain_text("Panti Bakti Rekaan")
    expect(notice).to_contain_text("Perlu perawatan medis lebih dulu")
    expect(notice).to_contain_text("Anak demam tinggi, ke RS dulu")
    expect(page.locator("#history")).to_contain_text("Ditolak")
