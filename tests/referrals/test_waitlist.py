"""The waitlist: priority order, matching when a fitting bed frees up, one SMS a day to the case manager
through the Twilio SDK to the fake Twilio, and nobody placed automatically."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from shelter.db import utcnow
from shelter.extensions import db
from shelter.notifications.delivery import deliver_due
from shelter.notifications.models import OutboundMessage
from shelter.referrals import service, waitlist
from shelter.referrals.models import Referral
from shelter.referrals.rules import ReferralInvalid
from shelter.stays import service as stays
from shelter.stays.models import Stay
from tests.conftest import audit_events
from tests.notifications.fake_twilio import TWILIO_SETTINGS


@pytest.fixture
def config_overrides():
    return dict(TWILIO_SETTINGS)


@pytest.fixture
def full_panti(make_facility, make_room, make_bed, make_resident, make_user):
    """A panti whose only women's bed is taken by a resident about to leave."""
    panti = make_facility(name="Panti Penuh Rekaan")
    bed = make_bed(make_room(panti, sex="female", age_group="adult"), label="W1")
    staff = make_user(roles=("intake_staff",), facilities=[panti])
    stay = stays.admit(make_resident(panti), bed, by=staff)
    db.session.commit()
    panti.leaving_stay, panti.staff = stay, staff
    return panti


def sms_to(number):
    return list(db.session.scalars(sa.select(OutboundMessage).where(OutboundMessage.to_number == number)))


def test_no_bed_fits_so_the_referral_waits_and_a_discharge_gives_one_match_and_one_sms(
        make_referral, case_manager, full_panti, sms_via_fake_twilio):
    referral = make_referral(by=case_manager)
    waitlist.add(referral, by=case_manager)
    db.session.commit()
    assert referral.status == "waitlisted" and referral.matched_facility_id is None
    assert sms_to(case_manager.phone) == []

    stays.discharge(full_panti.leaving_stay, outcome="independent", by=full_panti.staff)
    db.session.commit()
    assert referral.matched_facility_id == full_panti.id
    assert referral.status == "waitlisted", "nobody is placed automatically"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay).where(Stay.discharged_at.is_(None))) == 0

    # Polls, other bed changes and the scheduler do not text again.
    waitlist.match([full_panti.id])
    waitlist.match(None)
    db.session.commit()
    deliver_due()
    deliver_due()
    texts = sms_via_fake_twilio.messages_to(case_manager.phone)
    assert len(texts) == 1
    assert "1" in texts[0]["body"] and "Rekaan" not in texts[0]["body"]


def test_two_referrals_waiting_for_one_bed_are_matched_in_priority_order(
        make_referral, case_manager, full_panti):
    planned = make_referral(by=case_manager, urgency="planned")
    emergency = make_referral(by=case_manager, urgency="emergency")
    for referral in (planned, emergency):
        waitlist.add(referral, by=case_manager)
    db.session.commit()
    assert waitlist.positions() == {emergency.id: 1, planned.id: 2}

    stays.discharge(full_panti.leaving_stay, outcome="independent", by=full_panti.staff)
    db.session.commit()
    assert (emergency.matched_facility_id, planned.matched_facility_id) == (full_panti.id, None)

    # The case manager offers the bed to the first in line; the second keeps waiting, unmatched.
    service.offer(emergency, full_panti, by=case_manager, respond_by=utcnow() + timedelta(hours=2))
    db.session.commit()
    assert emergency.status == "offered" and planned.matched_facility_id is None
    assert waitlist.positions() == {planned.id: 1}


def test_a_case_manager_reorders_with_a_reason_and_it_is_audited(make_referral, case_manager):
    first = make_referral(by=case_manager, urgency="emergency")
    second = make_referral(by=case_manager, urgency="planned")
    for referral in (first, second):
        waitlist.add(referral, by=case_manager)
    db.session.commit()
    with pytest.raises(ReferralInvalid) as error:
        waitlist.adjust(second, by=case_manager, step=1, reason="  ")
    assert error.value.problems == {"reason": "required"}
    db.session.rollback()
    waitlist.adjust(second, by=case_manager, step=1, reason="Pelaku mencari korban, harus pindah malam ini")
    db.session.commit()
    assert waitlist.positions() == {second.id: 1, first.id: 2}
    assert [e.target_id for e in audit_events("referral.reordered")] == [second.id]


def test_a_matched_referral_loses_its_match_when_the_bed_is_taken(make_referral, case_manager, full_panti,
                                                                  make_resident):
    referral = make_referral(by=case_manager)
    waitlist.add(referral, by=case_manager)
    stays.discharge(full_panti.leaving_stay, outcome="independent", by=full_panti.staff)
    db.session.commit()
    assert referral.matched_facility_id == full_panti.id
    bed = full_panti.leaving_stay.assignments[0].bed
    stays.admit(make_resident(full_panti), bed, by=full_panti.staff)
    db.session.commit()
    assert referral.matched_facility_id is None


def test_an_sms_a_day_at_most_even_with_new_matches_later_that_day(make_referral, case_manager, full_panti,
                                                                   make_room, make_bed):
    first, second = make_referral(by=case_manager), make_referral(by=case_manager)
    for referral in (first, second):
        waitlist.add(referral, by=case_manager)
    db.session.commit()
    stays.discharge(full_panti.leaving_stay, outcome="independent", by=full_panti.staff)
    db.session.commit()
    make_bed(make_room(full_panti, sex="female", age_group="adult"))
    waitlist.match([full_panti.id])
    db.session.commit()
    assert first.matched_facility_id and second.matched_facility_id
    assert len(sms_to(case_manager.phone)) == 1
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        waitlist.remove(first, by=case_manager)
        waitlist.add(first, by=case_manager)
        db.session.commit()
    assert len(sms_to(case_manager.phone)) == 2


def test_leaving_the_waitlist_by_closing(make_referral, case_manager):
    referral = make_referral(by=case_manager)
    waitlist.add(referral, by=case_manager)
    service.close(referral, outcome="unreachable", by=case_manager)
    db.session.commit()
    fresh = db.session.get(Referral, referral.id)
    assert (fresh.status, fresh.outcome, fresh.waitlisted_at) == ("closed", "unreachable", None)
