"""JSON API v1 routes of referrals (added to the API blueprint; described in ``openapi_referrals``).

Two kinds of caller. A partner's system, with a partner token (``api.auth.PartnerPrincipal``): it
records referrals for its partner, lists and reads its own (the status words of
``queries.partner_status``, a Rumah Aman never named) and withdraws them; only the views marked
``partner_allowed`` let it in, and another partner's referral is a 404 like a missing one. Staff, with
a session or a user's token: the referral desk (``access.manages_referrals``) records, reads, offers and
waitlists within ``access.referral_clause``; a receiving facility's deciders read their inbox and accept
or decline. As everywhere in the API: the record is looked up (404 outside scope) before the body is
read, one service call, one commit; a refused request writes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from shelter.access import (decides_offers_in, is_partner, manages_referrals, partner_allowed, referral_clause)
from shelter.api import serialise, serialise_referrals as as_json
from shelter.api.errors import ApiError, invalid, not_found
from shelter.api.openapi_referrals import PER_PAGE
from shelter.api.schema import parse_date_time
from shelter.api.views import bp, json_body, page_number, run_and_commit
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.referrals import acceptance, queries, service, waitlist
from shelter.referrals.models import Offer, Referral, ReferralOutcome, Urgency
from shelter.referrals.rules import ChildInput, ReferralError, ReferralInput, ReferralInvalid
from shelter.residents.queries import visible_resident
from shelter.stays.models import BedAssignment

MESSAGES = {
    "referral_closed": "This referral is already placed or closed.",
    "already_placed": "Another facility accepted this referral first; this offer's beds are freed.",
    "offer_not_pending": "This offer was already answered, withdrawn or has expired.",
    "no_suitable_bed": "No free beds in one room of this facility fit the person and the children.",
    "holds_ended": "The beds kept for this offer are no longer held.",
    "already_offered": "This referral already has a pending offer (to this facility).",
    "not_waitlisted": "This referral is not on the waitlist.",
}

# ReferralInvalid's fields (``rules.validate_referral``) → where they are in the API's body.
REFERRAL_FIELDS = {
    "sex": "person/sex", "age": "person/age", "age_band": "person/age_band", "wheelchair": "person/wheelchair",
    "pregnant": "person/pregnant", "high_risk": "person/high_risk", "categories": "person/categories",
    "person_name": "person/name", "person_nik": "person/nik", "consent_by": "consent/by",
    "consent_method": "consent/method", "consent_note": "consent/note", "partner_reference": "reference",
    "officer_name": "officer/name", "officer_phone": "officer/phone",
}


# --- lookups: scope first ------------------------------------------------------------------------------

def own_referral_or_404(referral_id: int) -> Referral:
    """A partner's own referral; another partner's is the same 404 as a missing one."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.partner_id != current_user.partner_id:
        raise not_found("Referral")
    return referral


def desk_referral_or_404(referral_id: int) -> Referral:
    if not manages_referrals(current_user):
        raise not_found("Referral")
    referral = queries.find_referral(current_user, referral_id)
    if referral is None:
        raise not_found("Referral")
    return referral


def decided_offer_or_404(offer_id: int) -> Offer:
    """An offer to a facility whose offers the user decides."""
    the_offer = queries.find_offer(current_user, offer_id)
    if the_offer is None or not decides_offers_in(current_user, the_offer.facility_id):
        raise not_found("Offer")
    return the_offer


# --- running a service call -----------------------------------------------------------------------------

def _api_field(name: str, code: str) -> str:
    """Where a problem is in the body. ``acceptance`` names the person ``name`` and the children ``child_1`` …:
    ``name`` + required → ``person/name``, ``child_2`` + unknown_resident → ``children/1/resident_id``,
    ``name.nik`` → ``person/nik``; ``rules.validate_referral``'s fields by ``REFERRAL_FIELDS``."""
    head, _, rest = name.partition(".")
    if head == "name":
        where = "person"
    elif head.startswith("child_") and head[6:].isdigit():
        where = f"children/{int(head[6:]) - 1}"
    else:
        return REFERRAL_FIELDS.get(name, name)
    if not rest:
        rest = {"unknown_resident": "resident_id", "already_admitted": "", "room_rules": ""}.get(code, "name")
    return f"{where}/{rest}" if rest else where


def _referral_error(error: Exception) -> ApiError | None:
    if isinstance(error, ReferralInvalid):
        return invalid({_api_field(k, v): v for k, v in error.problems.items()})
    if isinstance(error, ReferralError):
        return ApiError(409, error.code, MESSAGES.get(error.code))
    return None


def run(action):
    return run_and_commit(action, _referral_error)


def paged(query: sa.Select, page: int) -> tuple[list, int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE))), total


def page_json(name: str, items: list, page: int, total: int) -> dict:
    return {name: items, "page": page, "per_page": PER_PAGE, "total": total, "has_next": page * PER_PAGE < total}


def choice_arg(name: str, allowed, default: str | None) -> str | None:
    value = request.args.get(name) or default
    if value is not None and value not in allowed:
        raise invalid({name: "invalid_choice"})
    return value


LOADS = (selectinload(Referral.offers).selectinload(Offer.facility), selectinload(Referral.placed_facility))


def staff_json(referrals: list[Referral]) -> list[dict]:
    """The staff's view of a list; the facilities the waiting ones are matched to read in one statement."""
    ids = sorted({r.matched_facility_id for r in referrals if r.matched_facility_id})
    matched = {f.id: f for f in db.session.scalars(sa.select(Facility).where(Facility.id.in_(ids)))} if ids else {}
    return [as_json.referral(current_user, r, matched=matched) for r in referrals]


# --- referrals -------------------------------------------------------------------------------------------

@bp.get("/referrals")
@partner_allowed
def referrals_list():
    page = page_number()
    if is_partner(current_user):
        items, total = paged(queries.partner_referrals_query(current_user.partner_id), page)
        return page_json("referrals", [as_json.partner_view(r) for r in items], page, total)
    filters = queries.ReferralFilters(view=choice_arg("view", queries.VIEWS, "open"),
                                      urgency=choice_arg("urgency", {u.value for u in Urgency}, None) or "")
    items, total = paged(queries.referrals_query(current_user, filters).options(*LOADS), page)
    return page_json("referrals", staff_json(items), page, total)


def referral_input(body: dict) -> ReferralInput:
    person, consent, officer = body["person"], body["consent"], body.get("officer") or {}
    return ReferralInput(
        partner_id=body.get("partner_id"), urgency=body["urgency"], sex=person["sex"],
        consent_by=consent["by"], consent_method=consent["method"], consent_note=consent.get("note") or "",
        referred_at=parse_date_time(body["referred_at"]) if body.get("referred_at") is not None else None,
        partner_reference=body.get("reference") or "", age=person.get("age"), age_band=person.get("age_band"),
        children=[ChildInput(age=c["age"], sex=c["sex"], name=c.get("name")) for c in body.get("children") or []],
        wheelchair=bool(person.get("wheelchair")), pregnant=bool(person.get("pregnant")),
        high_risk=bool(person.get("high_risk")), categories=list(person.get("categories") or []),
        summary=body.get("summary") or "", officer_name=officer.get("name") or "",
        officer_phone=officer.get("phone"), person_name=person.get("name"), person_nik=person.get("nik"))


@bp.post("/referrals")
@partner_allowed
def referral_create():
    partner = is_partner(current_user)
    if not partner and not manages_referrals(current_user):
        raise not_found("Referral")
    body = json_body("ReferralCreate")
    if not partner and body.get("partner_id") is None:
        raise invalid({"partner_id": "required"})
    data = referral_input(body)
    if partner:
        referral = run(lambda: service.create(data, partner_id=current_user.partner_id))
        return as_json.partner_view(referral), 201
    referral = run(lambda: service.create(data, by=current_user))
    return as_json.referral(current_user, referral, history=queries.history(current_user, referral)), 201


@bp.get("/referrals/<id:referral_id>")
@partner_allowed
def referral_show(referral_id: int):
    if is_partner(current_user):
        return as_json.partner_view(own_referral_or_404(referral_id))
    referral = desk_referral_or_404(referral_id)
    return as_json.referral(current_user, referral, history=queries.history(current_user, referral))


@bp.post("/referrals/<id:referral_id>/withdraw")
@partner_allowed
def referral_withdraw(referral_id: int):
    if not is_partner(current_user):
        raise not_found("Referral")
    referral = own_referral_or_404(referral_id)
    body = json_body("ReferralWithdraw")
    referral = run(lambda: service.close(referral, outcome=ReferralOutcome.WITHDRAWN.value,
                                         note=body.get("note") or "", by_partner=True))
    return as_json.partner_view(referral), 200


@bp.post("/referrals/<id:referral_id>/offers")
def referral_offer(referral_id: int):
    referral = desk_referral_or_404(referral_id)
    body = json_body("OfferCreate")
    facility = db.session.get(Facility, body["facility_id"])
    if facility is None:
        raise invalid({"facility_id": "unknown_facility"})
    respond_by = (parse_date_time(body["respond_by"]) if body.get("respond_by") is not None
                  else service.default_deadline(referral))
    the_offer = run(lambda: service.offer(referral, facility, by=current_user, respond_by=respond_by,
                                          room_id=body.get("room_id"), note=body.get("note") or ""))
    return as_json.inbox_offer(current_user, the_offer), 201


@bp.post("/referrals/<id:referral_id>/waitlist")
def referral_waitlist(referral_id: int):
    referral = desk_referral_or_404(referral_id)
    body = json_body("WaitlistAdd")
    referral = run(lambda: waitlist.add(referral, by=current_user, note=body.get("note") or ""))
    return as_json.referral(current_user, referral), 200


@bp.get("/waitlist")
def waitlist_list():
    if not manages_referrals(current_user):
        raise not_found("Waitlist")
    page = page_number()
    items, total = paged(waitlist.waiting_query().where(referral_clause(current_user)).options(*LOADS), page)
    positions = waitlist.positions()
    return page_json("entries", [{"position": positions[r.id], "referral": data}
                                 for r, data in zip(items, staff_json(items))], page, total)


# --- offers -----------------------------------------------------------------------------------------------

@bp.get("/offers")
def offers_list():
    page = page_number()
    view = choice_arg("view", ("pending", "decided"), "pending")
    query = queries.inbox_query(current_user, pending_only=view == "pending").options(
        selectinload(Offer.referral), selectinload(Offer.facility))
    items, total = paged(query, page)
    return page_json("offers", [as_json.inbox_offer(current_user, o) for o in items], page, total)


def person_choice(body: dict) -> acceptance.PersonChoice:
    return acceptance.PersonChoice(resident_id=body.get("resident_id"), name=body.get("name"))


def bed_of(stay) -> int | None:
    return db.session.scalar(sa.select(BedAssignment.bed_id).where(BedAssignment.stay_id == stay.id,
                                                                   BedAssignment.ended_at.is_(None)))


@bp.post("/offers/<id:offer_id>/accept")
def offer_accept(offer_id: int):
    the_offer = decided_offer_or_404(offer_id)
    body = json_body("OfferAccept")
    choice = acceptance.Acceptance(person=person_choice(body["person"]),
                                   children=[person_choice(c) for c in body.get("children") or []])
    user = current_user._get_current_object()
    admitted = run(lambda: acceptance.accept(the_offer, choice, by=user,
                                             visible_resident=lambda rid: visible_resident(user, rid)))
    return {"offer": as_json.inbox_offer(user, the_offer),
            "stays": [serialise.stay(stay, bed_of(stay)) for stay in admitted]}, 200


@bp.post("/offers/<id:offer_id>/decline")
def offer_decline(offer_id: int):
    the_offer = decided_offer_or_404(offer_id)
    body = json_body("OfferDecline")
    run(lambda: service.decline(the_offer, by=current_user, reason=body["reason"], note=body.get("note") or ""))
    return as_json.inbox_offer(current_user, the_offer), 200
