"""Accepting an offer: one step from "yes" to the person (and each child) admitted into the held beds.

The person is matched to an existing resident the accepting user may open, or registered; each
child is registered with the person as guardian. The holds become the stays (``stays.admit`` with the
hold), the referral is placed, and any other pending offer is superseded with its beds freed. The
race between two facilities accepting at once is settled by the referral's row lock and the unique
index of accepted offers (see ``referrals.service``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.referrals.models import (Offer, OfferStatus, ReferralChild, ReferralOutcome, ReferralStatus)
from shelter.referrals.rules import AlreadyPlaced, HoldsEnded, ReferralClosed, ReferralInvalid
from shelter.referrals.service import _pending, _release_holds, event, lock
from shelter.residents import service as residents
from shelter.residents.models import Resident
from shelter.stays import service as stays
from shelter.stays.models import BedHold


@dataclass
class PersonChoice:
    """Who a held bed is for: an existing resident (``resident_id``) or a new one (``name``)."""

    resident_id: int | None = None
    name: str | None = None


@dataclass
class Acceptance:
    person: PersonChoice
    children: list[PersonChoice] = field(default_factory=list)


def accept(the_offer: Offer, choice: Acceptance, *, by, visible_resident) -> list:
    """The facility says yes: the person (and each child) is registered or matched and admitted into
    the held beds, the holds become the stays, the referral is placed. ``visible_resident(id)`` is the
    caller's scoped lookup of an existing resident (None when the user may not open them).
    Returns the stays, the referred person's first."""
    referral = lock(the_offer.referral)
    if referral.status == ReferralStatus.PLACED.value:
        raise AlreadyPlaced()
    if not referral.is_open:
        raise ReferralClosed()
    _pending(the_offer)
    links = sorted(the_offer.hold_links, key=lambda link: link.person)
    holds = [db.session.get(BedHold, link.hold_id) for link in links]
    now = utcnow()
    if any(h is None or h.released_at is not None or h.expires_at <= now for h in holds):
        raise HoldsEnded()
    if len(choice.children) != len(referral.children):
        raise ReferralInvalid({"children": "count"})
    # Accepted first: the admissions below free the holds, and an offer still pending with freed holds
    # would look expired to the listeners that run inside them.
    the_offer.status = OfferStatus.ACCEPTED.value
    the_offer.decided_by_id = by.id
    the_offer.decided_at = now
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyPlaced() from None
    mother = _resident_for(referral, choice.person, None, the_offer.facility_id, by, visible_resident, field="name")
    people = [mother] + [
        _resident_for(referral, c, mother, the_offer.facility_id, by, visible_resident, field=f"child_{i}", child=kid)
        for i, (c, kid) in enumerate(zip(choice.children, referral.children), start=1)
    ]
    admitted = []
    fields = ["name"] + [f"child_{i}" for i in range(1, len(people))]
    for resident, hold, field_name in zip(people, holds, fields):
        try:
            admitted.append(stays.admit(resident, hold.bed, by=by, hold=hold))
        except stays.BedNotAvailable:
            raise HoldsEnded() from None
        except stays.ResidentAlreadyAdmitted:
            raise ReferralInvalid({field_name: "already_admitted"}) from None
        except stays.RoomRulesViolated:
            raise ReferralInvalid({field_name: "room_rules"}) from None
    with db.session.no_autoflush:
        referral.status = ReferralStatus.PLACED.value
        referral.outcome = ReferralOutcome.PLACED.value
        referral.closed_at = now
        referral.decided_at = now
        referral.admitted_at = now
        referral.placed_facility_id = the_offer.facility_id
        referral.resident_id = mother.id
        referral.matched_facility_id = referral.matched_at = None
    for other in referral.offers:
        if other.id != the_offer.id and other.is_pending:
            other.status = OfferStatus.SUPERSEDED.value
            other.decided_at = now
            db.session.flush()
            _release_holds(other, by=by)
            event(referral, "superseded", by=by, offer=other)
    db.session.flush()
    event(referral, "accepted", by=by, offer=the_offer)
    event(referral, "admitted", by=by, offer=the_offer)
    audit.record("referral.accepted", actor=by, target=referral, facility_id=the_offer.facility_id,
                 detail={"offer_id": the_offer.id, "resident_id": mother.id, "stay_ids": [s.id for s in admitted]})
    return admitted


def _resident_for(referral, choice: PersonChoice, guardian, facility_id, by, visible_resident, *, field: str,
                  child: ReferralChild | None = None) -> Resident:
    if choice.resident_id is not None:
        resident = visible_resident(choice.resident_id)
        if resident is None:
            raise ReferralInvalid({field: "unknown_resident"})
        return resident
    sex = child.sex if child is not None else referral.sex
    age = child.age if child is not None else referral.age_for_matching
    data = residents.ResidentInput(
        full_name=choice.name or "", sex=sex, estimated_age=age,
        nik=referral.person_nik if child is None else None,
        risk_level="high" if referral.high_risk and child is None else "low",
        categories=list(referral.categories) if child is None else [],
        guardian_id=guardian.id if guardian is not None else None,
    )
    try:
        return residents.register(data, facility_id=facility_id, by=by)
    except residents.ResidentInvalid as error:
        raise ReferralInvalid({field if key == "full_name" else f"{field}.{key}": code
                               for key, code in error.problems.items()}) from None
