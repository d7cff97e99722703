"""Registering and editing residents: the rules shared by the intake form and the API.

Errors carry field names and codes, never the values (a resident's name or NIK must not end up in
a log line or an exception message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from shelter.errors import FieldProblems
from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.encryption import nik_matches
from shelter.extensions import db
from shelter.phones import to_e164
from shelter import text
from shelter.text import has_control_characters, normalise_nik  # noqa: F401 - re-exported
from shelter.residents.models import (PROTECTION_CATEGORIES, FamilyContact, NoContactPerson, Resident,
                                      ResidentCategory)

NIK_PATTERN = re.compile(r"^[0-9]{16}$")
MAX_AGE = 120
NAME_MAX = 120
ALIAS_MAX = 60
KOTA_MAX = 60
DISABILITIES_MAX = 2000
RELATIONSHIP_MAX = 60
ADDRESS_MAX = 1000
DESCRIPTION_MAX = 2000
GUARDIAN_CHAIN_MAX = 20  # how far up a guardian chain we look for a loop


class ResidentInvalid(FieldProblems, ValueError):
    """Field-level problems: {field: code}. Codes: required, too_long, nik_format, in_future, …"""


class StaleResident(Exception):
    """Someone else saved this resident since the form was opened."""


@dataclass
class ResidentInput:
    full_name: str
    sex: str
    birth_date: date | None = None
    estimated_age: int | None = None
    alias: str | None = None
    nik: str | None = None
    kota_of_origin: str | None = None
    risk_level: str = "low"
    disabilities: str = ""
    categories: list[str] = field(default_factory=list)
    guardian_id: int | None = None


def validate(data: ResidentInput, today: date | None = None) -> ResidentInput:
    """Check and normalise; raises ResidentInvalid with every problem at once."""
    today = today or utcnow().date()
    problems: dict[str, str] = {}
    data.full_name = _text(problems, "full_name", data.full_name, NAME_MAX, required=True)
    data.alias = _text(problems, "alias", data.alias, ALIAS_MAX) or None
    if data.sex not in ("female", "male"):
        problems["sex"] = "invalid_choice"
    if data.birth_date is None and data.estimated_age is None:
        problems["birth_date"] = "age_required"
    if data.birth_date is not None:
        if data.birth_date > today:
            problems["birth_date"] = "in_future"
        elif data.birth_date.year < today.year - MAX_AGE:
            problems["birth_date"] = "too_old"
    if data.estimated_age is not None and not 0 <= data.estimated_age <= MAX_AGE:
        problems["estimated_age"] = "out_of_range"
    data.nik = normalise_nik(data.nik)
    if data.nik is not None and not NIK_PATTERN.match(data.nik):
        problems["nik"] = "nik_format"
    data.kota_of_origin = _text(problems, "kota_of_origin", data.kota_of_origin, KOTA_MAX) or None
    if data.risk_level not in ("low", "medium", "high"):
        problems["risk_level"] = "invalid_choice"
    unknown = set(data.categories) - set(PROTECTION_CATEGORIES)
    if unknown:
        problems["categories"] = "invalid_choice"
    data.categories = sorted(set(data.categories) - unknown)
    data.disabilities = (data.disabilities or "").strip()
    if len(data.disabilities) > DISABILITIES_MAX:
        problems["disabilities"] = "too_long"
    elif has_control_characters(data.disabilities, multiline=True):
        problems["disabilities"] = "control_characters"
    if data.guardian_id is not None and not 0 < data.guardian_id < 2**31:
        problems["guardian_id"] = "unknown"
    if problems:
        raise ResidentInvalid(problems)
    return data


def _age(data: ResidentInput, today: date) -> int | None:
    if data.birth_date:
        born = data.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return data.estimated_age


def likely_duplicates(data: ResidentInput, scope_clause=None, limit: int = 10) -> list[Resident]:
    """Residents who may be this person: same NIK; same name and birth date; or a similar name and age.

    ``scope_clause`` limits the search to residents the user may see.
    """
    today = utcnow().date()
    name = (data.full_name or "").strip().lower()
    conditions = []
    if data.nik:
        conditions.append(nik_matches(Resident.nik_hash, normalise_nik(data.nik)))
    if name and data.birth_date:
        conditions.append(sa.and_(sa.func.lower(Resident.full_name) == name, Resident.birth_date == data.birth_date))
    age = _age(data, today)
    words = [w for w in re.split(r"\s+", name) if len(w) >= 3][:3]
    if words and age is not None:
        similar = sa.or_(*[sa.func.lower(Resident.full_name).contains(w, autoescape=True) for w in words])
        born_from = date(today.year - age - 3, 1, 1)
        born_to = date(today.year - age + 3, 12, 31)
        age_close = sa.or_(
            Resident.birth_date.between(born_from, born_to),
            Resident.estimated_age.between(age - 3, age + 3),
        )
        conditions.append(sa.and_(similar, age_close, Resident.sex == data.sex))
    if not conditions:
        return []
    query = sa.select(Resident).where(sa.or_(*conditions)).order_by(Resident.id).limit(limit)
    if scope_clause is not None:
        query = query.where(scope_clause)
    return list(db.session.scalars(query))


def check_guardian(guardian_id: int | None, *, resident_id: int | None = None, scope_clause=None) -> None:
    """The mother or guardian a child is linked to: an existing resident (within ``scope_clause``
    when given), not the resident themself, and no loop (a child cannot be their mother's guardian)."""
    if guardian_id is None:
        return
    query = sa.select(Resident.id, Resident.guardian_id).where(Resident.id == guardian_id)
    if scope_clause is not None:
        query = query.where(scope_clause)
    row = db.session.execute(query).first()
    if row is None:
        raise ResidentInvalid({"guardian_id": "unknown"})
    if resident_id is None:
        return
    if guardian_id == resident_id:
        raise ResidentInvalid({"guardian_id": "self"})
    seen, above = {guardian_id}, row.guardian_id
    for _ in range(GUARDIAN_CHAIN_MAX):
        if above is None:
            return
        if above == resident_id or above in seen:
            raise ResidentInvalid({"guardian_id": "loop"})
        seen.add(above)
        above = db.session.scalar(sa.select(Resident.guardian_id).where(Resident.id == above))


def register(data: ResidentInput, *, facility_id: int, by, scope_clause=None) -> Resident:
    """A new resident. ``scope_clause`` (optional) limits the guardian to residents the user may see."""
    data = validate(data)
    check_guardian(data.guardian_id, scope_clause=scope_clause)
    resident = Resident(
        full_name=data.full_name, alias=data.alias, sex=data.sex, birth_date=data.birth_date,
        estimated_age=data.estimated_age, nik=data.nik, kota_of_origin=data.kota_of_origin,
        risk_level=data.risk_level, disabilities=data.disabilities, guardian_id=data.guardian_id,
        registered_facility_id=facility_id, registered_by_id=by.id,
    )
    resident.category_rows = [ResidentCategory(category=c) for c in data.categories]
    db.session.add(resident)
    db.session.flush()
    audit.record("resident.registered", actor=by, target=resident, facility_id=facility_id)
    return resident


def update(resident: Resident, data: ResidentInput, *, expected_version: int, by, scope_clause=None) -> Resident:
    """Apply an edit made on a form opened at ``expected_version``; StaleResident if it moved on."""
    data = validate(data)
    if resident.version != expected_version:
        raise StaleResident()
    if data.guardian_id != resident.guardian_id:
        check_guardian(data.guardian_id, resident_id=resident.id, scope_clause=scope_clause)
    # Load the categories before changing anything: a lazy load would autoflush half an edit.
    categories_before = sorted(r.category for r in resident.category_rows)
    changed = []
    with db.session.no_autoflush:
        for name in ("full_name", "alias", "sex", "birth_date", "estimated_age", "nik", "kota_of_origin",
                     "risk_level", "disabilities", "guardian_id"):
            if getattr(resident, name) != getattr(data, name):
                setattr(resident, name, getattr(data, name))
                changed.append(name)
        if categories_before != data.categories:
            resident.category_rows = [ResidentCategory(category=c) for c in data.categories]
            changed.append("categories")
    if not changed:
        return resident
    if changed == ["categories"]:
        # The resident's own row is updated (and its version moves on) even when only the categories
        # changed: otherwise two concurrent category edits would both pass the version check.
        flag_modified(resident, "disabilities")
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleResident() from None
    audit.record("resident.updated", actor=by, target=resident, facility_id=resident.registered_facility_id,
                 detail={"fields": changed})  # field names only, never values
    return resident


def record_view(resident: Resident, *, by, facility_id: int | None = None, part: str | None = None) -> None:
    """A resident's record was shown. ``part`` names a piece loaded on its own (e.g. "timeline")."""
    audit.append("resident.viewed", actor=by, target=resident,
                 facility_id=facility_id or resident.registered_facility_id,
                 detail={"part": part} if part else None)


# --- family contacts and persons who must have no contact -------------------------------------------

class ContactInvalid(FieldProblems, ValueError):
    """Field-level problems of a family contact or no-contact person: {field: code}, never values."""


class ContactNotFound(LookupError):
    """No such contact for this resident."""


@dataclass
class FamilyContactInput:
    name: str
    relationship: str = ""
    phone: str | None = None
    address: str = ""
    notes: str = ""


@dataclass
class NoContactInput:
    name: str
    relationship: str = ""
    description: str = ""


def parse_phone(raw: str | None) -> str | None:
    """E.164, None when blank; InvalidPhone (a ValueError) when not a number."""
    return to_e164(raw)


def _text(problems: dict, name: str, value: str | None, limit: int, *, required=False, multiline=False) -> str:
    """A text field as stored: a one-line one (a name) NFKC-normalised; problems per ``shelter.text``."""
    value = (value or "").strip() if multiline else text.clean(value or "")
    code = text.problem(value, multiline=multiline)
    if required and not value:
        problems[name] = "required"
    elif len(value) > limit:
        problems[name] = "too_long"
    elif code:
        problems[name] = code
    return value


def validate_family_contact(data: FamilyContactInput) -> FamilyContactInput:
    problems: dict[str, str] = {}
    data.name = _text(problems, "name", data.name, NAME_MAX, required=True)
    data.relationship = _text(problems, "relationship", data.relationship, RELATIONSHIP_MAX)
    data.address = _text(problems, "address", data.address, ADDRESS_MAX, multiline=True)
    data.notes = _text(problems, "notes", data.notes, DESCRIPTION_MAX, multiline=True)
    try:
        data.phone = parse_phone(data.phone)
    except ValueError:
        problems["phone"] = "phone_format"
    if problems:
        raise ContactInvalid(problems)
    return data


def validate_no_contact(data: NoContactInput) -> NoContactInput:
    problems: dict[str, str] = {}
    data.name = _text(problems, "name", data.name, NAME_MAX, required=True)
    data.relationship = _text(problems, "relationship", data.relationship, RELATIONSHIP_MAX)
    data.description = _text(problems, "description", data.description, DESCRIPTION_MAX, multiline=True)
    if problems:
        raise ContactInvalid(problems)
    return data


def add_family_contact(resident: Resident, data: FamilyContactInput, *, by) -> FamilyContact:
    data = validate_family_contact(data)
    contact = FamilyContact(resident_id=resident.id, name=data.name, relationship_to_resident=data.relationship,
                            phone=data.phone, address=data.address, notes=data.notes)
    db.session.add(contact)
    db.session.flush()
    audit.record("resident.family_contact_added", actor=by, target=resident,
                 facility_id=resident.registered_facility_id, detail={"contact_id": contact.id})
    return contact


def remove_family_contact(resident: Resident, contact_id: int, *, by) -> None:
    contact = db.session.scalar(sa.select(FamilyContact).where(
        FamilyContact.id == contact_id, FamilyContact.resident_id == resident.id))
    if contact is None:
        raise ContactNotFound()
    db.session.delete(contact)
    db.session.flush()
    audit.record("resident.family_contact_removed", actor=by, target=resident,
                 facility_id=resident.registered_facility_id, detail={"contact_id": contact_id})


def add_no_contact_person(resident: Resident, data: NoContactInput, *, by) -> NoContactPerson:
    data = validate_no_contact(data)
    person = NoContactPerson(resident_id=resident.id, name=data.name, relationship_to_resident=data.relationship,
                             description=data.description)
    db.session.add(person)
    db.session.flush()
    audit.record("resident.no_contact_added", actor=by, target=resident,
                 facility_id=resident.registered_facility_id, detail={"no_contact_id": person.id})
    return person


def remove_no_contact_person(resident: Resident, person_id: int, *, by) -> None:
    person = db.session.scalar(sa.select(NoContactPerson).where(
        NoContactPerson.id == person_id, NoContactPerson.resident_id == resident.id))
    if person is None:
        raise ContactNotFound()
    db.session.delete(person)
    db.session.flush()
    audit.record("resident.no_contact_removed", actor=by, target=resident,
                 facility_id=resident.registered_facility_id, detail={"no_contact_id": person_id})
