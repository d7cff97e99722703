"""The queries behind the outgoing referrals: the resident page's section, the timeline's entries and
this feature's worklist items. Each filters by the episode rule (``shelter.access.episode_clause``)
in its own statement and issues a fixed number of statements whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from shelter.access import episode_clause, facilities_clause
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_date
from shelter.referrals.models import OutgoingReferral
from shelter.referrals.outgoing import accepts_new
from shelter.referrals.partner_labels import outgoing_status_label, service_kind_label
from shelter.residents.models import Resident
from shelter.stays.models import Stay
from shelter.worklist_items import WorkKind, WorklistItem

# An open referral without an appointment is due for a call to the service this many days after it was sent.
FOLLOW_UP_DAYS = 7


@dataclass
class StayOutgoing:
    stay: Stay
    referrals: list[OutgoingReferral] = field(default_factory=list)
    can_add: bool = False


def resident_outgoing(user, resident_id: int) -> list[StayOutgoing]:
    """The resident's stays that are ``user``'s episodes and have outgoing referrals or may get one,
    newest stay first, each with its referrals (newest first). Three statements."""
    stays = list(db.session.scalars(
        sa.select(Stay).where(Stay.resident_id == resident_id, episode_clause(user, Stay.facility_id))
        .order_by(Stay.admitted_at.desc(), Stay.id.desc()).options(selectinload(Stay.facility))))
    if not stays:
        return []
    rows = list(db.session.scalars(
        sa.select(OutgoingReferral).where(OutgoingReferral.stay_id.in_([s.id for s in stays]),
                                          episode_clause(user, OutgoingReferral.facility_id))
        .order_by(OutgoingReferral.created_at.desc(), OutgoingReferral.id.desc())))
    now = utcnow()
    result = []
    for stay in stays:
        entry = StayOutgoing(stay=stay, referrals=[r for r in rows if r.stay_id == stay.id],
                             can_add=accepts_new(stay, now))
        if entry.referrals or entry.can_add:
            result.append(entry)
    return result


def timeline_entries(user, resident_id: int) -> dict[int, list[OutgoingReferral]]:
    """stay id → its outgoing referrals in the order they were sent, for the user's episodes. One statement."""
    rows = db.session.scalars(
        sa.select(OutgoingReferral).where(OutgoingReferral.resident_id == resident_id,
                                          episode_clause(user, OutgoingReferral.facility_id))
        .order_by(OutgoingReferral.created_at, OutgoingReferral.id))
    found: dict[int, list[OutgoingReferral]] = {}
    for row in rows:
        found.setdefault(row.stay_id, []).append(row)
    return found


def find_outgoing(outgoing_id: int) -> OutgoingReferral | None:
    return db.session.get(OutgoingReferral, outgoing_id)


# --- worklists ----------------------------------------------------------------------------------------------

def due_on(row_created_at, appointment_at) -> date:
    """With an appointment: its day (the result is to be written then); else a week after it was sent."""
    if appointment_at is not None:
        return local_date(appointment_at)
    return local_date(row_created_at) + timedelta(days=FOLLOW_UP_DAYS)


def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    """OUTGOING_REFERRAL for each outgoing referral not yet closed, for the stay's caseworker, until it is
    done or declined. One statement whatever the number of residents."""
    if facility_ids is not None and not facility_ids:
        return []
    query = (sa.select(OutgoingReferral.id, OutgoingReferral.facility_id, OutgoingReferral.service_kind,
                       OutgoingReferral.status, OutgoingReferral.created_at, OutgoingReferral.appointment_at,
                       Stay.caseworker_id, Resident.id, Resident.full_name)
             .join(Stay, Stay.id == OutgoingReferral.stay_id)
             .join(Resident, Resident.id == OutgoingReferral.resident_id)
             .where(OutgoingReferral.closed_at.is_(None),
                    facilities_clause(facility_ids, OutgoingReferral.facility_id))
             .order_by(OutgoingReferral.created_at, OutgoingReferral.id))
    if caseworker_id is not None:
        query = query.where(Stay.caseworker_id == caseworker_id)
    items = []
    for (_id, facility_id, kind, status, created_at, appointment_at, caseworker, resident_id,
         name) in db.session.execute(query):
        due = due_on(created_at, appointment_at)
        items.append(WorklistItem(
            kind=WorkKind.OUTGOING_REFERRAL, due_on=due, facility_id=facility_id, caseworker_id=caseworker,
            url=url_for("residents.show", resident_id=resident_id, _anchor="outgoing-section"),
            resident_id=resident_id, resident_name=name,
            label=_("Referral to %(service)s: %(status)s", service=service_kind_label(kind),
                    status=outgoing_status_label(status)),
            overdue=today > due,
        ))
    return items
