"""Translated labels for the referral codes: urgency, statuses, outcomes, offers, decline reasons,
consent, partner kinds and the steps of a referral's history.

The codes are stored in English (``shelter.referrals.models``); each table gives a code an English
msgid that the Indonesian catalogue translates. ``TEMPLATE_GLOBALS`` is registered by the referrals
blueprint, so every page can use the ``*_label`` functions.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shelter.labels import lookup

from shelter.referrals.models import (AGE_BANDS, ConsentBy, ConsentMethod, DeclineReason, OfferStatus,
                                      ReferralOutcome, ReferralStatus, Urgency)
from shelter.referrals.partner_labels import partner_kind_label  # one table for the desk and the admin pages

URGENCIES = {
    Urgency.EMERGENCY.value: _l("Emergency: tonight"),
    Urgency.DAYS.value: _l("Within days"),
    Urgency.PLANNED.value: _l("Planned"),
}
STATUSES = {
    ReferralStatus.RECEIVED.value: _l("Received"),
    ReferralStatus.OFFERED.value: _l("Offered"),
    ReferralStatus.WAITLISTED.value: _l("On the waitlist"),
    ReferralStatus.PLACED.value: _l("Placed"),
    ReferralStatus.CLOSED.value: _l("Closed"),
}
OUTCOMES = {
    ReferralOutcome.PLACED.value: _l("Placed"),
    ReferralOutcome.PLACED_ELSEWHERE.value: _l("Placed elsewhere"),
    ReferralOutcome.NO_LONGER_NEEDED.value: _l("No longer needed"),
    ReferralOutcome.UNREACHABLE.value: _l("Unreachable"),
    ReferralOutcome.WITHDRAWN.value: _l("Withdrawn by the referrer"),
}
OFFER_STATUSES = {
    OfferStatus.PENDING.value: _l("Awaiting an answer"),
    OfferStatus.ACCEPTED.value: _l("Accepted"),
    OfferStatus.DECLINED.value: _l("Declined"),
    OfferStatus.EXPIRED.value: _l("Expired"),
    OfferStatus.WITHDRAWN.value: _l("Withdrawn by the case manager"),
    OfferStatus.SUPERSEDED.value: _l("Placed elsewhere first"),
}
DECLINE_REASONS = {
    DeclineReason.NO_SUITABLE_BED.value: _l("No suitable bed"),
    DeclineReason.NEEDS_MEDICAL_CARE.value: _l("Needs medical care first"),
    DeclineReason.SAFETY_CONFLICT.value: _l("Safety conflict with a resident"),
    DeclineReason.OUTSIDE_MANDATE.value: _l("Outside our mandate"),
    DeclineReason.OTHER.value: _l("Other reason"),
}
CONSENT_BY = {
    ConsentBy.PERSON.value: _l("The person themself"),
    ConsentBy.GUARDIAN.value: _l("Parent or guardian of the child"),
    ConsentBy.PPA_OFFICER.value: _l("The PPA officer"),
    ConsentBy.SOCIAL_WORKER.value: _l("A social worker"),
}
CONSENT_METHODS = {
    ConsentMethod.WRITTEN.value: _l("Written"),
    ConsentMethod.VERBAL.value: _l("Verbal, in person"),
    ConsentMethod.PHONE.value: _l("By phone"),
}
AGE_BAND_LABELS = {
    "0-5": _l("0–5 years"), "6-12": _l("6–12 years"), "13-17": _l("13–17 years"),
    "18-59": _l("18–59 years"), "60+": _l("60 years or older"),
}
assert tuple(AGE_BAND_LABELS) == tuple(AGE_BANDS), "every age band needs a label"
# The steps of the history (``ReferralEvent.kind``).
EVENT_KINDS = {
    "received": _l("Referral received"),
    "assigned": _l("Taken by a case manager"),
    "offered": _l("Offered to a facility"),
    "declined": _l("Declined"),
    "offer_withdrawn": _l("Offer withdrawn"),
    "expired": _l("Offer expired"),
    "escalated": _l("Answer overdue: escalated"),
    "superseded": _l("Offer ended: placed elsewhere"),
    "accepted": _l("Accepted by the facility"),
    "admitted": _l("Admitted into the held beds"),
    "waitlisted": _l("Put on the waitlist"),
    "left_waitlist": _l("Taken off the waitlist"),
    "reordered": _l("Waitlist order changed"),
    "matched": _l("Matched with a free bed"),
    "closed": _l("Closed"),
}
REORDER_STEPS = {"up": _l("moved up"), "down": _l("moved down")}




urgency_label = lookup(URGENCIES, blank="")
referral_status_label = lookup(STATUSES, blank="")
referral_outcome_label = lookup(OUTCOMES, blank="")
offer_status_label = lookup(OFFER_STATUSES, blank="")
decline_reason_label = lookup(DECLINE_REASONS, blank="")
consent_by_label = lookup(CONSENT_BY, blank="")
consent_method_label = lookup(CONSENT_METHODS, blank="")
age_band_label = lookup(AGE_BAND_LABELS, blank="")
referral_event_label = lookup(EVENT_KINDS, blank="")
reorder_step_label = lookup(REORDER_STEPS, blank="")

TEMPLATE_GLOBALS = {
    "urgency_label": urgency_label,
    "referral_status_label": referral_status_label,
    "referral_outcome_label": referral_outcome_label,
    "offer_status_label": offer_status_label,
    "decline_reason_label": decline_reason_label,
    "consent_by_label": consent_by_label,
    "consent_method_label": consent_method_label,
    "partner_kind_label": partner_kind_label,
    "age_band_label": age_band_label,
    "referral_event_label": referral_event_label,
    "reorder_step_label": reorder_step_label,
}
