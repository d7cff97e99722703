"""Skills programmes: a facility's catalogue, the sessions its weekly schedule generates, enrolments
(with a waitlist) and attendance.

What the database guarantees, whatever a caller does:
- a seat number is held by at most one enrolment of a programme (``uq_enrollments_programme_seat``),
  and only enrolled or completed enrolments hold one (``seat_iff_placed``); the service hands out
  seats from 1 to the capacity while holding the programme row's lock, so two enrolments racing for
  the last place cannot both get it;
- a resident has at most one active (enrolled or waitlisted) enrolment per programme;
- a session has at most one attendance mark per enrolment (``uq_attendance_session_id``): a second
  mark replaces the first, it never adds a row.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.residents.models import Resident


class EnrollmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    ENDED = "ended"  # the stay closed (discharge, or a move to another facility)


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


ACTIVE_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED)
SEATED_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED)


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class Programme(db.Model):
    __tablename__ = "programmes"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.CheckConstraint("duration_minutes BETWEEN 1 AND 720", name="duration_range"),
        sa.CheckConstraint("weekdays <> ''", name="has_weekdays"),
        sa.CheckConstraint("eligible_sex IS NULL OR eligible_sex IN ('female', 'male')", name="eligible_sex_allowed"),
        sa.CheckConstraint("min_age IS NULL OR max_age IS NULL OR max_age >= min_age", name="age_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    trainer: Mapped[str] = mapped_column(sa.String(120), default="")
    capacity: Mapped[int] = mapped_column(sa.Integer)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    # Weekly schedule: ISO weekday numbers (1 = Monday … 7 = Sunday), comma separated, e.g. "1,3".
    weekdays: Mapped[str] = mapped_column(sa.String(16))
    start_time: Mapped[time] = mapped_column(sa.Time)  # local time (WIB)
    duration_minutes: Mapped[int] = mapped_column(sa.Integer)
    # Optional restrictions, shown as hints when enrolling; a mismatch needs a reason.
    eligible_sex: Mapped[str | None] = mapped_column(sa.String(8))
    min_age: Mapped[int | None] = mapped_column(sa.SmallInteger)
    max_age: Mapped[int | None] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    facility: Mapped[Facility] = relationship()
    sessions: Mapped[list["ProgrammeSession"]] = relationship(
        back_populates="programme", order_by="ProgrammeSession.starts_at"
    )

    @property
    def weekday_numbers(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d]

    def __repr__(self) -> str:
        return f"<Programme {self.id}>"


class ProgrammeSession(db.Model):
    """One meeting of a programme, generated from its weekly schedule."""

    __tablename__ = "programme_sessions"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    session_date: Mapped[date] = mapped_column(sa.Date, index=True)  # the local (WIB) date
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship(back_populates="sessions")


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (
        sa.Index("uq_enrollments_programme_seat", "programme_id", "seat", unique=True,
                 sqlite_where=sa.text("seat IS NOT NULL"), postgresql_where=sa.text("seat IS NOT NULL")),
        sa.Index("uq_enrollments_one_active_per_resident", "programme_id", "resident_id", unique=True,
                 sqlite_where=sa.text(_in("status", ACTIVE_STATUSES)),
                 postgresql_where=sa.text(_in("status", ACTIVE_STATUSES))),
        sa.CheckConstraint(_in("status", EnrollmentStatus), name="status_allowed"),
        sa.CheckConstraint("seat IS NULL OR seat >= 1", name="seat_positive"),
        sa.CheckConstraint(f"({_in('status', SEATED_STATUSES)}) = (seat IS NOT NULL)", name="seat_iff_placed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="RESTRICT"), index=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    seat: Mapped[int | None] = mapped_column(sa.Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # waitlist order
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    # Enrolled although the programme's restrictions (sex, age) do not fit: why.
    eligibility_override: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    programme: Mapped[Programme] = relationship()
    resident: Mapped[Resident] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Enrollment {self.id} {self.status}>"


class Attendance(db.Model):
    """One mark per (session, enrolment); marking again replaces it (last write wins)."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "enrollment_id"),
        sa.CheckConstraint(_in("status", AttendanceStatus), name="status_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_sessions.id", ondelete="RESTRICT"))
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(sa.String(8))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
