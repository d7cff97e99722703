"""Helpers for the resident tests: row counts, audit events, an SQL statement counter, form data."""

from __future__ import annotations

import re

import sqlalchemy as sa

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from shelter.residents.models import FamilyContact, NoContactPerson, Resident, ResidentCategory
from tests.conftest import audit_events, counting_statements  # noqa: F401  (re-exported)


def count_rows(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def row_counts() -> dict[str, int]:
    """How many residents (and their parts) and audit events exist, to check nothing was written."""
    db.session.expire_all()
    return {m.__tablename__: count_rows(m)
            for m in (Resident, ResidentCategory, FamilyContact, NoContactPerson, AuditEvent)}






def intake_data(facility, **values) -> dict:
    """Form data for the intake form; a value of None leaves the field out."""
    defaults = {"full_name": "Sari Wulandari Rekaan", "alias": "Sari", "sex": "female", "birth_date": "1990-05-01",
                "estimated_age": "", "nik": "", "kota_of_origin": "Kabupaten Cianjur", "risk_level": "medium",
                "disabilities": "", "facility_id": str(facility.id)}
    defaults.update(values)
    return {k: v for k, v in defaults.items() if v is not None}


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to a field (empty when there is none)."""
    match = re.search(rf'id="err-{re.escape(field_id)}"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""
