"""Reading referrals: the case managers' list, a facility's inbox of offers, the counts in the menu,
a referral's history, and what a partner may know of its own referrals.

Every read filters by the one rule in ``shelter.access`` (``referral_clause``, ``offer_inbox_clause``,
``referral_facility_named``) in the same statement; a page costs a fixed number of statements
whatever the number of referrals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shelter import access
from shelter.auth.models import User
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.pagination import Page, clamp_page
from shelter.referrals.models import (OPEN_STATUSES, Offer, OfferStatus, Referral, ReferralEvent, ReferralStatus,
                                      Urgency)
from shelter.referrals.waitlist import priority_order

PER_PAGE = 25
# The list's tabs: which statuses each shows.
VIEWS = {
    "open": (ReferralStatus.RECEIVED.value, ReferralStatus.OFFERED.value),
    "waitlist": (ReferralStatus.WAITLISTED.value,),
    "placed": (ReferralStatus.PLACED.value,),
    "closed": (ReferralStatus.CLOSED.value,),
    "all": tuple(s.value for s in ReferralStatus),
}


@dataclass(frozen=True)
class ReferralFilters:
    view: str = "open"
    urgency: str = ""
    partner_id: int | None = None
    mine: bool = False

    @classmethod
    def from_args(cls, args) -> ReferralFilters:
        """Unknown values are ignored: a hand-edited URL shows the default list, never an error."""
        view = args.get("view", "open")
        urgency = args.get("urgency", "")
        partner = args.get("partner", "")
        return cls(view=view if view in VIEWS else "open",
                   urgency=urgency if urgency in {u.value for u in Urgency} else "",
                   partner_id=int(partner) if partner.isdigit() and 0 < len(partner) <= 9 else None,
                   mine=args.get("mine", "") in ("1", "on", "true"))


def referrals_query(user, filters: ReferralFilters) -> sa.Select:
    query = sa.select(Referral).where(access.referral_clause(user), Referral.status.in_(VIEWS[filters.view]))
    if filters.urgency:
        query = query.where(Referral.urgency == filters.urgency)
    if filters.partner_id:
        query = query.where(Referral.partner_id == filters.partner_id)
    if filters.mine:
        query = query.where(Referral.case_manager_id == user.id)
    if filters.view == "waitlist":
        return query.order_by(*priority_order())
    urgency = sa.case((Referral.urgency == "emergency", 0), (Referral.urgency == "days", 1), else_=2)
    if filters.view == "open":
        return query.order_by(urgency, Referral.received_at, Referral.id)
    return query.order_by(Referral.received_at.desc(), Referral.id.desc())


def referrals_page(user, filters: ReferralFilters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    query = referrals_query(user, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = clamp_page(page, total, per_page)
    items = list(db.session.scalars(query.options(selectinload(Referral.offers))
                                    .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def find_referral(user, referral_id) -> Referral | None:
    """The referral, if this user may open it (``access.referral_clause``); None otherwise."""
    if not isinstance(referral_id, int) or not 0 < referral_id <= access.MAX_ID:
        return None
    referral = db.session.get(Referral, referral_id)
    return referral if referral is not None and access.sees_referral(user, referral) else None


def find_offer(user, offer_id) -> Offer | None:
    """The offer, if this user may open it (the referral desk, or the receiving facility's deciders)."""
    if not isinstance(offer_id, int) or not 0 < offer_id <= access.MAX_ID:
        return None
    offer = db.session.get(Offer, offer_id)
    if offer is None or not access.sees_offer(user, offer):
        return None
    return offer


def inbox_query(user, *, pending_only: bool = True) -> sa.Select:
    """Offers made to the user's facilities, the earliest deadline first."""
    query = sa.select(Offer).where(access.offer_inbox_clause(user, Offer.facility_id))
    if pending_only:
        return query.where(Offer.status == OfferStatus.PENDING.value).order_by(Offer.respond_by, Offer.id)
    return query.where(Offer.status != OfferStatus.PENDING.value).order_by(Offer.decided_at.desc(), Offer.id.desc())


def inbox_page(user, *, pending_only: bool = True, page: int = 1, per_page: int = PER_PAGE) -> Page:
    query = inbox_query(user, pending_only=pending_only)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = clamp_page(page, total, per_page)
    items = list(db.session.scalars(query.options(selectinload(Offer.referral), selectinload(Offer.facility))
                                    .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


@dataclass(frozen=True)
class MenuCounts:
    referrals: int      # open referrals waiting for a case manager (new, returned, or matched on the waitlist)
    offers: int         # offers awaiting an answer from the user's facilities


def menu_counts(user) -> MenuCounts:
    """The counts shown beside "Rujukan" and "Tawaran" in the menu. Two statements at most."""
    referrals = 0
    if access.manages_referrals(user):
        referrals = db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(
            sa.or_(Referral.status == ReferralStatus.RECEIVED.value,
                   sa.and_(Referral.status == ReferralStatus.WAITLISTED.value,
                           Referral.matched_facility_id.is_not(None)))))
    offers = 0
    if user.is_admin or user.facility_ids:
        offers = db.session.scalar(sa.select(sa.func.count()).select_from(Offer).where(
            Offer.status == OfferStatus.PENDING.value, access.offer_inbox_clause(user, Offer.facility_id)))
    return MenuCounts(referrals=referrals or 0, offers=offers or 0)


# --- history --------------------------------------------------------------------------------------------

PROTECTED = "protected"


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str
    by_name: str | None        # the staff member; None for a partner's system or the scheduler
    by_partner: bool
    facility: Facility | None  # None when there is none, or when it must not be named
    protected: bool            # a facility the user may not know: "a protected facility"
    code: str
    note: str


def history(user, referral: Referral, *, offer_facility_id: int | None = None) -> list[HistoryEntry]:
    """Every step, oldest first. ``offer_facility_id``: the user reads the referral through an offer
    to this facility (the inbox), so only the shared steps and that facility's own show. Two statements."""
    rows = db.session.execute(
        sa.select(ReferralEvent, User.full_name, Offer.offered_by_id)
        .outerjoin(User, User.id == ReferralEvent.by_id)
        .outerjoin(Offer, Offer.id == ReferralEvent.offer_id)
        .where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.at, ReferralEvent.id)).all()
    facility_ids = {e.facility_id for e, _, _ in rows if e.facility_id}
    facilities = {f.id: f for f in db.session.scalars(sa.select(Facility).where(Facility.id.in_(facility_ids)))} \
        if facility_ids else {}
    entries = []
    for row, by_name, offered_by_id in rows:
        facility = facilities.get(row.facility_id)
        if offer_facility_id is not None and facility is not None and facility.id != offer_facility_id:
            continue
        named = facility is None or access.referral_facility_named(user, facility, offered_by_id=offered_by_id)
        entries.append(HistoryEntry(at=row.at, kind=row.kind, by_name=by_name if named else None,
                                    by_partner=row.by_partner, facility=facility if named else None,
                                    protected=not named, code=row.code, note=row.note if named else ""))
    return entries


def placed_facility_named(user, referral: Referral) -> bool:
    if referral.placed_facility is None:
        return False
    accepted = next((o for o in referral.offers if o.status == OfferStatus.ACCEPTED.value), None)
    return access.referral_facility_named(user, referral.placed_facility,
                                          offered_by_id=accepted.offered_by_id if accepted else None)


# --- what a partner may know ----------------------------------------------------------------------------

def partner_status(referral: Referral) -> dict:
    """A partner's view of its own referral: the status words, the outcome, and where the person was
    placed: a panti by name; a Rumah Aman never, only "a protected facility"."""
    placement = None
    if referral.status == ReferralStatus.PLACED.value and referral.placed_facility is not None:
        facility = referral.placed_facility
        placement = ({"kind": "protected_facility"} if facility.is_safe_house
                     else {"kind": "panti", "facility": facility.name})
    return {"id": referral.id, "reference": referral.partner_reference, "status": referral.status,
            "outcome": referral.outcome, "placement": placement,
            "received_at": referral.received_at, "closed_at": referral.closed_at}


def partner_referrals_query(partner_id: int) -> sa.Select:
    return sa.select(Referral).where(Referral.partner_id == partner_id).order_by(Referral.id.desc())


def open_statuses() -> tuple[str, ...]:
    return OPEN_STATUSES
