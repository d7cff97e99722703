"""The referral flow in the service: record, offer with holds, accept into the held beds, decline, close."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.referrals import acceptance, service
from shelter.referrals.models import ReferralEvent
from shelter.referrals.rules import AlreadyPlaced, ReferralInvalid
from shelter.stays.models import BedHold, Stay
from shelter.stays import service as stays
from tests.referrals.conftest import deadline, referral_input


def visible(resident_id):
    from shelter.residents.models import Resident
    return db.session.get(Resident, resident_id)


def family(make_referral, case_manager):
    return make_referral(by=case_manager, children=[(4, "male"), (7, "female")])


def test_a_mother_with_two_children_is_offered_a_family_room_and_admitted_into_the_held_beds(
        make_referral, case_manager, family_panti, intake_of):
    referral = family(make_referral, case_manager)
    offer = service.offer(referral, family_panti, by=case_manager, respond_by=deadline())
    db.session.commit()
    holds = [db.session.get(BedHold, link.hold_id) for link in offer.hold_links]
    assert sorted(h.bed.label for h in holds) == ["K1", "K2", "K3"]
    assert referral.status == "offered" and referral.case_manager_id == case_manager.id
    assert stays.free_beds_in_facility(family_panti.id) == 1

    intake = intake_of(family_panti)
    admitted = acceptance.accept(offer, acceptance.Acceptance(
        person=acceptance.PersonChoice(name="Siti Rekaan"),
        children=[acceptance.PersonChoice(name="Budi Rekaan"), acceptance.PersonChoice(name="Ani Rekaan")]),
        by=intake, visible_resident=visible)
    db.session.commit()
    assert len(admitted) == 3
    mother = admitted[0].resident
    assert {s.resident.guardian_id for s in admitted[1:]} == {mother.id}
    assert referral.status == "placed" and referral.outcome == "placed" and referral.resident_id == mother.id
    assert all(h.release_reason == "used" for h in holds)
    assert stays.free_beds_in_facility(family_panti.id) == 1
    kinds = [e.kind for e in db.session.scalars(sa.select(ReferralEvent).where(
        ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id))]
    assert kinds == ["received", "offered", "accepted", "admitted"]


def test_a_decline_frees_the_holds_and_returns_the_referral_with_the_reason(
        make_referral, case_manager, family_panti, intake_of):
    referral = make_referral(by=case_manager)
    offer = service.offer(referral, family_panti, by=case_manager, respond_by=deadline())
    db.session.commit()
    assert stays.free_beds_in_facility(family_panti.id) == 3
    service.decline(offer, by=intake_of(family_panti), reason="safety_conflict")
    db.session.commit()
    assert stays.free_beds_in_facility(family_panti.id) == 4
    assert referral.status == "received" and offer.decline_reason == "safety_conflict"


def test_other_needs_a_note_and_a_past_deadline_is_refused(make_referral, case_manager, family_panti, intake_of):
    referral = make_referral(by=case_manager)
    with pytest.raises(ReferralInvalid) as error:
        service.offer(referral, family_panti, by=case_manager, respond_by=deadline(-1))
    assert error.value.problems == {"respond_by": "in_past"}
    db.session.rollback()
    offer = service.offer(referral, family_panti, by=case_manager, respond_by=deadline())
    db.session.commit()
    with pytest.raises(ReferralInvalid) as error:
        service.decline(offer, by=intake_of(family_panti), reason="other", note="  ")
    assert error.value.problems == {"note": "required"}


def test_the_second_acceptance_is_already_placed_and_its_holds_are_gone(
        make_referral, case_manager, family_panti, make_facility, make_room, make_bed, intake_of):
    other = make_facility(name="Panti Kedua Rekaan")
    make_bed(make_room(other, sex="female", age_group="adult"))
    referral = make_referral(by=case_manager)
    first = service.offer(referral, family_panti, by=case_manager, respond_by=deadline())
    second = service.offer(referral, other, by=case_manager, respond_by=deadline())
    db.session.commit()
    acceptance.accept(first, acceptance.Acceptance(person=acceptance.PersonChoice(name="Siti Rekaan")),
                   by=intake_of(family_panti), visible_resident=visible)
    db.session.commit()
    assert second.status == "superseded"
    assert stays.free_beds_in_facility(other.id) == 1
    with pytest.raises(AlreadyPlaced):
        acceptance.accept(second, acceptance.Acceptance(person=acceptance.PersonChoice(name="Siti Rekaan")),
                       by=intake_of(other), visible_resident=visible)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 1


def test_a_hold_that_expired_makes_the_offer_expire(make_referral, case_manager, family_panti):
    import time_machine
    from datetime import timedelta
    from shelter.db import utcnow
    referral = make_referral(by=case_manager)
    offer = service.offer(referral, family_panti, by=case_manager, respond_by=deadline(2))
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=20), tick=False):
        stays.expire_holds()
        db.session.commit()
    assert offer.status == "expired" and referral.status == "received"


def test_a_child_cannot_consent_alone_and_ages_must_agree_with_categories(partner):
    from shelter.referrals.rules import validate_referral
    with pytest.raises(ReferralInvalid) as error:
        validate_referral(referral_input(partner.id, age=12, consent_by="person",
                                         categories=["adult_domestic_violence"]))
    assert error.value.problems == {"consent_by": "child_needs_guardian_consent",
                                    "categories": "adult_category_for_child"}
    with pytest.raises(ReferralInvalid) as error:
        validate_referral(referral_input(999999, age=None, age_band="13-17", consent_by="", consent_method="x"))
    assert error.value.problems == {"partner_id": "unknown_partner", "consent_by": "required",
                                    "consent_method": "invalid_choice"}
    with pytest.raises(ReferralInvalid) as error:
        validate_referral(referral_input(partner.id, age=30, age_band="13-17"))
    assert error.value.problems == {"age_band": "contradicts_age"}
