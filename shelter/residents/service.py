"""Registering and editing residents: the rules shared by the intake form and the API.

Errors carry field names and codes, never the values (a resident's name or NIK must not end up in
a log line or an exception message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.residents.models import PROTECTION_CATEGORIES, Resident, ResidentCategory

NIK_PATTERN = re.compile(r"^\d{16}$")
MAX_AGE = 120
NAME_MAX = 120


class ResidentInvalid(ValueError):
    """Field-level problems: {field: code}. Codes: required, too_long, nik_format, in_future, …"""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(f"{k}:{v}" for k, v in sorted(problems.items())))
        self.problems = problems


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


def normalise_nik(nik: str | None) -> str | None:
    if nik is None:
        return None
    digits = re.sub(r"[\s.-]", "", nik)
    return digits or None


def validate(data: ResidentInput, today: date | None = None) -> ResidentInput:
    """Check and normalise; raises ResidentInvalid with every problem at once."""
    today = today or utcnow().date()
    problems: dict[str, str] = {}
    data.full_name = (data.full_name or "").strip()
    if not data.full_name:
        problems["full_name"] = "required"
    elif len(data.full_name) > NAME_MAX:
        problems["full_name"] = "too_long"
    data.alias = (data.alias or "").strip() or None
    if data.alias and len(data.alias) > 60:
        problems["alias"] = "too_long"
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
    data.kota_of_origin = (data.kota_of_origin or "").strip() or None
    if data.kota_of_origin and len(data.kota_of_origin) > 60:
        problems["kota_of_origin"] = "too_long"
    if data.risk_level not in ("low", "medium", "high"):
        problems["risk_level"] = "invalid_choice"
    unknown = set(data.categories) - set(PROTECTION_CATEGORIES)
    if unknown:
        problems["categories"] = "invalid_choice"
    data.categories = sorted(set(data.categories) - unknown)
    data.disabilities = (data.disabilities or "").strip()
    if len(data.disabilities) > 2000:
        problems["disabilities"] = "too_long"
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
        conditions.append(Resident.nik == normalise_nik(data.nik))
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


def register(data: ResidentInput, *, facility_id: int, by) -> Resident:
    data = validate(data)
    if data.guardian_id is not None and db.session.get(Resident, data.guardian_id) is None:
        raise ResidentInvalid({"guardian_id": "unknown"})
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


def update(resident: Resident, data: ResidentInput, *, expected_version: int, by) -> Resident:
    """Apply an edit made on a form opened at ``expected_version``; StaleResident if it moved on."""
    data = validate(data)
    if resident.version != expected_version:
        raise StaleResident()
    changed = []
    for name in ("full_name", "alias", "sex", "birth_date", "estimated_age", "nik", "kota_of_origin",
                 "risk_level", "disabilities", "guardian_id"):
        if getattr(resident, name) != getattr(data, name):
            setattr(resident, name, getattr(data, name))
            changed.append(name)
    if sorted(r.category for r in resident.category_rows) != data.categories:
        resident.category_rows = [ResidentCategory(category=c) for c in data.categories]
        changed.append("categories")
    if not changed:
        return resident
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleResident() from None
    audit.record("resident.updated", actor=by, target=resident, facility_id=resident.registered_facility_id,
                 detail={"fields": changed})  # field names only, never values
    return resident


def record_view(resident: Resident, *, by, facility_id: int | None = None) -> None:
    audit.record("resident.viewed", actor=by, target=resident,
                 facility_id=facility_id or resident.registered_facility_id)
