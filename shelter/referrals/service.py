"""The referral flow: record, offer to a facility (holding its beds), accept or decline, close.

Like every service here, these functions add to the current transaction and raise domain errors
(``referrals.rules``); the caller commits, one transaction per action. Each step writes a
``ReferralEvent`` (the history, with who and when) and an audit event with ids only.

Accepting is the race that matters: two facilities may accept offers for the same referral at the
same moment. The referral row is locked first (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's writers
are serialised by BEGIN IMMEDIATE), so the second accepter reads "placed" and gets ``AlreadyPlaced``;
the first has already withdrawn the other pending offers and released their holds in its own
transaction. A partial unique index (one accepted offer per referral) refuses a second acceptance
even if the lock were ever skipped.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility
from shelter.referrals import rules
from shelter.referrals.models import (Offer, OfferHold, OfferStatus, Referral, ReferralCategory, ReferralChild,
                                      ReferralEvent, ReferralStatus)
from shelter.referrals.rules import (AlreadyOffered, AlreadyPlaced, HoldsEnded, NoSuitableBed,  # noqa: F401
                                     OfferNotPending, ReferralClosed, ReferralError, ReferralInput,
                                     ReferralInvalid)
from shelter.residents import service as residents
from shelter.residents.models import Resident
from shelter.stays import matching, queries as stay_queries, service as stays
from shelter.stays.models import BedHold


def person_of(referral: Referral, *, children: bool = True) -> matching.Person:
    """What find-a-bed needs to know of the referred person."""
    return matching.Person(sex=referral.sex, age=referral.age_for_matching,
                           children=len(referral.children) if children else 0,
                           wheelchair=referral.wheelchair, high_risk=referral.high_risk,
                           children_sexes=tuple(c.sex for c in referral.children) if children else ())


def event(referral: Referral, kind: str, *, by=None, offer: Offer | None = None, code: str = "", note: str = "",
          by_partner: bool = False, at: datetime | None = None) -> ReferralEvent:
    row = ReferralEvent(referral_id=referral.id, kind=kind, by_id=getattr(by, "id", None), by_partner=by_partner,
                        offer_id=offer.id if offer is not None else None,
                        facility_id=offer.facility_id if offer is not None else None,
                        code=code, note=note[:500], at=at or utcnow())
    db.session.add(row)
    return row


def lock(referral: Referral) -> Referral:
    """The referral's row, locked for this transaction and read afresh."""
    # No eager joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    locked = db.session.scalar(sa.select(Referral).where(Referral.id == referral.id)
                               .options(lazyload(Referral.partner)).with_for_update()
                               .execution_options(populate_existing=True))
    if locked is None:
        raise ReferralClosed()
    return locked


# --- recording ------------------------------------------------------------------------------------------

def create(data: ReferralInput, *, by=None, partner_id: int | None = None) -> Referral:
    """Record a referral: by a case manager (``by``) from a call, or by a partner's system
    (``partner_id``: the token's partner, whatever the body says)."""
    if partner_id is not None:
        data.partner_id = partner_id
    data = rules.validate_referral(data)
    referral = Referral(
        partner_id=data.partner_id, partner_reference=data.partner_reference, referred_at=data.referred_at,
        recorded_by_id=getattr(by, "id", None), via_api=partner_id is not None,
        case_manager_id=by.id if by is not None and rules.may_manage_referrals(by) and not by.is_admin else None,
        urgency=data.urgency, sex=data.sex, age=data.age, age_band=data.age_band, wheelchair=data.wheelchair,
        pregnant=data.pregnant, high_risk=data.high_risk, consent_by=data.consent_by,
        consent_method=data.consent_method, consent_note=data.consent_note, summary=data.summary,
        officer_name=data.officer_name, officer_phone=data.officer_phone, person_name=data.person_name,
        person_nik=data.person_nik, status=ReferralStatus.RECEIVED.value,
    )
    referral.children = [ReferralChild(position=i, age=c.age, sex=c.sex, name=c.name)
                         for i, c in enumerate(data.children, start=1)]
    referral.category_rows = [ReferralCategory(category=c) for c in data.categories]
    db.session.add(referral)
    db.session.flush()
    event(referral, "received", by=by, by_partner=partner_id is not None, at=referral.received_at)
    audit.record("referral.received", actor=by, target=referral,
                 detail={"partner_id": referral.partner_id, "via_api": referral.via_api})
    return referral


def possible_residents(referral: Referral, scope_clause) -> list[Resident]:
    """Residents who may be the referred person (by NIK, or a similar name and age), within scope.
    Nothing when the referral carries neither a name nor a NIK."""
    if not referral.person_name and not referral.person_nik:
        return []
    probe = residents.ResidentInput(full_name=referral.person_name or "", sex=referral.sex,
                                    estimated_age=referral.age_for_matching, nik=referral.person_nik)
    return residents.likely_duplicates(probe, scope_clause=scope_clause)


def take(referral: Referral, *, by) -> bool:
    """The acting case manager takes an unassigned referral; False when it already has one."""
    if referral.case_manager_id is not None or by.is_admin:
        return False
    referral.case_manager_id = by.id
    event(referral, "assigned", by=by)
    return True


# --- offers ---------------------------------------------------------------------------------------------

def _choose_beds(referral: Referral, facility: Facility, room_id: int | None) -> list[int]:
    """Free beds for the person and each child in one fitting room of the facility: the room asked for,
    else find-a-bed's best. The person's bed first (wheelchair accessible when needed), then the
    children's (cribs first)."""
    person = person_of(referral)
    rooms = [matching.Room(facility_id=r.facility_id, facility_name=r.facility_name, facility_kind=r.facility_kind,
                           room_id=r.room_id, room_name=r.room_name, sex=r.sex, age_group=r.age_group, free=r.free,
                           free_accessible=r.free_accessible, free_cribs=r.free_cribs)
             for r in stay_queries.free_beds_by_room(facility_ids=[facility.id])]
    ranked = matching.rank_rooms(person, rooms)
    if room_id is not None:
        ranked = [m for m in ranked if m.room.room_id == room_id]
    if not ranked:
        raise NoSuitableBed()
    room_id = ranked[0].room.room_id
    free = [s for s in stay_queries.bed_states([facility.id]) if s.room_id == room_id and s.status == "available"]
    person_beds = sorted(free, key=lambda s: (not s.wheelchair_accessible if referral.wheelchair else s.has_crib,
                                              s.label, s.bed_id))
    first = person_beds[0]
    rest = sorted((s for s in free if s.bed_id != first.bed_id), key=lambda s: (not s.has_crib, s.label, s.bed_id))
    chosen = [first.bed_id] + [s.bed_id for s in rest[:len(referral.children)]]
    if len(chosen) < person.beds_needed:
        raise NoSuitableBed()
    return chosen


def offer(referral: Referral, facility: Facility, *, by, respond_by: datetime, room_id: int | None = None,
          note: str = "") -> Offer:
    """Offer the referral to a facility: its beds are held for the person (and children) until the
    answer, with a deadline to answer by."""
    referral = lock(referral)
    if not referral.is_open:
        raise ReferralClosed()
    now = utcnow()
    respond_by = rules.validate_deadline(respond_by, now)
    note = rules.validate_reason(note) if note and note.strip() else ""
    if not facility.is_active:
        raise NoSuitableBed()
    if db.session.scalar(sa.select(Offer.id).where(Offer.referral_id == referral.id, Offer.facility_id == facility.id,
                                                   Offer.status == OfferStatus.PENDING.value)):
        raise AlreadyOffered()
    take(referral, by=by)
    hours = min(stays.MAX_HOLD_HOURS,
                math.ceil((respond_by - now).total_seconds() / 3600) + rules.HOLD_GRACE_HOURS)
    the_offer = Offer(referral_id=referral.id, facility_id=facility.id, offered_by_id=by.id, offered_at=now,
                      respond_by=respond_by, note=note, status=OfferStatus.PENDING.value)
    db.session.add(the_offer)
    db.session.flush()
    for person, bed_id in enumerate(_choose_beds(referral, facility, room_id)):
        bed = db.session.get(Bed, bed_id)
        try:
            hold = stays.place_hold(bed, by=by, reason=f"Rujukan R-{referral.id}", hours=hours)
        except (stays.BedNotAvailable, stays.BedOutOfService):
            raise NoSuitableBed() from None
        db.session.add(OfferHold(offer_id=the_offer.id, hold_id=hold.id, person=person))
    with db.session.no_autoflush:
        if referral.status == ReferralStatus.WAITLISTED.value:
            _leave_waitlist(referral)
        referral.status = ReferralStatus.OFFERED.value
    referral.first_offered_at = referral.first_offered_at or now
    db.session.flush()
    event(referral, "offered", by=by, offer=the_offer)
    audit.record("referral.offered", actor=by, target=referral, facility_id=facility.id,
                 detail={"offer_id": the_offer.id})
    return the_offer


def _release_holds(the_offer: Offer, *, by) -> None:
    for link in the_offer.hold_links:
        hold = db.session.get(BedHold, link.hold_id)
        if hold is not None and hold.released_at is None:
            stays.release_hold(hold, by=by)


def _after_offer_ended(referral: Referral) -> None:
    """A referral whose last pending offer ended goes back to its case manager."""
    if referral.status != ReferralStatus.OFFERED.value:
        return
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Offer).where(
        Offer.referral_id == referral.id, Offer.status == OfferStatus.PENDING.value))
    if not pending:
        referral.status = ReferralStatus.RECEIVED.value


def _pending(the_offer: Offer) -> Offer:
    db.session.refresh(the_offer)
    if not the_offer.is_pending:
        raise OfferNotPending()
    return the_offer


def decline(the_offer: Offer, *, by, reason: str, note: str = "") -> Offer:
    """The facility says no, with a reason: its holds end and the referral returns to its case manager."""
    reason, note = rules.validate_decline(reason, note)
    referral = lock(the_offer.referral)
    _pending(the_offer)
    with db.session.no_autoflush:  # set together: the reason_when_declined check
        the_offer.status = OfferStatus.DECLINED.value
        the_offer.decided_by_id = by.id
        the_offer.decided_at = utcnow()
        the_offer.decline_reason = reason
        the_offer.decline_note = note
    db.session.flush()
    _release_holds(the_offer, by=by)
    _after_offer_ended(referral)
    event(referral, "declined", by=by, offer=the_offer, code=reason, note=note)
    audit.record("referral.declined", actor=by, target=referral, facility_id=the_offer.facility_id,
                 detail={"offer_id": the_offer.id, "reason": reason})
    return the_offer


def withdraw_offer(the_offer: Offer, *, by) -> Offer:
    """The case manager takes an offer back (the person found another place, or the wrong facility)."""
    referral = lock(the_offer.referral)
    _pending(the_offer)
    the_offer.status = OfferStatus.WITHDRAWN.value
    the_offer.decided_at = utcnow()
    db.session.flush()
    _release_holds(the_offer, by=by)
    _after_offer_ended(referral)
    event(referral, "offer_withdrawn", by=by, offer=the_offer)
    audit.record("referral.offer_withdrawn", actor=by, target=referral, facility_id=the_offer.facility_id,
                 detail={"offer_id": the_offer.id})
    return the_offer


# --- closing --------------------------------------------------------------------------------------------

def close(referral: Referral, *, outcome: str, note: str = "", by=None, by_partner: bool = False) -> Referral:
    """Close an open referral with an outcome other than placed; its pending offers are withdrawn and
    their beds freed."""
    outcome, note = rules.validate_closing(outcome, note)
    referral = lock(referral)
    if not referral.is_open:
        raise ReferralClosed()
    now = utcnow()
    for pending in referral.offers:
        if pending.is_pending:
            pending.status = OfferStatus.WITHDRAWN.value
            pending.decided_at = now
            db.session.flush()
            _release_holds(pending, by=by)
    with db.session.no_autoflush:  # set together: the outcome and waitlist checks
        if referral.status == ReferralStatus.WAITLISTED.value:
            _leave_waitlist(referral)
        referral.status = ReferralStatus.CLOSED.value
        referral.outcome = outcome
        referral.closed_at = now
    db.session.flush()
    event(referral, "closed", by=by, by_partner=by_partner, code=outcome, note=note)
    audit.record("referral.closed", actor=by, target=referral, detail={"outcome": outcome, "by_partner": by_partner})
    return referral


def _leave_waitlist(referral: Referral) -> None:
    referral.waitlisted_at = None
    referral.matched_facility_id = None
    referral.matched_at = None


def default_deadline(referral: Referral, now: datetime | None = None) -> datetime:
    """An answer within 2 hours for an emergency, 12 for within days, 24 for a planned referral."""
    now = now or utcnow()
    hours = {"emergency": 2, "days": 12}.get(referral.urgency, 24)
    return now + timedelta(hours=hours)
