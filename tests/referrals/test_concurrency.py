"""Two facilities accept offers for the same referral at the same moment, in real concurrent
transactions (separate apps, engines and connections, released together by a barrier), on SQLite and
PostgreSQL: one admission; the other facility hears "already placed" and its held bed is free again."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from shelter.extensions import db
from shelter.referrals import acceptance, service
from shelter.referrals.models import Offer, Referral
from shelter.referrals.rules import AlreadyPlaced
from shelter.residents.models import Resident
from shelter.stays import service as stays
from shelter.stays.models import BedHold, Stay
from tests.programmes.test_concurrency import run_together
from tests.referrals.conftest import deadline


def accept_job(offer_id: int, user_id: int):
    def job(barrier):
        from shelter.auth.models import User

        by = db.session.get(User, user_id)
        offer = db.session.get(Offer, offer_id)
        db.session.rollback()
        barrier.wait()
        try:
            acceptance.accept(offer, acceptance.Acceptance(person=acceptance.PersonChoice(name="Siti Rekaan Balapan")),
                              by=by, visible_resident=lambda _id: None)
            db.session.commit()
            return "admitted"
        except AlreadyPlaced:
            db.session.rollback()
            return "already_placed"
    return job


def test_two_facilities_accepting_at_once_admit_once(app, database_url, make_referral, case_manager, family_panti,
                                                     make_facility, make_room, make_bed, intake_of):
    second_panti = make_facility(name="Panti Kedua Balapan Rekaan")
    make_bed(make_room(second_panti, sex="female", age_group="adult"), label="S1")
    referral = make_referral(by=case_manager)
    offers = [service.offer(referral, facility, by=case_manager, respond_by=deadline())
              for facility in (family_panti, second_panti)]
    db.session.commit()
    jobs = [accept_job(offer.id, intake_of(offer.facility).id) for offer in offers]
    ids = [o.id for o in offers]
    facility_ids = [family_panti.id, second_panti.id]

    results = run_together(database_url, jobs)

    assert Counter(results) == Counter({"admitted": 1, "already_placed": 1}), results
    db.session.rollback()  # a fresh snapshot (SQLite's WAL keeps a reader on the one it began with)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 1
    winner = results.index("admitted")
    statuses = [db.session.get(Offer, i).status for i in ids]
    assert statuses[winner] == "accepted" and statuses[1 - winner] == "superseded"
    assert db.session.get(Referral, referral.id).status == "placed"
    # The loser's held bed is free again; nothing is held any more.
    assert stays.free_beds_in_facility(facility_ids[1 - winner]) == (1 if winner == 0 else 4)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BedHold)
                             .where(BedHold.released_at.is_(None))) == 0
