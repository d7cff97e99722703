"""The catalogue: a facility's programmes and their sessions. Creating one lays out its sessions from
the weekly schedule; changing one keeps the sessions up to today (with their attendance) and lays the
later ones out again; a larger capacity gives the new places to the waitlist at once, and a capacity
below the places already given is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from shelter.audit import service as audit
from shelter.extensions import db
from shelter.localtime import local_start, local_today
from shelter.programmes.enrolment import fill_free_seats, renumber_seats, seats_taken
from shelter.programmes.models import Attendance, Enrollment, Programme, ProgrammeSession
from shelter.programmes.rules import (DESCRIPTION_MAX, MAX_AGE, MAX_CAPACITY, MAX_DURATION, MAX_SPAN_DAYS, NAME_MAX,
                                      TRAINER_MAX, InvalidProgramme, lock)
from shelter import text


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


def update_programme(programme: Programme, data: ProgrammeInput, *, by, today: date | None = None) -> Programme:
    """Change the programme. Sessions up to today stay as they are (with their attendance); later ones
    follow the new schedule. A larger capacity promotes from the waitlist; a capacity below the
    places already given is refused."""
    validate(data)
    today = today or local_today()
    programme = lock(programme.id)
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
        renumber_seats(programme.id)
    regenerate_sessions(programme, today=today)
    promoted = fill_free_seats(programme, by_id=by.id)
    audit.record("programme.updated", actor=by, target=programme, facility_id=programme.facility_id,
                 detail={"fields": changed, "promoted": [e.id for e in promoted]})
    return programme


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
