"""Referral partners: the organisations that refer people in and receive them for a service.

Admins keep the list. A partner is never deleted, only deactivated: referrals in and out point to it,
and its history must still name it. A deactivated partner is no longer offered in the forms and its
API tokens stop working (the API checks ``Partner.active``).

Validation returns the cleaned input or raises ``PartnerInvalid`` with every problem at once, as
field → code (never the value typed). A duplicate name is a field problem too, found before the
insert (case-insensitive) and, if two admins race, by the unique index inside a savepoint.
Audit events carry ids and field names only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter.audit import service as audit
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.labels import KOTA
from shelter.phones import InvalidPhone, to_e164
from shelter.referrals.models import Partner, PartnerKind
from shelter.referrals.rules import one_line

NAME_MAX = 120
CONTACT_MAX = 120
EMAIL_MAX = 254
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class PartnerInvalid(FieldProblems, ValueError):
    """Field problems of a partner: {field: code}."""


@dataclass
class PartnerInput:
    name: str
    kind: str
    kota: str | None = None
    contact_name: str = ""
    contact_phone: str | None = None
    contact_email: str | None = None


def _name_taken(name: str, partner_id: int | None) -> bool:
    query = sa.select(Partner.id).where(sa.func.lower(Partner.name) == name.lower())
    if partner_id is not None:
        query = query.where(Partner.id != partner_id)
    return db.session.scalar(query.limit(1)) is not None


def validate(data: PartnerInput, *, partner_id: int | None = None) -> PartnerInput:
    """Check and normalise; PartnerInvalid with every problem at once."""
    problems: dict[str, str] = {}
    data.name = one_line(problems, "name", data.name, NAME_MAX, required=True)
    if "name" not in problems and _name_taken(data.name, partner_id):
        problems["name"] = "taken"
    if data.kind not in {k.value for k in PartnerKind}:
        problems["kind"] = "required" if not data.kind else "invalid_choice"
    if data.kota in ("", None):
        data.kota = None
    elif data.kota not in KOTA:
        problems["kota"] = "invalid_choice"
    data.contact_name = one_line(problems, "contact_name", data.contact_name, CONTACT_MAX)
    try:
        if not isinstance(data.contact_phone, (str, type(None))):
            raise InvalidPhone()
        data.contact_phone = to_e164(data.contact_phone)
    except InvalidPhone:
        problems["contact_phone"] = "phone_format"
    email = one_line(problems, "contact_email", data.contact_email, EMAIL_MAX)
    if "contact_email" not in problems and email and not EMAIL_SHAPE.match(email):
        problems["contact_email"] = "email_format"
    data.contact_email = email or None
    if problems:
        raise PartnerInvalid(problems)
    return data


def _flush_or_taken() -> None:
    """Write now, in a savepoint: a partner of the same name inserted at the same moment by another
    admin fails here as a field problem, not at the commit as a 500 (both databases)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise PartnerInvalid({"name": "taken"}) from None


def create(data: PartnerInput, *, by) -> Partner:
    data = validate(data)
    partner = Partner(name=data.name, kind=data.kind, kota=data.kota, contact_name=data.contact_name,
                      contact_phone=data.contact_phone, contact_email=data.contact_email, active=True)
    db.session.add(partner)
    _flush_or_taken()
    audit.record("partner.created", actor=by, target=partner)
    return partner


def update(partner: Partner, data: PartnerInput, *, by) -> list[str]:
    """Apply an edit; the names of the fields that changed (empty: nothing changed, nothing audited)."""
    data = validate(data, partner_id=partner.id)
    changed = []
    for f in fields(PartnerInput):
        value = getattr(data, f.name)
        if getattr(partner, f.name) != value:
            setattr(partner, f.name, value)
            changed.append(f.name)
    if changed:
        _flush_or_taken()
        audit.record("partner.updated", actor=by, target=partner, detail={"fields": changed})
    return changed


def deactivate(partner: Partner, *, by) -> bool:
    """False when it was already inactive. Never a delete: referrals point to it."""
    if not partner.active:
        return False
    partner.active = False
    audit.record("partner.deactivated", actor=by, target=partner)
    return True


def reactivate(partner: Partner, *, by) -> bool:
    if partner.active:
        return False
    partner.active = True
    audit.record("partner.reactivated", actor=by, target=partner)
    return True


def active_partners() -> list[tuple[int, str]]:
    """(id, name) of the active partners, by name: the choices of the forms."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Partner.id, Partner.name).where(Partner.active.is_(True)).order_by(Partner.name, Partner.id))]
