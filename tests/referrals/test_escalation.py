"""Offers nobody answered by their deadline escalate once, by SMS to the receiving facility's managers
and the case manager (counts only); offers whose held beds ran out expire and return the referral."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from shelter.db import utcnow
from shelter.extensions import db
from shelter.notifications.models import OutboundMessage
from shelter.referrals import service
from shelter.referrals.escalation import review_offers
from shelter.referrals.models import ReferralEvent
from tests.referrals.conftest import deadline


@pytest.fixture
def manager_of(make_user):
    def make(facility, phone):
        user = make_user(roles=("facility_manager",), facilities=[facility])
        user.phone, user.locale = phone, "en"
        db.session.commit()
        return user
    return make


def bodies():
    return {m.to_number: m.body for m in db.session.scalars(sa.select(OutboundMessage))}


def test_an_unanswered_offer_escalates_once_to_the_manager_and_the_case_manager(
        make_referral, case_manager, family_panti, manager_of, make_facility, make_room, make_bed):
    manager = manager_of(family_panti, "+628125550122")
    other = make_facility(name="Panti Lain Rekaan")
    manager_of(other, "+628125550133")
    make_bed(make_room(other))
    referrals = [make_referral(by=case_manager) for _ in range(2)]
    for referral in referrals:
        service.offer(referral, family_panti, by=case_manager, respond_by=deadline(2))
    db.session.commit()

    assert review_offers() == 0, "nothing is due before the deadline"
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        assert review_offers() == 2
        db.session.commit()
        assert review_offers() == 0, "an escalated offer does not escalate again"
        db.session.commit()
    sent = bodies()
    assert set(sent) == {manager.phone, case_manager.phone}, "not the other facility's manager"
    assert "2 referral offers are past their deadline" in sent[manager.phone]
    assert "Panti" not in sent[manager.phone] and "Rekaan" not in sent[case_manager.phone]
    assert all(r.status == "offered" for r in referrals), "still acceptable until the holds end"


def test_when_the_holds_end_the_offer_expires_and_the_referral_returns(make_referral, case_manager, family_panti):
    referral = make_referral(by=case_manager)
    offer = service.offer(referral, family_panti, by=case_manager, respond_by=deadline(2))
    db.session.commit()
    start = utcnow()
    for hours in (3, 15):  # past the deadline; then past the holds' end (deadline + 12 h)
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            review_offers()
            db.session.commit()
    assert (offer.status, referral.status) == ("expired", "received")
    kinds = list(db.session.scalars(sa.select(ReferralEvent.kind).where(ReferralEvent.referral_id == referral.id)
                                    .order_by(ReferralEvent.id)))
    assert kinds == ["received", "offered", "escalated", "expired"]
