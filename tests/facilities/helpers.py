"""Helpers for the facility tests: URLs, row counts and an SQL statement counter."""

from __future__ import annotations

import sqlalchemy as sa

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from tests.conftest import audit_events, counting_statements  # noqa: F401  (re-exported)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def row_counts() -> dict[str, int]:
    """How many facilities, rooms, beds and audit events exist (to check nothing was written)."""
    db.session.expire_all()
    return {m.__tablename__: count(m) for m in (Facility, Room, Bed, AuditEvent)}


audit_actions = audit_events




def bulk_data(room, **values) -> dict:
    """Form data for a room's bulk-add form (its fields carry the room's prefix)."""
    defaults = {"label_prefix": "", "first_number": "1", "count": "10", "pad_width": "2"}
    defaults.update(values)
    return {f"room{room.id}-{name}": value for name, value in defaults.items() if value is not None}


def bed_data(bed, **values) -> dict:
    defaults = {"label": bed.label}
    defaults.update(values)
    return {f"bed{bed.id}-{name}": value for name, value in defaults.items() if value is not None}


def room_data(prefix="newroom", **values) -> dict:
    defaults = {"name": "Kamar Melati", "sex": "female", "age_group": "adult"}
    defaults.update(values)
    return {f"{prefix}-{name}": value for name, value in defaults.items() if value is not None}


def facility_data(**values) -> dict:
    defaults = {"kind": "panti", "code": "psbk-01", "name": "Panti Sosial Bina Karya", "kota": "jakarta_barat",
                "address": "Jl. Uji Fiktif No. 1", "phone": "0812 5550 199"}
    defaults.update(values)
    return {k: v for k, v in defaults.items() if v is not None}
