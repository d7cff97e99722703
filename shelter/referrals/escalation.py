"""Offers past their deadline, run by the scheduler (``jobs.review_offers``).

An offer nobody answered by its deadline escalates once: the receiving facility's managers and the
referral's case manager (or whoever made the offer) each get one SMS with the number of such offers,
counts and fixed words only, and the offer remembers it escalated. The beds stay held a while longer
(``rules.HOLD_GRACE_HOURS``), so the facility can still accept; when the holds end, the offer expires.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from shelter.auth.models import Role, User, UserRole, user_facilities
from shelter.db import utcnow
from shelter.extensions import db
from shelter.followups.service import render_sms
from shelter.notifications import service as notifications
from shelter.referrals import service
from shelter.referrals.models import Offer, OfferHold, OfferStatus
from shelter.stays.models import BedHold


# --- offers that ran out --------------------------------------------------------------------------------

def expire_offers(facility_ids=None, *, by=None) -> int:
    """Pending offers whose held beds are no longer all held (expired or released by hand) can no
    longer be accepted: they expire and their referrals return to the case manager."""
    now = utcnow()
    ended = (sa.select(OfferHold.offer_id).join(BedHold, BedHold.id == OfferHold.hold_id)
             .where(sa.or_(BedHold.released_at.is_not(None), BedHold.expires_at <= now)))
    query = sa.select(Offer).where(Offer.status == OfferStatus.PENDING.value, Offer.id.in_(ended))
    if facility_ids is not None:
        query = query.where(Offer.facility_id.in_(sorted(facility_ids)))
    count = 0
    for the_offer in db.session.scalars(query.order_by(Offer.referral_id, Offer.id)).all():
        referral = service.lock(the_offer.referral)
        the_offer.status = OfferStatus.EXPIRED.value
        the_offer.decided_at = now
        db.session.flush()
        service._release_holds(the_offer, by=by)
        service._after_offer_ended(referral)
        service.event(referral, "expired", offer=the_offer)
        count += 1
    return count


def overdue_offers(now: datetime | None = None) -> list[Offer]:
    """Pending offers past their deadline that have not escalated yet."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(Offer).where(Offer.status == OfferStatus.PENDING.value, Offer.respond_by <= now,
                               Offer.escalated_at.is_(None)).order_by(Offer.id)))


def facility_managers(facility_ids) -> dict[int, set[int]]:
    rows = db.session.execute(
        sa.select(user_facilities.c.facility_id, User.id)
        .join(User, User.id == user_facilities.c.user_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(user_facilities.c.facility_id.in_(sorted(facility_ids)), User.active.is_(True),
               UserRole.role == Role.FACILITY_MANAGER.value))
    managers: dict[int, set[int]] = defaultdict(set)
    for facility_id, user_id in rows:
        managers[facility_id].add(user_id)
    return managers


def review_offers(now: datetime | None = None) -> int:
    """Expire offers whose holds ended; escalate those past their deadline. Returns how many offers
    changed. Idempotent: an escalated offer is not escalated again, and each SMS has a dedupe key."""
    now = now or utcnow()
    changed = expire_offers()
    overdue = overdue_offers(now)
    if not overdue:
        return changed
    managers = facility_managers({o.facility_id for o in overdue})
    per_user: dict[int, list[int]] = defaultdict(list)
    for offer in overdue:
        offer.escalated_at = now
        service.event(offer.referral, "escalated", offer=offer)
        recipients = set(managers.get(offer.facility_id, ()))
        recipients.add(offer.referral.case_manager_id or offer.offered_by_id)
        for user_id in recipients - {None}:
            per_user[user_id].append(offer.id)
    db.session.flush()
    for user in db.session.scalars(sa.select(User).where(User.id.in_(sorted(per_user)))):
        number = notifications.sms_recipient(user)
        if number is None:
            continue
        ids = sorted(per_user[user.id])
        notifications.enqueue(to=number, body=render_sms("offers_overdue", user, count=len(ids)),
                              dedupe_key=f"referral.overdue:{user.id}:{ids[0]}-{ids[-1]}:{len(ids)}",
                              purpose="referral.overdue", user_id=user.id)
    return changed + len(overdue)
