"""What every stay rule stands on: the domain errors (``StayError`` subclasses, whose ``code`` is stable
for the API), the limits, and who may do what in a facility (the views and the API ask the same
``may_*`` questions as the service). The rules themselves are in ``stays.service``, which re-exports
these names as part of its API.
"""

from __future__ import annotations

from shelter.access import acts_in


class StayError(Exception):
    """Base of the domain errors the stay rules raise; ``code`` is stable for the API."""

    code = "stay_error"


class BedNotAvailable(StayError):
    code = "bed_taken"


class BedOutOfService(StayError):
    code = "bed_out_of_service"


class ResidentAlreadyAdmitted(StayError):
    code = "resident_already_admitted"


class RoomRulesViolated(StayError):
    """The room's sex or age group does not fit; admission needs an explicit override with a reason."""

    code = "room_rules"

    def __init__(self, problems: list[str]):
        super().__init__(", ".join(problems))
        self.problems = problems


class FacilityHasFreeBeds(StayError):
    """Over-capacity placement is only for a full facility: choose one of its free beds."""

    code = "facility_has_free_beds"


class ReasonRequired(StayError):
    code = "reason_required"


class StayClosed(StayError):
    code = "stay_closed"


class InvalidDischarge(StayError):
    code = "invalid_discharge"


class HoldNotFound(StayError):
    code = "hold_not_found"


class InvalidHold(StayError):
    """A hold needs a reason and an expiry from 1 to MAX_HOLD_HOURS hours."""

    code = "invalid_hold"


ADULT_AGE = 18
MAX_HOLD_HOURS = 72


# --- who may do what, per facility (the views and the API use the same answer) --------------------------

ADMIT_ROLES = ("intake_staff", "facility_manager", "case_manager")  # placements: case managers too
MOVE_ROLES = ("intake_staff", "facility_manager")  # transfer and discharge
HOLD_ROLES = ("intake_staff", "facility_manager", "case_manager")


def _acts_in(user, facility_id: int, roles) -> bool:
    return acts_in(user, facility_id, *roles)


def may_admit(user, facility_id: int) -> bool:
    return _acts_in(user, facility_id, ADMIT_ROLES)


def may_move(user, facility_id: int) -> bool:
    return _acts_in(user, facility_id, MOVE_ROLES)


def may_hold(user, facility_id: int) -> bool:
    return _acts_in(user, facility_id, HOLD_ROLES)

