"""The OpenAPI schemas and paths of referrals: partner systems post referrals and read their status;
staff offer them to facilities, decide offers and keep the waitlist. Built from ``openapi_parts`` and
merged into ``openapi.document()``.

The operations a partner's token may call list the ``partner`` security scheme (``PARTNER_SECURITY``);
the tests check that they are exactly the views marked ``access.partner_allowed``.
"""

from __future__ import annotations

from shelter.api.openapi_parts import (COUNT, DATE_TIME, ID, ONE_LINE, enum, id_param, nullable, obj, op,
                                       query_param, ref, responses, text)
from shelter.referrals import rules
from shelter.referrals.models import (AGE_BANDS, ConsentBy, ConsentMethod, DeclineReason, OfferStatus, PartnerKind,
                                      ReferralOutcome, ReferralStatus, Urgency)
from shelter.referrals.queries import VIEWS
from shelter.residents.models import PROTECTION_CATEGORIES

TAGS = ["referrals"]
PER_PAGE = 25  # referrals, offers and waiting referrals a page
SEXES = ("female", "male")
PARTNER_SECURITY = [{"partner": []}, {"bearer": []}, {"session": []}]
PAGE = query_param("page", {"type": "integer", "minimum": 1, "default": 1}, "From 1.")
BOOL = {"type": "boolean"}
STRING = {"type": "string"}

PARTNER_NOTE = ("With a partner's token: the partner's own referrals only; another partner's referral is a 404 "
                "like a missing one. ")
DESK = "Case managers and admins (the referral desk); others get 404. "
DECIDERS = ("The receiving facility's intake staff, facility managers and case managers, and admins; others "
            "(and offers to other facilities) get 404. ")


def page_of(name: str, items: str) -> dict:
    return obj({name: {"type": "array", "items": ref(items)}, "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1}, "total": COUNT, "has_next": BOOL},
               (name, "page", "per_page", "total", "has_next"))


def _needs() -> dict:
    return {
        "ReferralPerson": obj({
            "sex": enum(SEXES), "age": nullable({"type": "integer", "minimum": 0, "maximum": 120}),
            "age_band": nullable(enum(AGE_BANDS)), "wheelchair": BOOL, "pregnant": BOOL, "high_risk": BOOL,
            "categories": {"type": "array", "items": enum(PROTECTION_CATEGORIES)},
            "name": nullable({**STRING, "description": "Optional until admission."}),
        }, ("sex", "age", "age_band", "wheelchair", "pregnant", "high_risk", "categories", "name"),
            description="The person's needs; never the NIK."),
        "ReferralChild": obj({"age": {"type": "integer", "minimum": 0, "maximum": 17}, "sex": enum(SEXES)},
                             ("age", "sex")),
        "ReferralConsent": obj({"by": enum(ConsentBy), "method": enum(ConsentMethod), "note": STRING},
                               ("by", "method", "note")),
        "ReferralOfficer": obj({"name": STRING, "phone": nullable({**STRING, "description": "E.164."})},
                               ("name", "phone"), description="The referring officer, whom the facility calls."),
        "ReferralPartner": obj({"id": ID, "name": STRING, "kind": enum(PartnerKind)}, ("id", "name", "kind")),
        "ReferralFacility": obj({
            "id": nullable(ID), "name": nullable(STRING),
            "protected": {**BOOL, "description": "A Rumah Aman you may not know of: no id, no name."},
        }, ("id", "name", "protected")),
        "OfferedReferral": obj({
            "id": ID, "partner": ref("ReferralPartner"), "reference": STRING, "urgency": enum(Urgency),
            "referred_at": DATE_TIME, "status": enum(ReferralStatus), "person": ref("ReferralPerson"),
            "children": {"type": "array", "items": ref("ReferralChild")}, "consent": ref("ReferralConsent"),
            "summary": STRING, "officer": ref("ReferralOfficer"),
        }, ("id", "partner", "reference", "urgency", "referred_at", "status", "person", "children", "consent",
            "summary", "officer"), description="What the receiving facility needs to decide."),
    }


def _staff() -> dict:
    offer = {
        "id": ID, "referral_id": ID, "facility": ref("ReferralFacility"), "status": enum(OfferStatus),
        "offered_at": DATE_TIME, "respond_by": DATE_TIME, "note": STRING, "decided_at": nullable(DATE_TIME),
        "decline_reason": nullable(enum(DeclineReason)), "decline_note": STRING,
        "beds": {**COUNT, "description": "Beds held for the person and the children."},
    }
    return {
        "ReferralOffer": obj(offer, tuple(offer), description="Notes are empty when the facility is protected."),
        "InboxOffer": obj({**offer, "referral": ref("OfferedReferral")}, (*offer, "referral")),
        "InboxPage": page_of("offers", "InboxOffer"),
        "ReferralHistoryEntry": obj({
            "at": DATE_TIME, "kind": {**STRING, "description": "received, assigned, offered, declined, accepted, "
                                                             "admitted, superseded, offer_withdrawn, offer_expired, "
                                                             "waitlisted, matched, reordered, closed, …"},
            "by": nullable({**STRING, "description": "The staff member; null for a partner's system or the "
                                                     "scheduler, and for a protected facility's steps."}),
            "by_partner": BOOL, "facility": nullable(ref("ReferralFacility")),
            "code": {**STRING, "description": "A decline reason or an outcome."}, "note": STRING,
        }, ("at", "kind", "by", "by_partner", "facility", "code", "note")),
        "ReferralWaitlist": obj({
            "waitlisted_at": DATE_TIME, "priority_adjustment": {"type": "integer"},
            "match": nullable({**ref("ReferralFacility"),
                               "description": "A facility with a free bed that fits now."}),
            "matched_at": nullable(DATE_TIME),
        }, ("waitlisted_at", "priority_adjustment", "match", "matched_at")),
        "Referral": obj({
            "id": ID, "partner": ref("ReferralPartner"), "reference": STRING, "referred_at": DATE_TIME,
            "received_at": DATE_TIME, "via_api": BOOL, "case_manager_id": nullable(ID), "urgency": enum(Urgency),
            "status": enum(ReferralStatus), "outcome": nullable(enum(ReferralOutcome)),
            "closed_at": nullable(DATE_TIME), "person": ref("ReferralPerson"),
            "children": {"type": "array", "items": ref("ReferralChild")}, "consent": ref("ReferralConsent"),
            "summary": STRING, "officer": ref("ReferralOfficer"),
            "placement": nullable(ref("ReferralFacility")), "waitlist": nullable(ref("ReferralWaitlist")),
            "offers": {"type": "array", "items": ref("ReferralOffer")},
            "history": nullable({"type": "array", "items": ref("ReferralHistoryEntry"),
                                 "description": "Oldest first; null in lists."}),
        }, ("id", "partner", "reference", "referred_at", "received_at", "via_api", "case_manager_id", "urgency",
            "status", "outcome", "closed_at", "person", "children", "consent", "summary", "officer", "placement",
            "waitlist", "offers", "history"), description="The staff's view of a referral."),
        "ReferralPage": page_of("referrals", "Referral"),
        "WaitlistEntry": obj({"position": {"type": "integer", "minimum": 1}, "referral": ref("Referral")},
                             ("position", "referral")),
        "WaitlistPage": page_of("entries", "WaitlistEntry"),
        "OfferAccepted": obj({"offer": ref("InboxOffer"), "stays": {"type": "array", "items": ref("Stay")}},
                             ("offer", "stays"), description="The referred person's stay first, then the children's."),
    }


def _partner() -> dict:
    return {
        "PartnerPlacement": obj({
            "kind": enum(("panti", "protected_facility")),
            "facility": {**STRING, "description": "A panti's name; a protected facility is never named."},
        }, ("kind",)),
        "PartnerReferral": obj({
            "id": ID, "reference": STRING, "status": enum(ReferralStatus),
            "outcome": nullable(enum(ReferralOutcome)), "placement": nullable(ref("PartnerPlacement")),
            "received_at": DATE_TIME, "closed_at": nullable(DATE_TIME),
        }, ("id", "reference", "status", "outcome", "placement", "received_at", "closed_at"),
            description="What a partner may know of its own referral: the status words and the outcome."),
        "PartnerReferralPage": page_of("referrals", "PartnerReferral"),
        "ReferralAnswer": {"anyOf": [ref("PartnerReferral"), ref("Referral")],
                           "description": "PartnerReferral for a partner's token, Referral for staff."},
        "ReferralPageAnswer": {"anyOf": [ref("PartnerReferralPage"), ref("ReferralPage")],
                               "description": "PartnerReferralPage for a partner's token, ReferralPage for staff."},
    }


def _requests() -> dict:
    one_line = {"pattern": ONE_LINE}
    choice = obj({
        "resident_id": nullable({**ID, "description": "An existing resident you may open."}),
        "name": nullable(text(rules.NAME_MAX, **one_line, description="A new resident, registered here.")),
    }, description="Give resident_id or name.")
    return {
        "ReferralCreate": obj({
            "partner_id": nullable({**ID, "description": "Staff: the referring partner (required). With a "
                                                         "partner's token it is ignored: the token's partner."}),
            "urgency": {**enum(Urgency), "description": "emergency (tonight), days (within days), planned."},
            "referred_at": nullable({**DATE_TIME, "description": "Defaults to now; not in the future, not more "
                                                                 "than a year ago."}),
            "reference": nullable(text(rules.REFERENCE_MAX, **one_line, description="The partner's own number.")),
            "person": obj({
                "sex": enum(SEXES),
                "age": nullable({"type": "integer", "minimum": 0, "maximum": 120,
                                 "description": "Give age or age_band (or both, agreeing)."}),
                "age_band": nullable(enum(AGE_BANDS)),
                "wheelchair": BOOL, "pregnant": BOOL, "high_risk": BOOL,
                "categories": {"type": "array", "items": enum(PROTECTION_CATEGORIES),
                               "maxItems": len(PROTECTION_CATEGORIES)},
                "name": nullable(text(rules.NAME_MAX, **one_line)),
                "nik": nullable(text(32, **one_line, description="16 digits; spaces, dots and dashes are ignored.")),
            }, ("sex",)),
            "children": {"type": "array", "maxItems": rules.MAX_CHILDREN, "items": obj({
                "age": {"type": "integer", "minimum": 0, "maximum": rules.ADULT_AGE - 1}, "sex": enum(SEXES),
                "name": nullable(text(rules.NAME_MAX, **one_line)),
            }, ("age", "sex")), "description": "Children coming along (a bed each, in the same room)."},
            "consent": obj({
                "by": {**enum(ConsentBy), "description": "For a child: guardian, ppa_officer or social_worker."},
                "method": enum(ConsentMethod),
                "note": nullable(text(rules.CONSENT_NOTE_MAX, **one_line)),
            }, ("by", "method")),
            "summary": nullable(text(rules.SUMMARY_MAX, multiline=True)),
            "officer": nullable(obj({
                "name": nullable(text(rules.NAME_MAX, **one_line)),
                "phone": nullable(text(32, **one_line, description="e.g. 0812 5550 199.")),
            })),
        }, ("urgency", "person", "consent")),
        "ReferralWithdraw": obj({"note": nullable(text(rules.NOTE_MAX, **one_line))}),
        "OfferCreate": obj({
            "facility_id": ID,
            "respond_by": nullable({**DATE_TIME, "description": f"After now, at most {rules.MAX_RESPONSE_HOURS} "
                                                                "hours ahead; defaults by urgency (2, 12 or 24 "
                                                                "hours)."}),
            "room_id": nullable({**ID, "description": "A room of that facility; defaults to the best fit."}),
            "note": nullable(text(rules.NOTE_MAX, **one_line)),
        }, ("facility_id",)),
        "PersonChoice": choice,
        "OfferAccept": obj({
            "person": ref("PersonChoice"),
            "children": {"type": "array", "items": ref("PersonChoice"), "maxItems": rules.MAX_CHILDREN,
                         "description": "One for each child of the referral, in their order."},
        }, ("person",)),
        "OfferDecline": obj({
            "reason": enum(DeclineReason),
            "note": nullable(text(rules.NOTE_MAX, **one_line, description="Required when the reason is other.")),
        }, ("reason",)),
        "WaitlistAdd": obj({"note": nullable(text(rules.NOTE_MAX, **one_line))}),
    }


def schemas() -> dict:
    return {**_needs(), **_staff(), **_partner(), **_requests()}


def _partner_op(operation: dict) -> dict:
    return {**operation, "security": PARTNER_SECURITY}


FIELDS_NOTE = ("422 fields use paths: person/age, person/categories (adult_category_for_child, "
               "child_category_for_adult, elderly_category_too_young), person/age_band (contradicts_age), "
               "consent/by (child_needs_guardian_consent), officer/phone (phone_format), person/nik (nik_format), "
               "partner_id (required, unknown_partner), referred_at (in_future, too_old), children (child_age, …). "
               "Nothing is saved.")


def paths() -> dict:
    referral = [id_param("referral_id")]
    offer = [id_param("offer_id")]
    return {
        "/referrals": {
            "get": _partner_op(op(
                "listReferrals", f"Referrals, {PER_PAGE} a page",
                responses(200, "ReferralPageAnswer", "One page", 422), tags=TAGS,
                parameters=[PAGE, query_param("view", {**enum(VIEWS), "default": "open"},
                                              "Staff: open (received, offered), waitlist, placed, closed or all."),
                            query_param("urgency", enum(Urgency), "Staff: only this urgency.")],
                description=PARTNER_NOTE + "Newest first, status words only. Staff: the referrals you may open "
                                           "(case managers and admins; others get an empty list).")),
            "post": _partner_op(op(
                "createReferral", "Record an incoming referral",
                responses(201, "ReferralAnswer", "Recorded", 400, 404, 422), tags=TAGS, body="ReferralCreate",
                description="A partner's token records it for its partner, whatever partner_id says. Staff: "
                            + DESK + FIELDS_NOTE)),
        },
        "/referrals/{referral_id}": {"get": _partner_op(op(
            "getReferral", "One referral: its status (partners) or the whole record with its history (staff)",
            responses(200, "ReferralAnswer", "The referral", 404), tags=TAGS, parameters=referral,
            description=PARTNER_NOTE + "A placement in a Rumah Aman is only protected_facility. Staff: "
                                       "the referrals you may open; a Rumah Aman is named only to admins, its "
                                       "staff and the case manager who offered it there."))},
        "/referrals/{referral_id}/withdraw": {"post": _partner_op(op(
            "withdrawReferral", "The partner takes its referral back",
            responses(200, "PartnerReferral", "Closed as withdrawn", 400, 404, 409, 422), tags=TAGS,
            body="ReferralWithdraw", parameters=referral,
            description="Partner tokens only (staff get 404). Pending offers are withdrawn and their beds freed. "
                        "409 referral_closed when it is already placed or closed."))},
        "/referrals/{referral_id}/offers": {"post": op(
            "offerReferral", "Offer the referral to a facility, holding its beds until the answer",
            responses(201, "InboxOffer", "Offered", 400, 404, 409, 422), tags=TAGS, body="OfferCreate",
            parameters=referral,
            description=DESK + "422 fields.respond_by = in_past or too_far, fields.facility_id = unknown_facility. "
                               "409 no_suitable_bed (no fitting free beds for the person and the children in one "
                               "room), already_offered, referral_closed.")},
        "/referrals/{referral_id}/waitlist": {"post": op(
            "waitlistReferral", "Put the referral on the waitlist (no bed fits now)",
            responses(200, "Referral", "Waiting", 400, 404, 409, 422), tags=TAGS, body="WaitlistAdd",
            parameters=referral,
            description=DESK + "It is matched against free beds at once and whenever beds free up; nobody is "
                               "placed automatically. 409 already_offered while an offer is pending, "
                               "referral_closed.")},
        "/offers": {"get": op(
            "listOffers", f"The inbox: offers to your facilities, {PER_PAGE} a page",
            responses(200, "InboxPage", "One page", 422), tags=TAGS,
            parameters=[PAGE, query_param("view", {**enum(("pending", "decided")), "default": "pending"},
                                          "pending: the earliest deadline first; decided: the latest first.")],
            description=DECIDERS.replace("get 404", "get an empty list"))},
        "/offers/{offer_id}/accept": {"post": op(
            "acceptOffer", "Accept: the person (and each child) admitted into the held beds in one step",
            responses(200, "OfferAccepted", "Admitted", 400, 404, 409, 422), tags=TAGS, body="OfferAccept",
            parameters=offer,
            description=DECIDERS + "409 already_placed when another facility accepted first (this offer's beds "
                                   "are freed), offer_not_pending, holds_ended, referral_closed. 422 fields: "
                                   "person/resident_id (unknown_resident), person/name (required, …), person "
                                   "(already_admitted, room_rules), children (count), children/0/name, …")},
        "/offers/{offer_id}/decline": {"post": op(
            "declineOffer", "Decline with a reason: the beds are freed, the referral returns to its case manager",
            responses(200, "InboxOffer", "Declined", 400, 404, 409, 422), tags=TAGS, body="OfferDecline",
            parameters=offer,
            description=DECIDERS + "422 fields.note = required for the reason other. 409 offer_not_pending.")},
        "/waitlist": {"get": op(
            "listWaitlist", f"The waitlist in priority order, {PER_PAGE} a page",
            responses(200, "WaitlistPage", "One page", 404, 422), tags=TAGS, parameters=[PAGE],
            description=DESK + "Priority: the case managers' adjustments, urgency, high risk, the longest wait. "
                               "Each referral's waitlist.match names a facility whose free bed fits now.")},
    }
