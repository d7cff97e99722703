"""Follow-ups listen to discharges (see ``shelter.events``): a discharge home starts the schedule."""

from __future__ import annotations

from shelter import events
from shelter.followups import service
from shelter.stays.models import DischargeOutcome

HOME_OUTCOMES = {DischargeOutcome.REUNIFIED.value, DischargeOutcome.RETURNED_HOME_REGION.value}


def on_stay_discharged(stay, *, by, **_) -> None:
    if stay.discharge_outcome in HOME_OUTCOMES:
        service.schedule_after_discharge(stay, by=by)


def connect() -> None:
    events.stay_discharged.connect(on_stay_discharged, weak=False)
