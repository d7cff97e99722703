"""What every rule of skills programmes stands on: the errors (``ProgrammeError`` subclasses with a
stable ``code``, which the UI and the API map to messages), the limits of a programme's fields, who
may do what in a facility, and the locked read of a programme.

Capacity. Every change to who holds a place (enrol, withdraw, complete, end, capacity change) first
locks the programme row with ``lock`` (PostgreSQL ``SELECT … FOR UPDATE``; SQLite takes its write
lock at BEGIN IMMEDIATE), so a second enrolment waits, then counts again and sees the first one's
seat. The rules themselves are in ``catalogue``, ``enrolment`` and ``attendance``.
"""

from __future__ import annotations

import sqlalchemy as sa

from shelter.access import acts_in
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.programmes.models import Programme

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


def lock(programme_id: int) -> Programme:
    return db.session.scalar(sa.select(Programme).where(Programme.id == programme_id).with_for_update()
                             .execution_options(populate_existing=True))
