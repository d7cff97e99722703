"""Placement and the receiving facility's answers, through the pages: offer from find-a-bed, the inbox
seen only by the receiving facility, accept in one step, decline with a reason, and the loser of a race."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.referrals import service
from shelter.referrals.models import Offer, Referral
from shelter.stays import service as stays
from shelter.stays.forms import to_local_input
from shelter.stays.models import BedHold, Stay
from tests.conftest import login, page_of
from tests.referrals.conftest import deadline


def client_of(app, user):
    """A client logged in as this user (a logged-in client keeps its user when it logs in again)."""
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def wib(moment) -> str:
    return to_local_input(moment).strftime("%Y-%m-%dT%H:%M")


def family(make_referral, case_manager):
    return make_referral(by=case_manager, children=[(4, "male"), (7, "female")])


def offered(make_referral, case_manager, panti):
    referral = family(make_referral, case_manager)
    offer = service.offer(referral, panti, by=case_manager, respond_by=deadline())
    db.session.commit()
    return referral, offer


def test_placement_lists_the_family_room_and_an_offer_holds_its_beds(client, login_as, case_manager, family_panti,
                                                                    make_referral, app):
    referral = family(make_referral, case_manager)
    login_as(case_manager)
    page = client.get(f"/referrals/{referral.id}/placement").get_data(as_text=True)
    assert f'id="facility-{family_panti.id}"' in page and "Panti Bakti Rekaan" in page
    assert "Kamar Keluarga" not in page  # outside the case manager's facilities: counts only

    past = client.post(f"/referrals/{referral.id}/offer", data={
        "facility_id": str(family_panti.id), "respond_by": wib(utcnow() - timedelta(hours=1)), "note": "Segera"})
    html = past.get_data(as_text=True)
    assert past.status_code == 422
    assert 'id="err-respond_by-%d"' % family_panti.id in html and "Batas waktu ini sudah lewat" in html
    assert 'value="Segera"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Offer)) == 0

    ok = client.post(f"/referrals/{referral.id}/offer", data={
        "facility_id": str(family_panti.id), "respond_by": wib(utcnow() + timedelta(hours=3))})
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/referrals/{referral.id}")
    db.session.rollback()
    offer = db.session.scalars(sa.select(Offer)).one()
    assert len(offer.hold_links) == 3 and stays.free_beds_in_facility(family_panti.id) == 1
    again = client.post(f"/referrals/{referral.id}/offer", data={
        "facility_id": str(family_panti.id), "respond_by": wib(utcnow() + timedelta(hours=3))})
    assert again.status_code == 409 and "sudah ditawarkan ke fasilitas ini" in again.get_data(as_text=True)


def test_the_inbox_shows_the_offer_to_the_receiving_facility_only(app, case_manager, family_panti, make_referral,
                                                                 intake_of, make_facility):
    referral, offer = offered(make_referral, case_manager, family_panti)
    client = client_of(app, intake_of(make_facility(name="Panti Lain Rekaan")))
    assert f'id="inbox-offer-{offer.id}"' not in client.get("/referrals/offers/").get_data(as_text=True)
    missing = client.get("/referrals/offers/2000000000")
    other = client.get(f"/referrals/offers/{offer.id}")
    assert other.status_code == 404 and page_of(other) == page_of(missing)
    assert client.post(f"/referrals/offers/{offer.id}/decline", data={"reason": "other", "note": "x"}).status_code \
        == 404
    assert client.get(f"/referrals/{referral.id}").status_code == 404  # intake staff are not the desk

    client = client_of(app, intake_of(family_panti))
    assert 'id="menu-offers-count"' in client.get("/").get_data(as_text=True)  # filled after the page loads
    counts = client.get("/referrals/menu-counts", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(r'id="menu-offers-count" hx-swap-oob="true"><span[^>]*>1<', counts)
    assert "menu-referrals-count" not in counts  # intake staff are not the referral desk
    inbox = client.get("/referrals/offers/").get_data(as_text=True)
    assert f"/referrals/offers/{offer.id}" in inbox
    page = client.get(f"/referrals/offers/{offer.id}").get_data(as_text=True)
    assert "Bripka Sari Rekaan" in page and "Korban KDRT" in page and "K1" in page
    assert "Kantor Dinas Rekaan" not in page  # the case manager's own facility is not this facility's business


def test_accepting_admits_the_person_and_both_children_into_the_held_beds(client, login_as, case_manager,
                                                                         family_panti, make_referral, intake_of):
    referral, offer = offered(make_referral, case_manager, family_panti)
    holds = [link.hold_id for link in offer.hold_links]
    login_as(intake_of(family_panti))
    empty = client.post(f"/referrals/offers/{offer.id}/accept", data={
        "person": "new", "name": "", "children-0": "Budi Rekaan", "children-1": "Ani Rekaan"})
    assert empty.status_code == 422 and 'id="err-name"' in empty.get_data(as_text=True)
    assert 'value="Budi Rekaan"' in empty.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 0

    done = client.post(f"/referrals/offers/{offer.id}/accept", data={
        "person": "new", "name": "Siti Rekaan", "children-0": "Budi Rekaan", "children-1": "Ani Rekaan"})
    assert done.status_code == 302
    db.session.rollback()
    placed = db.session.get(Referral, referral.id)
    assert placed.status == "placed" and done.headers["Location"].endswith(f"/residents/{placed.resident_id}")
    stays_now = list(db.session.scalars(sa.select(Stay).order_by(Stay.id)))
    assert len(stays_now) == 3
    assert all(db.session.get(BedHold, h).release_reason == "used" for h in holds)
    flashed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Rujukan R-{referral.id} diterima" in flashed


def test_declining_needs_a_reason_frees_the_beds_and_tells_the_case_manager(app, case_manager, family_panti,
                                                                           make_referral, intake_of):
    referral, offer = offered(make_referral, case_manager, family_panti)
    client = client_of(app, intake_of(family_panti))
    bare = client.post(f"/referrals/offers/{offer.id}/decline", data={"reason": "other", "note": ""})
    assert bare.status_code == 422 and 'id="err-note"' in bare.get_data(as_text=True)
    assert stays.free_beds_in_facility(family_panti.id) == 1
    declined = client.post(f"/referrals/offers/{offer.id}/decline",
                           data={"reason": "safety_conflict", "note": "Pelaku kenal penghuni"})
    assert declined.status_code == 302
    assert stays.free_beds_in_facility(family_panti.id) == 4
    page = client_of(app, case_manager).get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert 'id="last-decline"' in page and "Konflik keamanan dengan penghuni" in page
    assert "Pelaku kenal penghuni" in page


def test_the_second_facility_to_accept_is_told_it_was_placed_elsewhere(app, case_manager, family_panti, make_referral,
                                                                      intake_of, make_facility, make_room, make_bed):
    other = make_facility(name="Panti Kedua Rekaan")
    room = make_room(other, sex="mixed_family", age_group="mother_with_children")
    for label in ("D1", "D2", "D3"):
        make_bed(room, label=label)
    referral, first = offered(make_referral, case_manager, family_panti)
    second = service.offer(referral, other, by=case_manager, respond_by=deadline())
    db.session.commit()
    second_id, second_holds = second.id, [link.hold_id for link in second.hold_links]
    assert client_of(app, intake_of(family_panti)).post(f"/referrals/offers/{first.id}/accept", data={
        "name": "Siti Rekaan", "children-0": "Budi Rekaan", "children-1": "Ani Rekaan"}).status_code == 302
    late = client_of(app, intake_of(other)).post(f"/referrals/offers/{second_id}/accept", data={
        "name": "Siti Rekaan", "children-0": "Budi Rekaan", "children-1": "Ani Rekaan"})
    assert late.status_code == 409
    assert "Rujukan ini sudah ditempatkan di fasilitas lain; tempat tidur yang ditahan sudah dilepas." \
        in late.get_data(as_text=True)
    db.session.rollback()
    assert all(db.session.get(BedHold, h).released_at is not None for h in second_holds)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 3
