"""Outgoing referrals: a resident referred to a service (hospital, psychologist, legal aid, police,
another panti), followed from sent to done or declined.

An outgoing referral is part of its stay's episode (``shelter.access``): only that facility's staff
and admins see and change it (``may_refer``). A new one is made for an open stay or one that ended
less than ``RECENT_DAYS`` ago (a hospital visit booked just before the discharge still needs its
result written). The status moves forward only; ``done`` and ``declined`` close it (``closed_at``)
and it then stays as it is. An appointment is typed in local time (WIB) and stored in UTC.

Validation raises ``OutgoingInvalid`` with every problem at once, as field → code (never the value
typed). Audit events carry ids and codes only, never the reason or the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from shelter import access, text
from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.localtime import zone
from shelter.referrals.models import OUTGOING_OPEN, OutgoingReferral, OutgoingStatus, Partner, ServiceKind

RECENT_DAYS = 30
TEXT_MAX = 2000
APPOINTMENT_RANGE = timedelta(days=366)
# What each status may become (itself: the appointment moved, the result written as it goes).
TRANSITIONS = {
    OutgoingStatus.SENT.value: {"sent", "accepted", "appointment", "done", "declined"},
    OutgoingStatus.ACCEPTED.value: {"accepted", "appointment", "done", "declined"},
    OutgoingStatus.APPOINTMENT.value: {"appointment", "done", "declined"},
}
CLOSING = (OutgoingStatus.DONE.value, OutgoingStatus.DECLINED.value)
LOCAL_MOMENT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::00)?$")


class OutgoingInvalid(FieldProblems, ValueError):
    """Field problems of an outgoing referral or of its status update: {field: code}."""


class NotAllowed(Exception):
    """The user does not see this episode (views answer 404)."""


@dataclass
class OutgoingInput:
    service_kind: str
    reason: str = ""
    partner_id: int | None = None


@dataclass
class StatusInput:
    status: str
    appointment_at: str | datetime | None = None  # "YYYY-MM-DDTHH:MM" in local time, or a datetime
    result: str = ""


def may_refer(user, facility_id: int) -> bool:
    """See and change the outgoing referrals of a stay of this facility: its staff, and admins."""
    return access.sees_episode(user, facility_id)


def accepts_new(stay, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return stay.discharged_at is None or stay.discharged_at >= now - timedelta(days=RECENT_DAYS)


def _text(problems: dict, name: str, value, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems[name] = "invalid"
        return ""
    value = value.strip()
    if required and not value:
        problems[name] = "required"
    elif len(value) > TEXT_MAX:
        problems[name] = "too_long"
    elif text.has_control_characters(value, multiline=True):
        problems[name] = "control_characters"
    return value


def _partner_id(problems: dict, value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31 or not db.session.scalar(
            sa.select(Partner.id).where(Partner.id == value, Partner.active.is_(True))):
        problems["partner_id"] = "unknown_partner"
        return None
    return value


def create(stay, data: OutgoingInput, *, by, now: datetime | None = None) -> OutgoingReferral:
    """A referral of the stay's resident to a service, status sent."""
    if not may_refer(by, stay.facility_id):
        raise NotAllowed()
    now = now or utcnow()
    problems: dict[str, str] = {}
    if not accepts_new(stay, now):
        problems["stay"] = "stay_ended"
    partner_id = _partner_id(problems, data.partner_id)
    if data.service_kind not in {k.value for k in ServiceKind}:
        problems["service_kind"] = "required" if not data.service_kind else "invalid_choice"
    reason = _text(problems, "reason", data.reason, required=True)
    if problems:
        raise OutgoingInvalid(problems)
    row = OutgoingReferral(stay_id=stay.id, resident_id=stay.resident_id, facility_id=stay.facility_id,
                           partner_id=partner_id, service_kind=data.service_kind, reason=reason,
                           status=OutgoingStatus.SENT.value, created_by_id=getattr(by, "id", None),
                           created_at=now, updated_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("outgoing_referral.created", actor=by, target=row, facility_id=stay.facility_id,
                 detail={"stay_id": stay.id, "partner_id": partner_id, "service_kind": data.service_kind})
    return row


def parse_appointment(value) -> datetime | None:
    """A local wall-clock time ("2026-12-05T09:30", WIB) or a datetime → UTC; None when blank;
    ValueError when it is not a date and time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=zone())
        return moment.astimezone(timezone.utc)
    if not isinstance(value, str):
        raise ValueError("appointment")
    match = LOCAL_MOMENT.match(value.strip())
    if not match:
        raise ValueError("appointment")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    return datetime(year, month, day, hour, minute, tzinfo=zone()).astimezone(timezone.utc)


def update_status(row: OutgoingReferral, data: StatusInput, *, by, now: datetime | None = None) -> list[str]:
    """Move the referral on; returns the fields that changed. Done and declined close it."""
    if not may_refer(by, row.facility_id):
        raise NotAllowed()
    now = now or utcnow()
    problems: dict[str, str] = {}
    if row.closed_at is not None or row.status not in OUTGOING_OPEN:
        raise OutgoingInvalid({"status": "closed"})
    status = data.status
    if status not in {s.value for s in OutgoingStatus}:
        problems["status"] = "required" if not status else "invalid_choice"
    elif status not in TRANSITIONS[row.status]:
        problems["status"] = "backwards"
    try:
        appointment = parse_appointment(data.appointment_at)
    except (ValueError, OverflowError):
        problems["appointment_at"] = "datetime_format"
        appointment = None
    else:
        if appointment is None and status == OutgoingStatus.APPOINTMENT.value:
            problems["appointment_at"] = "required"
        elif appointment is not None and abs(appointment - now) > APPOINTMENT_RANGE:
            problems["appointment_at"] = "out_of_range"
    result = _text(problems, "result", data.result)
    if problems:
        raise OutgoingInvalid(problems)
    changed = [name for name, value in (("status", status), ("appointment_at", appointment), ("result", result))
               if getattr(row, name) != value]
    row.status, row.appointment_at, row.result = status, appointment, result
    if status in CLOSING:
        row.closed_at = now
    if changed:
        row.updated_at = now
        audit.record("outgoing_referral.updated", actor=by, target=row, facility_id=row.facility_id,
                     detail={"status": status, "fields": changed})
    return changed
