"""Attendance and completion: marking who came to a session (present, absent, excused), and marking
an enrolled resident as having completed the programme.

Attendance. One row per (session, enrolment), written with an upsert: two staff marking the same
session at once each write only their own residents' rows; for the same resident the last click wins.
A session can be marked from its day on, only for residents who hold (or held, and completed) a place.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_today
from shelter.programmes.models import (SEATED_STATUSES, Attendance, AttendanceStatus, Enrollment, EnrollmentStatus,
                                       ProgrammeSession)
from shelter.programmes.rules import (EnrollmentNotActive, InvalidAttendance, NotEnrolled, SessionNotStarted,
                                      lock)


def complete(enrollment: Enrollment, *, by) -> Enrollment:
    """Mark an enrolled resident as having completed the programme (they keep their place)."""
    programme = lock(enrollment.programme_id)
    db.session.refresh(enrollment)
    if enrollment.status != EnrollmentStatus.ENROLLED:
        raise EnrollmentNotActive()
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow()
    db.session.flush()
    audit.record("programme.completed", actor=by, target=enrollment, facility_id=programme.facility_id,
                 detail={"programme_id": programme.id, "resident_id": enrollment.resident_id})
    return enrollment


def record_attendance(session: ProgrammeSession, enrollment_id: int, status: str, *, by,
                      today: date | None = None) -> Attendance:
    """Save one mark (present, absent, excused) for one enrolled resident; a second mark replaces it."""
    if status not in {s.value for s in AttendanceStatus}:
        raise InvalidAttendance()
    if session.session_date > (today or local_today()):
        raise SessionNotStarted()
    enrollment = db.session.get(Enrollment, enrollment_id) if isinstance(enrollment_id, int) else None
    if (enrollment is None or enrollment.programme_id != session.programme_id
            or enrollment.status not in SEATED_STATUSES):
        raise NotEnrolled()
    values = {"session_id": session.id, "enrollment_id": enrollment.id, "status": status,
              "marked_at": utcnow(), "marked_by_id": by.id}
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Attendance).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[Attendance.session_id, Attendance.enrollment_id],
        set_={"status": statement.excluded.status, "marked_at": statement.excluded.marked_at,
              "marked_by_id": statement.excluded.marked_by_id})
    db.session.execute(statement)
    mark = db.session.scalar(sa.select(Attendance).where(Attendance.session_id == session.id,
                                                         Attendance.enrollment_id == enrollment.id)
                             .execution_options(populate_existing=True))
    return mark
