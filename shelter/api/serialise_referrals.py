"""Referrals to JSON, one function per schema of ``openapi_referrals``.

A facility is named only where ``access.referral_facility_named`` says so; otherwise it is
``{"id": null, "name": null, "protected": true}``, and the offer's or step's notes are left out. A
partner's view is ``queries.partner_status`` and nothing more. Never the NIK.
"""

from __future__ import annotations

from shelter.access import referral_facility_named
from shelter.api.serialise import iso
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.referrals import queries
from shelter.referrals.models import Offer, Referral

PROTECTED = {"id": None, "name": None, "protected": True}


def facility(user, facility: Facility | None, *, offered_by_id: int | None = None) -> dict | None:
    if facility is None:
        return None
    if not referral_facility_named(user, facility, offered_by_id=offered_by_id):
        return dict(PROTECTED)
    return {"id": facility.id, "name": facility.name, "protected": False}


def partner_view(referral: Referral) -> dict:
    status = queries.partner_status(referral)
    placement = status["placement"]
    if placement is not None:  # only the two shapes the document allows: a panti's name, or nothing
        placement = ({"kind": "protected_facility"} if placement.get("kind") == "protected_facility"
                     else {"kind": "panti", "facility": placement.get("facility") or ""})
    return {"id": status["id"], "reference": status["reference"] or "", "status": status["status"],
            "outcome": status["outcome"], "placement": placement, "received_at": iso(status["received_at"]),
            "closed_at": iso(status["closed_at"])}


def _needs(referral: Referral) -> dict:
    partner = referral.partner
    return {
        "id": referral.id,
        "partner": {"id": partner.id, "name": partner.name, "kind": partner.kind},
        "reference": referral.partner_reference or "",
        "urgency": referral.urgency,
        "referred_at": iso(referral.referred_at),
        "status": referral.status,
        "person": {"sex": referral.sex, "age": referral.age, "age_band": referral.age_band,
                   "wheelchair": bool(referral.wheelchair), "pregnant": bool(referral.pregnant),
                   "high_risk": bool(referral.high_risk), "categories": referral.categories,
                   "name": referral.person_name},
        "children": [{"age": child.age, "sex": child.sex} for child in referral.children],
        "consent": {"by": referral.consent_by, "method": referral.consent_method, "note": referral.consent_note or ""},
        "summary": referral.summary or "",
        "officer": {"name": referral.officer_name or "", "phone": referral.officer_phone},
    }


def offer(user, the_offer: Offer) -> dict:
    named = referral_facility_named(user, the_offer.facility, offered_by_id=the_offer.offered_by_id)
    return {
        "id": the_offer.id,
        "referral_id": the_offer.referral_id,
        "facility": facility(user, the_offer.facility, offered_by_id=the_offer.offered_by_id),
        "status": the_offer.status,
        "offered_at": iso(the_offer.offered_at),
        "respond_by": iso(the_offer.respond_by),
        "note": (the_offer.note or "") if named else "",
        "decided_at": iso(the_offer.decided_at),
        "decline_reason": the_offer.decline_reason,
        "decline_note": (the_offer.decline_note or "") if named else "",
        "beds": len(the_offer.hold_links),
    }


def inbox_offer(user, the_offer: Offer) -> dict:
    """An offer as its receiving facility sees it: with what the referral needs."""
    return {**offer(user, the_offer), "referral": _needs(the_offer.referral)}


def history_entry(entry: queries.HistoryEntry) -> dict:
    place = None
    if entry.protected:
        place = dict(PROTECTED)
    elif entry.facility is not None:
        place = {"id": entry.facility.id, "name": entry.facility.name, "protected": False}
    return {"at": iso(entry.at), "kind": entry.kind, "by": entry.by_name, "by_partner": bool(entry.by_partner),
            "facility": place, "code": entry.code or "", "note": entry.note or ""}


def referral(user, referral: Referral, *, history: list | None = None,
             matched: dict[int, Facility] | None = None) -> dict:
    """The staff's view; ``history`` (``queries.history``) on the one-referral answer only; ``matched``:
    the facilities waiting referrals are matched to, read beforehand for a list."""
    accepted = next((o for o in referral.offers if o.status == "accepted"), None)
    waitlist = None
    if referral.waitlisted_at is not None:
        match = None
        if referral.matched_facility_id:
            match = (matched.get(referral.matched_facility_id) if matched is not None
                     else db.session.get(Facility, referral.matched_facility_id))
        waitlist = {"waitlisted_at": iso(referral.waitlisted_at),
                    "priority_adjustment": referral.priority_adjustment or 0,
                    "match": facility(user, match) if match else None, "matched_at": iso(referral.matched_at)}
    return {
        **_needs(referral),
        "received_at": iso(referral.received_at),
        "via_api": bool(referral.via_api),
        "case_manager_id": referral.case_manager_id,
        "outcome": referral.outcome,
        "closed_at": iso(referral.closed_at),
        "placement": facility(user, referral.placed_facility,
                              offered_by_id=accepted.offered_by_id if accepted is not None else None),
        "waitlist": waitlist,
        "offers": [offer(user, o) for o in referral.offers],
        "history": [history_entry(e) for e in history] if history is not None else None,
    }
