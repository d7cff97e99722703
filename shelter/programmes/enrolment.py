"""Enrolment and the waitlist: who holds a place in a programme, who waits for one, and who moves up.

Seats are numbered 1..capacity and ``uq_enrollments_programme_seat`` refuses a seat taken twice, so
even a path that skipped the programme's lock (``rules.lock``) could not put capacity+1 people in:
the loser of the insert goes on the waitlist.

Waitlist. Beyond capacity an enrolment is waitlisted, in order of request. When a place frees up
(withdrawal, a discharge ending an enrolment, a larger capacity), the first on the waitlist is
promoted into it at once: there is no "offered" step, because the resident asked for the place and is
still staying in the facility (a discharge ends waitlist entries too). The promotion is audited and
the person who withdrew someone sees who moved up.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter.audit import service as audit
from shelter.auth.models import User
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_today
from shelter.programmes.models import ACTIVE_STATUSES, Enrollment, EnrollmentStatus, Programme
from shelter.programmes.rules import (REASON_MAX, AlreadyEnrolled, EnrollmentNotActive, InvalidProgramme,
                                      NoOpenStay, NotEligible, lock)
from shelter.residents.models import Resident
from shelter.stays.models import Stay
from shelter.text import has_control_characters


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
    programme = lock(programme.id)
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


def fill_free_seats(programme: Programme, *, by_id: int | None) -> list[Enrollment]:
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
    programme = lock(enrollment.programme_id)
    db.session.refresh(enrollment)
    if not enrollment.is_active:
        raise EnrollmentNotActive()
    had_seat = enrollment.seat is not None
    _end(enrollment, status=EnrollmentStatus.WITHDRAWN, reason=reason, by_id=by.id)
    promoted = fill_free_seats(programme, by_id=by.id) if had_seat else []
    audit.record("programme.withdrawn", actor=by, target=enrollment, facility_id=programme.facility_id,
                 detail={"programme_id": programme.id, "resident_id": enrollment.resident_id,
                         "promoted_enrollment_id": promoted[0].id if promoted else None})
    return promoted[0] if promoted else None


def end_enrolments_for_stay(stay, *, by_id: int | None, reason: str) -> int:
    """Heard from ``stay_closed`` (``programmes.listeners``) when a stay closes (discharge, or a move to
    another facility): ends its active enrolments
    (places and waitlist entries), with the discharge outcome as the reason, and gives the freed places
    to the waitlists. Returns how many ended."""
    active = list(db.session.scalars(sa.select(Enrollment).where(
        Enrollment.stay_id == stay.id, Enrollment.status.in_([s.value for s in ACTIVE_STATUSES]))
        .order_by(Enrollment.programme_id)))
    for enrollment in active:
        programme = lock(enrollment.programme_id)
        had_seat = enrollment.seat is not None
        _end(enrollment, status=EnrollmentStatus.ENDED, reason=reason or "stay_closed", by_id=by_id)
        promoted = fill_free_seats(programme, by_id=by_id) if had_seat else []
        audit.record("programme.ended", actor=_user(by_id), target=enrollment, facility_id=programme.facility_id,
                     detail={"programme_id": programme.id, "resident_id": enrollment.resident_id,
                             "reason": reason, "promoted_enrollment_id": promoted[0].id if promoted else None})
    return len(active)


def seats_taken(programme_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)
                             .where(Enrollment.programme_id == programme_id, Enrollment.seat.is_not(None)))


def renumber_seats(programme_id: int) -> None:
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
