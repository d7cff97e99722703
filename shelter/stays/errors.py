"""The domain errors of admission, transfer, discharge and holds. Each has a stable ``code`` for the API;
the views turn them into messages. Raised by ``stays.service``, which callers catch them from."""

from __future__ import annotations


class StayError(Exception):
    """Base of the domain errors raised here; ``code`` is stable for the API."""

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
