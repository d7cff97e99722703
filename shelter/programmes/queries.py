"""The queries behind the programme pages, the resident's section and the worklists; each issues a fixed
number of statements whatever the number of residents or sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from shelter.access import episode_clause, facilities_clause
from shelter.extensions import db
from shelter.localtime import zone as local_zone
from shelter.facilities.models import Facility
from shelter.programmes.models import (ACTIVE_STATUSES, SEATED_STATUSES, Attendance, AttendanceStatus, Enrollment,
                                       EnrollmentStatus, Programme, ProgrammeSession)
from shelter.residents.models import Resident
from shelter.stays.models import Stay
from shelter.worklist_items import WorkKind, WorklistItem


def _values(statuses) -> list[str]:
    return [s.value for s in statuses]


@dataclass(frozen=True)
class ProgrammeRow:
    programme: Programme
    facility: Facility
    enrolled: int
    waitlisted: int

    @property
    def is_full(self) -> bool:
        return self.enrolled >= self.programme.capacity


def _counts():
    seated = sa.func.count(Enrollment.id).filter(Enrollment.seat.is_not(None))
    waiting = sa.func.count(Enrollment.id).filter(Enrollment.status == EnrollmentStatus.WAITLISTED.value)
    return (sa.select(Enrollment.programme_id, seated.label("enrolled"), waiting.label("waitlisted"))
            .group_by(Enrollment.programme_id).subquery())


def programme_rows(facility_ids: set[int] | None, *, offset: int = 0, limit: int | None = None) -> list[ProgrammeRow]:
    """Programmes of these facilities (None: all), newest start first, with their place counts."""
    counts = _counts()
    query = (sa.select(Programme, Facility, sa.func.coalesce(counts.c.enrolled, 0),
                       sa.func.coalesce(counts.c.waitlisted, 0))
             .join(Facility, Programme.facility_id == Facility.id)
             .outerjoin(counts, counts.c.programme_id == Programme.id)
             .order_by(Programme.starts_on.desc(), Programme.id.desc()))
    if facility_ids is not None:
        query = query.where(Programme.facility_id.in_(facility_ids))
    if limit is not None:
        query = query.offset(offset).limit(limit)
    return [ProgrammeRow(p, f, enrolled, waitlisted) for p, f, enrolled, waitlisted in db.session.execute(query)]


def programme_count(facility_ids: set[int] | None) -> int:
    query = sa.select(sa.func.count()).select_from(Programme)
    if facility_ids is not None:
        query = query.where(Programme.facility_id.in_(facility_ids))
    return db.session.scalar(query)


def enrolments_of(programme_id: int) -> list[Enrollment]:
    """Everyone who ever enrolled, places first (by seat), then the waitlist in order, then the rest."""
    order = sa.case((Enrollment.status == EnrollmentStatus.ENROLLED.value, 0),
                    (Enrollment.status == EnrollmentStatus.COMPLETED.value, 1),
                    (Enrollment.status == EnrollmentStatus.WAITLISTED.value, 2), else_=3)
    return list(db.session.scalars(
        sa.select(Enrollment).options(joinedload(Enrollment.resident))
        .where(Enrollment.programme_id == programme_id)
        .order_by(order, Enrollment.requested_at, Enrollment.id)))


def candidates(programme: Programme) -> list[Resident]:
    """Residents staying in the programme's facility now, without an active enrolment in it."""
    active = sa.select(Enrollment.resident_id).where(Enrollment.programme_id == programme.id,
                                                      Enrollment.status.in_(_values(ACTIVE_STATUSES)))
    return list(db.session.scalars(
        sa.select(Resident).join(Stay, Stay.resident_id == Resident.id)
        .where(Stay.facility_id == programme.facility_id, Stay.discharged_at.is_(None),
               Resident.id.not_in(active))
        .order_by(Resident.full_name, Resident.id)))


def sessions_of(programme_id: int) -> list[ProgrammeSession]:
    return list(db.session.scalars(sa.select(ProgrammeSession).where(ProgrammeSession.programme_id == programme_id)
                                   .order_by(ProgrammeSession.starts_at)))


def marks_per_session(programme_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Attendance.session_id, sa.func.count()).join(ProgrammeSession)
        .where(ProgrammeSession.programme_id == programme_id).group_by(Attendance.session_id))
    return dict(rows.all())


@dataclass(frozen=True)
class RosterRow:
    enrollment: Enrollment
    resident: Resident
    mark: str | None


def roster(session: ProgrammeSession) -> list[RosterRow]:
    """Who the attendance page lists: everyone holding a place, plus anyone already marked. One statement."""
    query = (sa.select(Enrollment, Resident, Attendance.status)
             .join(Resident, Enrollment.resident_id == Resident.id)
             .outerjoin(Attendance, sa.and_(Attendance.enrollment_id == Enrollment.id,
                                            Attendance.session_id == session.id))
             .where(Enrollment.programme_id == session.programme_id,
                    sa.or_(Enrollment.status.in_(_values(SEATED_STATUSES)), Attendance.id.is_not(None)))
             .order_by(Resident.full_name, Enrollment.id))
    return [RosterRow(e, r, mark) for e, r, mark in db.session.execute(query)]


def roster_row(session: ProgrammeSession, enrollment_id: int) -> RosterRow | None:
    return next((row for row in roster(session) if row.enrollment.id == enrollment_id), None)


@dataclass(frozen=True)
class Rate:
    present: int
    absent: int
    excused: int

    @property
    def counted(self) -> int:
        """Sessions that count towards the rate: excused absences do not."""
        return self.present + self.absent

    @property
    def percent(self) -> int | None:
        return round(100 * self.present / self.counted) if self.counted else None


def attendance_rates(enrollment_ids: list[int]) -> dict[int, Rate]:
    """Enrolment id → its marks, in one statement. Rate = present / (present + absent)."""
    if not enrollment_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attendance.enrollment_id, Attendance.status, sa.func.count())
        .where(Attendance.enrollment_id.in_(enrollment_ids))
        .group_by(Attendance.enrollment_id, Attendance.status))
    found: dict[int, dict[str, int]] = {}
    for enrollment_id, status, number in rows:
        found.setdefault(enrollment_id, {})[status] = number
    return {i: Rate(found.get(i, {}).get(AttendanceStatus.PRESENT.value, 0),
                    found.get(i, {}).get(AttendanceStatus.ABSENT.value, 0),
                    found.get(i, {}).get(AttendanceStatus.EXCUSED.value, 0)) for i in enrollment_ids}


def resident_enrolments(user, resident_id: int) -> list[Enrollment]:
    """A resident's enrolments that are ``user``'s episodes (programmes of their facilities), newest
    first (programme loaded)."""
    query = (sa.select(Enrollment).join(Programme, Enrollment.programme_id == Programme.id)
             .options(joinedload(Enrollment.programme))
             .where(Enrollment.resident_id == resident_id, episode_clause(user, Programme.facility_id))
             .order_by(Enrollment.requested_at.desc(), Enrollment.id.desc()))
    return list(db.session.scalars(query))


# --- worklists ---------------------------------------------------------------------------------------------------

def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    """Programme sessions today in these facilities; with ``caseworker_id``, only sessions of programmes
    where one of that caseworker's residents (open stay, Stay.caseworker_id) holds a place. One statement."""
    query = (sa.select(ProgrammeSession.id, ProgrammeSession.starts_at, Programme.name, Programme.facility_id)
             .join(Programme, ProgrammeSession.programme_id == Programme.id)
             .where(ProgrammeSession.session_date == today)
             .order_by(ProgrammeSession.starts_at, ProgrammeSession.id))
    if facility_ids is not None and not facility_ids:
        return []
    query = query.where(facilities_clause(facility_ids, Programme.facility_id))
    if caseworker_id is not None:
        query = query.where(sa.exists().where(
            Enrollment.programme_id == Programme.id, Enrollment.status == EnrollmentStatus.ENROLLED.value,
            Stay.id == Enrollment.stay_id, Stay.discharged_at.is_(None), Stay.caseworker_id == caseworker_id))
    zone = local_zone()
    items = []
    for session_id, starts_at, name, facility_id in db.session.execute(query):
        local = starts_at.astimezone(zone)
        items.append(WorklistItem(
            kind=WorkKind.SESSION_TODAY, due_on=today, facility_id=facility_id, caseworker_id=caseworker_id,
            url=url_for("programmes.attendance", session_id=session_id),
            label=_("%(programme)s session at %(time)s WIB", programme=name, time=local.strftime("%H.%M"))))
    return items
