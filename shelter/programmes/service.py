"""Skills programmes, as the UI, the API, the listeners and the tests call them (``service.enrol(…)``):
a façade only, holding no rule of its own. The functions add to the current transaction, raise
domain errors with a stable ``code`` and never commit.

Each rule lives in the module of its story, and the modules of this package import from there:
``rules`` (errors, limits, who may do what, the programme lock that keeps capacity), ``catalogue``
(programmes and their sessions), ``enrolment`` (places, the waitlist and who moves up) and
``attendance`` (marks per session, and completion).
"""

from __future__ import annotations

from shelter.localtime import local_start, local_today, zone as local_zone  # noqa: F401
from shelter.programmes.attendance import complete, record_attendance  # noqa: F401
from shelter.programmes.catalogue import (ProgrammeInput, create_programme, regenerate_sessions,  # noqa: F401
                                          schedule_dates, update_programme, validate)
from shelter.programmes.enrolment import (age_on, eligibility_problems, end_enrolments_for_stay, enrol,  # noqa: F401
                                          open_stay_in, seats_taken, waitlist_position, waitlist_positions,
                                          withdraw)
from shelter.programmes.rules import (ATTENDANCE_ROLES, DESCRIPTION_MAX, MANAGE_ROLES, MAX_AGE,  # noqa: F401
                                      MAX_CAPACITY, MAX_DURATION, MAX_SPAN_DAYS, NAME_MAX, REASON_MAX, TRAINER_MAX,
                                      AlreadyEnrolled, EnrollmentNotActive, InvalidAttendance, InvalidProgramme,
                                      NoOpenStay, NotEligible, NotEnrolled, ProgrammeError, SessionNotStarted,
                                      may_manage, may_take_attendance)
