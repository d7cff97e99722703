"""What a referral must say, who may act on it, and the domain errors of the referral flow.

Validation returns the cleaned input or raises ``ReferralInvalid`` with every problem at once, as
field → code (never the value typed), for the form, the API and the partner API alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from shelter import access, text
from shelter.db import utcnow
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.phones import InvalidPhone, to_e164
from shelter.referrals.models import (AGE_BANDS, ConsentBy, ConsentMethod, DeclineReason, Partner,
                                      ReferralOutcome, Urgency)
from shelter.residents.models import PROTECTION_CATEGORIES

ADULT_AGE = 18
ELDERLY_AGE = 60
MAX_CHILDREN = 10
SUMMARY_MAX = 4000
NOTE_MAX = 500
NAME_MAX = 120
REFERENCE_MAX = 60
CONSENT_NOTE_MAX = 200
# How long a facility has to answer an offer, and how long its beds stay held after that deadline
# (the offer escalates at the deadline; it can still be accepted until the holds end).
MAX_RESPONSE_HOURS = 48
HOLD_GRACE_HOURS = 12
MAX_REFERRED_AGE_DAYS = 366
# Categories that say the person is a child, an adult, or elderly.
CHILD_CATEGORIES = frozenset(c for c in PROTECTION_CATEGORIES if c.startswith("ampk_")) | {"ppks_street_child"}
ADULT_CATEGORIES = frozenset(c for c in PROTECTION_CATEGORIES if c.startswith("adult_")) | {"ppks_neglected_elderly"}
ELDERLY_CATEGORIES = frozenset({"ppks_neglected_elderly"})
CLOSING_OUTCOMES = (ReferralOutcome.PLACED_ELSEWHERE.value, ReferralOutcome.NO_LONGER_NEEDED.value,
                    ReferralOutcome.UNREACHABLE.value, ReferralOutcome.WITHDRAWN.value)


# --- errors -----------------------------------------------------------------------------------------

class ReferralError(Exception):
    code = "referral_error"

    def __init__(self, *args):
        super().__init__(self.code, *args)


class ReferralInvalid(FieldProblems, ValueError):
    """Field problems of a referral, an offer, a decision or a closing: {field: code}."""


class ReferralClosed(ReferralError):
    code = "referral_closed"


class AlreadyPlaced(ReferralError):
    """Another facility accepted this referral first."""

    code = "already_placed"


class OfferNotPending(ReferralError):
    """The offer was answered, withdrawn or has expired."""

    code = "offer_not_pending"


class NoSuitableBed(ReferralError):
    """No free bed (or not enough in one room, for a family) fits the person in that facility."""

    code = "no_suitable_bed"


class HoldsEnded(ReferralError):
    """The beds kept for this offer are no longer held (the holds ran out or were released)."""

    code = "holds_ended"


class AlreadyOffered(ReferralError):
    code = "already_offered"


class NotWaitlisted(ReferralError):
    code = "not_waitlisted"


# --- who may --------------------------------------------------------------------------------------------

# Who may: the one rule is in ``shelter.access`` (pages, API and reports use the same).
may_manage_referrals = access.manages_referrals
may_decide = access.decides_offers_in


# --- input ----------------------------------------------------------------------------------------------

@dataclass
class ChildInput:
    age: int | None
    sex: str
    name: str | None = None


@dataclass
class ReferralInput:
    partner_id: int | None
    urgency: str
    sex: str
    consent_by: str
    consent_method: str
    referred_at: datetime | None = None
    partner_reference: str = ""
    age: int | None = None
    age_band: str | None = None
    children: list[ChildInput] = field(default_factory=list)
    wheelchair: bool = False
    pregnant: bool = False
    high_risk: bool = False
    categories: list[str] = field(default_factory=list)
    consent_note: str = ""
    summary: str = ""
    officer_name: str = ""
    officer_phone: str | None = None
    person_name: str | None = None
    person_nik: str | None = None


def one_line(problems: dict, name: str, value, limit: int, *, required: bool = False) -> str:
    """A one-line field cleaned by the names' text rule (``shelter.text``); its problem, if any, goes
    into ``problems`` as field → code. None counts as empty."""
    value = text.clean(value) if isinstance(value, str) else ("" if value is None else value)
    if not isinstance(value, str):
        problems[name] = "invalid"
        return ""
    if required and not value:
        problems[name] = "required"
    elif len(value) > limit:
        problems[name] = "too_long"
    else:
        issue = text.problem(value)
        if issue:
            problems[name] = issue
    return value


def _multi_line(problems: dict, name: str, value, limit: int) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not isinstance(value, str):
        problems[name] = "invalid"
        return ""
    if len(value) > limit:
        problems[name] = "too_long"
    elif text.has_control_characters(value, multiline=True):
        problems[name] = "control_characters"
    return value


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_referral(data: ReferralInput, now: datetime | None = None) -> ReferralInput:
    """Check and normalise a referral; ReferralInvalid with every problem at once."""
    now = now or utcnow()
    problems: dict[str, str] = {}
    if not _is_int(data.partner_id) or not 0 < data.partner_id < 2**31 or not db.session.scalar(
            sa.select(Partner.id).where(Partner.id == data.partner_id, Partner.active.is_(True))):
        problems["partner_id"] = "unknown_partner"
    if data.urgency not in {u.value for u in Urgency}:
        problems["urgency"] = "invalid_choice"
    if data.sex not in ("female", "male"):
        problems["sex"] = "invalid_choice"
    if data.referred_at is None:
        data.referred_at = now
    elif data.referred_at > now + timedelta(minutes=5):
        problems["referred_at"] = "in_future"
    elif data.referred_at < now - timedelta(days=MAX_REFERRED_AGE_DAYS):
        problems["referred_at"] = "too_old"
    age = _age(problems, data)
    _children(problems, data)
    unknown = set(data.categories or []) - set(PROTECTION_CATEGORIES)
    if unknown or not isinstance(data.categories, list):
        problems["categories"] = "invalid_choice"
    elif age is not None:
        categories = set(data.categories)
        if age < ADULT_AGE and categories & ADULT_CATEGORIES:
            problems["categories"] = "adult_category_for_child"
        elif age >= ADULT_AGE and categories & CHILD_CATEGORIES:
            problems["categories"] = "child_category_for_adult"
        elif age < ELDERLY_AGE and categories & ELDERLY_CATEGORIES and "categories" not in problems:
            problems["categories"] = "elderly_category_too_young"
    data.categories = sorted(set(data.categories or []) - unknown) if isinstance(data.categories, list) else []
    if data.consent_by not in {c.value for c in ConsentBy}:
        problems["consent_by"] = "required" if not data.consent_by else "invalid_choice"
    elif age is not None and age < ADULT_AGE and data.consent_by == ConsentBy.PERSON.value:
        problems["consent_by"] = "child_needs_guardian_consent"
    if data.consent_method not in {c.value for c in ConsentMethod}:
        problems["consent_method"] = "required" if not data.consent_method else "invalid_choice"
    data.consent_note = one_line(problems, "consent_note", data.consent_note, CONSENT_NOTE_MAX)
    data.partner_reference = one_line(problems, "partner_reference", data.partner_reference, REFERENCE_MAX)
    data.summary = _multi_line(problems, "summary", data.summary, SUMMARY_MAX)
    data.officer_name = one_line(problems, "officer_name", data.officer_name, NAME_MAX)
    try:
        if not isinstance(data.officer_phone, (str, type(None))):
            raise InvalidPhone()
        data.officer_phone = to_e164(data.officer_phone)
    except InvalidPhone:
        problems["officer_phone"] = "phone_format"
    data.person_name = one_line(problems, "person_name", data.person_name, NAME_MAX) or None
    nik = data.person_nik
    if nik is not None and not isinstance(nik, str):
        problems["person_nik"] = "nik_format"
    else:
        data.person_nik = text.normalise_nik(nik)
        if data.person_nik is not None and not (len(data.person_nik) == 16 and data.person_nik.isascii()
                                                and data.person_nik.isdigit()):
            problems["person_nik"] = "nik_format"
    for flag in ("wheelchair", "pregnant", "high_risk"):
        if not isinstance(getattr(data, flag), bool):
            problems[flag] = "invalid"
    if data.pregnant is True and data.sex == "male":
        problems["pregnant"] = "contradicts_sex"
    if problems:
        raise ReferralInvalid(problems)
    return data


def _age(problems: dict, data: ReferralInput) -> int | None:
    """The age used for the rules: the age, else the band's youngest. Problems when neither or they disagree."""
    if data.age is not None and (not _is_int(data.age) or not 0 <= data.age <= 120):
        problems["age"] = "out_of_range"
        return None
    if data.age_band is not None and data.age_band not in AGE_BANDS:
        problems["age_band"] = "invalid_choice"
        return None
    if data.age is None and data.age_band is None:
        problems["age"] = "age_required"
        return None
    if data.age is not None and data.age_band is not None:
        low, high = AGE_BANDS[data.age_band]
        if not low <= data.age <= high:
            problems["age_band"] = "contradicts_age"
            return None
    return data.age if data.age is not None else AGE_BANDS[data.age_band][0]


def _children(problems: dict, data: ReferralInput) -> None:
    if not isinstance(data.children, list) or len(data.children) > MAX_CHILDREN:
        problems["children"] = "too_many" if isinstance(data.children, list) else "invalid"
        data.children = []
        return
    for child in data.children:
        if child.age is None or not _is_int(child.age) or not 0 <= child.age < ADULT_AGE:
            problems["children"] = "child_age"
        if child.sex not in ("female", "male"):
            problems["children"] = "child_sex"
        if child.name is not None:
            child_problems: dict[str, str] = {}
            child.name = one_line(child_problems, "name", child.name, NAME_MAX) or None
            if child_problems:
                problems["children"] = "child_name"


def validate_deadline(respond_by: datetime | None, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    if respond_by is None:
        raise ReferralInvalid({"respond_by": "required"})
    if respond_by <= now:
        raise ReferralInvalid({"respond_by": "in_past"})
    if respond_by > now + timedelta(hours=MAX_RESPONSE_HOURS, minutes=1):
        raise ReferralInvalid({"respond_by": "too_far"})
    return respond_by


def validate_decline(reason: str | None, note: str | None) -> tuple[str, str]:
    problems: dict[str, str] = {}
    if reason not in {r.value for r in DeclineReason}:
        problems["reason"] = "required" if not reason else "invalid_choice"
    note = one_line(problems, "note", note, NOTE_MAX)
    if reason == DeclineReason.OTHER.value and not note and "note" not in problems:
        problems["note"] = "required"
    if problems:
        raise ReferralInvalid(problems)
    return reason, note


def validate_closing(outcome: str | None, note: str | None) -> tuple[str, str]:
    problems: dict[str, str] = {}
    if outcome not in CLOSING_OUTCOMES:
        problems["outcome"] = "required" if not outcome else "invalid_choice"
    note = one_line(problems, "note", note, NOTE_MAX)
    if problems:
        raise ReferralInvalid(problems)
    return outcome, note


def validate_reason(reason: str | None) -> str:
    problems: dict[str, str] = {}
    reason = one_line(problems, "reason", reason, NOTE_MAX, required=True)
    if problems:
        raise ReferralInvalid(problems)
    return reason
