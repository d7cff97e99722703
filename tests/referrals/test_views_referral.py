"""The referral page's actions for the desk: take it, withdraw a pending offer, close with an outcome."""

from __future__ import annotations

from shelter.extensions import db
from shelter.referrals import service
from shelter.referrals.models import Referral
from shelter.stays import service as stays
from tests.referrals.conftest import deadline


def test_a_case_manager_takes_an_unassigned_referral(client, login_as, case_manager, admin, make_referral):
    referral = make_referral(by=admin)
    assert referral.case_manager_id is None
    login_as(case_manager)
    assert "Saya tangani rujukan ini" in client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert client.post(f"/referrals/{referral.id}/take").status_code == 302
    db.session.rollback()
    assert db.session.get(Referral, referral.id).case_manager_id == case_manager.id
    assert "Diambil manajer kasus" in client.get(f"/referrals/{referral.id}").get_data(as_text=True)


def test_withdrawing_an_offer_frees_its_beds(client, login_as, case_manager, family_panti, make_referral):
    referral = make_referral(by=case_manager)
    offer = service.offer(referral, family_panti, by=case_manager, respond_by=deadline())
    db.session.commit()
    assert stays.free_beds_in_facility(family_panti.id) == 3
    login_as(case_manager)
    assert client.post(f"/referrals/offers/{offer.id}/withdraw").status_code == 302
    assert stays.free_beds_in_facility(family_panti.id) == 4
    db.session.rollback()
    assert db.session.get(Referral, referral.id).status == "received"
    again = client.post(f"/referrals/offers/{offer.id}/withdraw", follow_redirects=True)
    assert "tidak ada yang ditarik" in again.get_data(as_text=True)


def test_closing_needs_an_outcome_and_withdraws_pending_offers(client, login_as, case_manager, family_panti,
                                                              make_referral):
    referral = make_referral(by=case_manager)
    service.offer(referral, family_panti, by=case_manager, respond_by=deadline())
    db.session.commit()
    login_as(case_manager)
    bare = client.post(f"/referrals/{referral.id}/close", data={"outcome": "", "note": "Sudah pulang"})
    html = bare.get_data(as_text=True)
    assert bare.status_code == 422 and 'id="err-outcome"' in html and 'value="Sudah pulang"' in html
    db.session.rollback()
    assert db.session.get(Referral, referral.id).is_open
    done = client.post(f"/referrals/{referral.id}/close", data={"outcome": "no_longer_needed", "note": "Sudah pulang"})
    assert done.status_code == 302
    db.session.rollback()
    closed = db.session.get(Referral, referral.id)
    assert closed.status == "closed" and closed.outcome == "no_longer_needed"
    assert [o.status for o in closed.offers] == ["withdrawn"]
    assert stays.free_beds_in_facility(family_panti.id) == 4
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Tidak diperlukan lagi" in page and "Cari tempat tidur" not in page
