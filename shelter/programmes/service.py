"""Skills programmes: the rules. The UI, the API and the stays service call these functions; they add to
the current transaction, raise domain errors with a stable ``code`` and never commit.

Capacity. Every change to who holds a place (enrol, withdraw, complete, end, capacity change) first
locks the programme row (PostgreSQL ``SELECT … FOR UPDATE``; SQLite takes its write lock at BEGIN
IMMEDIATE), so a second enrolment waits, then counts again and sees the first one's seat. Seats are
numbered 1..capacity and ``uq_enrollments_programme_seat`` refuses a seat taken twice, so even a path
that skipped the lock could not put capacity+1 people in: the loser of the insert goes on the waitlist.

Waitlist. Beyond capacity an enrolment is waitlisted, in order of request. When a place frees up
(withdrawal, a discharge ending an enrolment, a larger capacity), the first on the waitlist is
promoted into it at once: there is no "offered" step, because the resident asked for the place and is
still staying in the facility (a discharge ends waitlist entries too). The promotion is audited and
the person who withdrew someone sees who moved up.

Attendance. One row per (session, enrolment), written with an upsert: two staff marking the same
session at once each write only their own residents' rows; for the same resident the last click wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from shelter.access import acts_in
from shelter.errors import FieldProblems
from shelter.localtime import local_start, local_today, zone as local_zone  # noqa: F401 (part of this API)
from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.programmes.models import (ACTIVE_STATUSES, SEATED_STATUSES, Attendance, AttendanceStatus, Enrollment,
                                       EnrollmentStatus, Programme, ProgrammeSession)
from shelter.residents.models import Resident
from shelter import text
from shelter.text import has_control_characters

NAME_MAX = 120
TRAINER_MAX = 120
DESCRIPTION_MAX = 4000
REASON_MAX = 500
MAX_CAPACITY = 500
MAX_DURATION = 720  # minutes
MAX_SPAN_DAYS = 731  # a programme runs at most two years: at most ~730 sessions
MAX_AGE = 120


class ProgrammeError(Exception):
    code = "programme_error"


class InvalidProgramme(FieldProblems, ProgrammeError):
    """``problems``: {field: code} (required, too_long, out_of_range, before_start, control_characters, …)."""


class NoOpenStay(ProgrammeError):
    """Only residents staying in the programme's facility can enrol."""

    code = "no_open_stay"


class AlreadyEnrolled(ProgrammeError):
    code = "already_enrolled"


class NotEligible(ProgrammeError):
    """The programme's restrictions do not fit; enrolling anyway needs a reason."""

    code = "not_eligible"

    def __init__(self, problems: list[str]):
        super().__init__(", ".join(problems))
        self.problems = problems


class EnrollmentNotActive(ProgrammeError):
    code = "enrolment_not_active"


class NotEnrolled(ProgrammeError):
    """Attendance for someone who is not enrolled in this session's programme."""

    code = "not_enrolled"


class SessionNotStarted(ProgrammeError):
    code = "session_not_started"


class InvalidAttendance(ProgrammeError):
    code = "invalid_status"


# --- who may do what, per facility ----------------------------------------------------------------------

MANAGE_ROLES = ("facility_manager", "case_manager", "caseworker")  # programmes, enrolments, completion
ATTENDANCE_ROLES = ("caseworker", "intake_staff", "facility_manager", "case_manager")


def _acts_in(user, facility_id: int, roles) -> bool:
    return acts_in(user, facility_id, *roles)


def may_manage(user, facility_id: int) -> bool:
    return _acts_in(user, facility_id, MANAGE_ROLES)


def may_take_attendance(user, facility_id: int) -> bool:
    return _acts_in(user, facility_id, ATTENDANCE_ROLES)


# --- time --------------------------------------------------------------------------------------------------

# --- the catalogue -------------------------------------------------------------------------------------------

@dataclass
class ProgrammeInput:
    name: str
    capacity: int
    starts_on: date
    ends_on: date
    weekdays: list[int]
    start_time: time
    duration_minutes: int
    description: str = ""
    trainer: str = ""
    eligible_sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None


def validate(data: ProgrammeInput) -> None:
    """Raise InvalidProgramme with every problem at once."""
    problems: dict[str, str] = {}
    data.name = text.clean(data.name or "")  # names: NFKC, see shelter.text
    data.trainer = text.clean(data.trainer or "")
    data.description = (data.description or "").strip()
    for name, limit, multiline in (("name", NAME_MAX, False), ("trainer", TRAINER_MAX, False),
                                   ("description", DESCRIPTION_MAX, True)):
        value = getattr(data, name)
        code = text.problem(value, multiline=multiline)
        if len(value) > limit:
            problems[name] = "too_long"
        elif code:
            problems[name] = code
    if not data.name:
        problems["name"] = "required"
    if not isinstance(data.capacity, int) or not 1 <= data.capacity <= MAX_CAPACITY:
        problems["capacity"] = "out_of_range"
    if data.ends_on < data.starts_on:
        problems["ends_on"] = "before_start"
    elif (data.ends_on - data.starts_on).days > MAX_SPAN_DAYS:
        problems["ends_on"] = "too_long"
    days = sorted(set(data.weekdays or []))
    if not days or any(not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        problems["weekdays"] = "required" if not days else "invalid_choice"
    data.weekdays = days
    if not isinstance(data.duration_minutes, int) or not 1 <= data.duration_minutes <= MAX_DURATION:
        problems["duration_minutes"] = "out_of_range"
    if data.eligible_sex not in (None, "female", "male"):
        problems["eligible_sex"] = "invalid_choice"
    for name in ("min_age", "max_age"):
        value = getattr(data, name)
        if value is not None and (not isinstance(value, int) or not 0 <= value <= MAX_AGE):
            problems[name] = "out_of_range"
    if (data.min_age is not None and data.max_age is not None and "min_age" not in problems
            and "max_age" not in problems and data.max_age < data.min_age):
        problems["max_age"] = "below_min_age"
    if problems:
        raise InvalidProgramme(problems)


def _apply(programme: Programme, data: ProgrammeInput) -> None:
    programme.name = data.name
    programme.description = data.description
    programme.trainer = data.trainer
    programme.capacity = data.capacity
    programme.starts_on = data.starts_on
    programme.ends_on = data.ends_on
    programme.weekdays = ",".join(str(d) for d in data.weekdays)
    programme.start_time = data.start_time.replace(second=0, microsecond=0, tzinfo=None)
    programme.duration_minutes = data.duration_minutes
    programme.eligible_sex = data.eligible_sex
    programme.min_age = data.min_age
    programme.max_age = data.max_age


def schedule_dates(programme: Programme, *, after: date | None = None) -> list[date]:
    """The dates the weekly schedule gives between start and end (only those after ``after``)."""
    days = set(programme.weekday_numbers)
    first = programme.starts_on if after is None else max(programme.starts_on, after + timedelta(days=1))
    result = []
    day = first
    while day <= programme.ends_on:
        if day.isoweekday() in days:
            result.append(day)
        day += timedelta(days=1)
    return result


def _session_times(programme: Programme, day: date) -> tuple[datetime, datetime]:
    starts = local_start(day, programme.start_time)
    return starts, starts + timedelta(minutes=programme.duration_minutes)


def create_programme(facility, data: ProgrammeInput, *, by) -> Programme:
    validate(data)
    programme = Programme(facility_id=facility.id, created_by_id=by.id)
    _apply(programme, data)
    db.session.add(programme)
    db.session.flush()
    db.session.add_all(ProgrammeSession(programme_id=programme.id, session_date=day,
                                        starts_at=_session_times(programme, day)[0],
                                        ends_at=_session_times(programme, day)[1])
                       for day in schedule_dates(programme))
    db.session.flush()
    audit.record("programme.created", actor=by, target=programme, facility_id=facility.id,
                 detail={"capacity": programme.capacity})
    return programme


def _lock(programme_id: int) -> Programme:
    return db.session.scalar(sa.select(Programme).where(Programme.id == programme_id).with_for_update()
                             .execution_options(populate_existing=True))


def seats_taken(programme_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)
                             .where(Enrollment.programme_id == programme_id, Enrollment.seat.is_not(None)))


def update_programme(programme: Programme, data: ProgrammeInput, *, by, today: date | None = None) -> Programme:
    """Change the programme. Sessions up to today stay as they are (with their attendance); later ones
    follow the new schedule. A larger capacity promotes from the waitlist; a capacity below the
    places already given is refused."""
    validate(data)
    today = today or local_today()
    programme = _lock(programme.id)
    highest_seat = db.session.scalar(sa.select(sa.func.max(Enrollment.seat))
                                     .where(Enrollment.programme_id == programme.id)) or 0
    if data.capacity < seats_taken(programme.id):
        raise InvalidProgramme({"capacity": "below_enrolled"})
    changed = sorted(name for name in ("name", "description", "trainer", "capacity", "starts_on", "ends_on",
                                       "start_time", "duration_minutes", "eligible_sex", "min_age", "max_age")
                     if getattr(programme, name) != getattr(data, name))
    if programme.weekday_numbers != data.weekdays:
        changed.append("weekdays")
    _apply(programme, data)
    if highest_seat > programme.capacity:
        _renumber_seats(programme.id)
    regenerate_sessions(programme, today=today)
    promoted = _fill_free_seats(programme, by_id=by.id)
    audit.record("programme.updated", actor=by, target=programme, facility_id=programme.facility_id,
                 detail={"fields": changed, "promoted": [e.id for e in promoted]})
    return programme


def _renumber_seats(programme_id: int) -> None:
    """Pack the seats into 1..n (capacity shrank below a high seat number)."""
    rows = list(db.session.scalars(sa.select(Enrollment).where(Enrollment.programme_id == programme_id,
                                                               Enrollment.seat.is_not(None))
                                   .order_by(Enrollment.seat)))
    top = max(r.seat for r in rows) if rows else 0
    for n, row in enumerate(rows, start=1):  # via numbers above the old top, so no two rows ever clash
        row.seat = top + n
    db.session.flush()
    for n, row in enumerate(rows, start=1):
        row.seat = n
    db.session.flush()


def regenerate_sessions(programme: Programme, *, today: date) -> None:
    """Sessions after ``today`` follow the schedule; earlier ones (and any with marks) are kept."""
    future = list(db.session.scalars(sa.select(ProgrammeSession).where(
        ProgrammeSession.programme_id == programme.id, ProgrammeSession.session_date > today)))
    marked = set(db.session.scalars(sa.select(Attendance.session_id).where(
        Attendance.session_id.in_([s.id for s in future])))) if future else set()
    wanted = {}
    for day in schedule_dates(programme, after=today):
        starts, ends = _session_times(programme, day)
        wanted[starts] = (day, ends)
    for session in future:
        if session.starts_at in wanted and session.ends_at == wanted[session.starts_at][1]:
            del wanted[session.starts_at]
        elif session.id not in marked:
            db.session.delete(session)
        else:
            wanted.pop(session.starts_at, None)
    db.session.flush()
    db.session.add_all(ProgrammeSession(programme_id=programme.id, session_date=day, starts_at=starts, ends_at=ends)
                       for starts, (day, ends) in sorted(wanted.items()))
    db.session.flush()


# --- enrolment -----------------------------------------------------------------------------------------------

def age_on(resident: Resident, day: date) -> int | None:
    if resident.birth_date is not None:
        born = resident.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return resident.estimated_age


def eligibility_problems(programme: Programme, resident: Resident, today: date | None = None) -> list[str]:
    """Codes (sex, too_young, too_old) of the programme's restrictions this resident does not meet."""
    problems = []
    if programme.eligible_sex and resident.sex != programme.eligible_sex:
        problems.append("sex")
    age = age_on(resident, today or local_today())
    if age is not None:
        if programme.min_age is not None and age < programme.min_age:
            problems.append("too_young")
        if programme.max_age is not None and age > programme.max_age:
            problems.append("too_old")
    return problems


def open_stay_in(resident_id: int, facility_id: int):
    from shelter.stays.models import Stay

    return db.session.scalar(sa.select(Stay).where(Stay.resident_id == resident_id, Stay.facility_id == facility_id,
                                                   Stay.discharged_at.is_(None)))


def _active(programme_id: int, resident_id: int) -> Enrollment | None:
    return db.session.scalar(sa.select(Enrollment).where(
        Enrollment.programme_id == programme_id, Enrollment.resident_id == resident_id,
        Enrollment.status.in_([s.value for s in ACTIVE_STATUSES])))


def _free_seat(programme: Programme) -> int | None:
    taken = set(db.session.scalars(sa.select(Enrollment.seat).where(Enrollment.programme_id == programme.id,
                                                                    Enrollment.seat.is_not(None))))
    return next((n for n in range(1, programme.capacity + 1) if n not in taken), None)


def enrol(programme: Programme, resident: Resident, *, by, override_reason: str | None = None,
          today: date | None = None) -> Enrollment:
    """Enrol into a free place, or onto the waitlist when the programme is full."""
    stay = open_stay_in(resident.id, programme.facility_id)
    if stay is None:
        raise NoOpenStay()
    reason = (override_reason or "").strip()
    if len(reason) > REASON_MAX or has_control_characters(reason, multiline=True):
        raise InvalidProgramme({"override_reason": "too_long" if len(reason) > REASON_MAX else "control_characters"})
    problems = eligibility_problems(programme, resident, today)
    if problems and not reason:
        raise NotEligible(problems)
    programme = _lock(programme.id)
    if _active(programme.id, resident.id) is not None:
        raise AlreadyEnrolled()
    enrollment = None
    for _attempt in range(3):
        seat = _free_seat(programme)
        now = utcnow()
        candidate = Enrollment(programme_id=programme.id, resident_id=resident.id, stay_id=stay.id,
                               created_by_id=by.id, requested_at=now,
                               status=EnrollmentStatus.ENROLLED if seat else EnrollmentStatus.WAITLISTED,
                               seat=seat, enrolled_at=now if seat else None,
                               eligibility_override=reason if problems else None)
        try:
            with db.session.begin_nested():
                db.session.add(candidate)
                db.session.flush()
        except IntegrityError:
            # Lost a race the lock did not cover: the seat (or this resident's place) was just taken.
            if _active(programme.id, resident.id) is not None:
                raise AlreadyEnrolled() from None
            continue
        enrollment = candidate
        break
    if enrollment is None:
        raise AlreadyEnrolled()  # three lost races in a row: the caller may simply try again
    audit.record("programme.enrolled" if enrollment.seat else "programme.waitlisted", actor=by, target=enrollment,
                 facility_id=programme.facility_id,
                 detail={"programme_id": programme.id, "resident_id": resident.id, "eligibility": problems})
    return enrollment


def waitlist_positions(programme_id: int) -> dict[int, int]:
    """Enrolment id → position (1 = next in line) of everyone waitlisted."""
    ids = db.session.scalars(sa.select(Enrollment.id).where(
        Enrollment.programme_id == programme_id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .order_by(Enrollment.requested_at, Enrollment.id))
    return {enrollment_id: n for n, enrollment_id in enumerate(ids, start=1)}


def waitlist_position(enrollment: Enrollment) -> int | None:
    if enrollment.status != EnrollmentStatus.WAITLISTED:
        return None
    return waitlist_positions(enrollment.programme_id).get(enrollment.id)


def _fill_free_seats(programme: Programme, *, by_id: int | None) -> list[Enrollment]:
    """Promote from the waitlist, first come first served, while there are free places (lock held)."""
    promoted = []
    while True:
        seat = _free_seat(programme)
        if seat is None:
            return promoted
        first = db.session.scalar(sa.select(Enrollment).where(
            Enrollment.programme_id == programme.id, Enrollment.status == EnrollmentStatus.WAITLISTED)
            .order_by(Enrollment.requested_at, Enrollment.id).limit(1))
        if first is None:
            return promoted
        first.status = EnrollmentStatus.ENROLLED
        first.seat = seat
        first.enrolled_at = utcnow()
        db.session.flush()
        audit.record("programme.promoted", target=first, facility_id=programme.facility_id,
                     actor=_user(by_id), detail={"programme_id": programme.id, "resident_id": first.resident_id})
        promoted.append(first)


def _user(user_id: int | None):
    from shelter.auth.models import User

    return db.session.get(User, user_id) if user_id is not None else None


def _end(enrollment: Enrollment, *, status: str, reason: str, by_id: int | None) -> None:
    enrollment.status = status
    enrollment.seat = None
    enrollment.ended_at = utcnow()
    enrollment.end_reason = reason[:40]
    enrollment.ended_by_id = by_id
    db.session.flush()


def withdraw(enrollment: Enrollment, *, by, reason: str = "withdrawn") -> Enrollment | None:
    """Take an enrolled or waitlisted resident out; a freed place goes to the first on the waitlist,
    who is returned (None when nobody moved up)."""
    programme = _lock(enrollment.programme_id)
    db.session.refresh(enrollment)
    if not enrollment.is_active:
        raise EnrollmentNotActive()
    had_seat = enrollment.seat is not None
    _end(enrollment, status=EnrollmentStatus.WITHDRAWN, reason=reason, by_id=by.id)
    promoted = _fill_free_seats(programme, by_id=by.id) if had_seat else []
    audit.record("programme.withdrawn", actor=by, target=enrollment, facility_id=programme.facility_id,
                 detail={"programme_id": programme.id, "resident_id": enrollment.resident_id,
                         "promoted_enrollment_id": promoted[0].id if promoted else None})
    return promoted[0] if promoted else None


def complete(enrollment: Enrollment, *, by) -> Enrollment:
    """Mark an enrolled resident as having completed the programme (they keep their place)."""
    programme = _lock(enrollment.programme_id)
    db.session.refresh(enrollment)
    if enrollment.status != EnrollmentStatus.ENROLLED:
        raise EnrollmentNotActive()
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow()
    db.session.flush()
    audit.record("programme.completed", actor=by, target=enrollment, facility_id=programme.facility_id,
                 detail={"programme_id": programme.id, "resident_id": enrollment.resident_id})
    return enrollment


def end_enrolments_for_stay(stay, *, by_id: int | None, reason: str) -> int:
    """Heard from ``stay_closed`` (``programmes.listeners``) when a stay closes (discharge, or a move to
    another facility): ends its active enrolments
    (places and waitlist entries), with the discharge outcome as the reason, and gives the freed places
    to the waitlists. Returns how many ended."""
    active = list(db.session.scalars(sa.select(Enrollment).where(
        Enrollment.stay_id == stay.id, Enrollment.status.in_([s.value for s in ACTIVE_STATUSES]))
        .order_by(Enrollment.programme_id)))
    for enrollment in active:
        programme = _lock(enrollment.programme_id)
        had_seat = enrollment.seat is not None
        _end(enrollment, status=EnrollmentStatus.ENDED, reason=reason or "stay_closed", by_id=by_id)
        promoted = _fill_free_seats(programme, by_id=by_id) if had_seat else []
        audit.record("programme.ended", actor=_user(by_id), target=enrollment, facility_id=programme.facility_id,
                     detail={"programme_id": programme.id, "resident_id": enrollment.resident_id,
                             "reason": reason, "promoted_enrollment_id": promoted[0].id if promoted else None})
    return len(active)


# --- attendance -------------------------------------------------------------------------------------------------

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
