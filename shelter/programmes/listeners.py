"""Programmes listen to stays that close (see ``shelter.events``): the stay's enrolments end, and the
places they free go to the waitlists."""

from __future__ import annotations

from shelter import events
from shelter.programmes import service


def on_stay_closed(stay, *, by_id, reason, **_) -> None:
    service.end_enrolments_for_stay(stay, by_id=by_id, reason=reason)


def connect() -> None:
    events.stay_closed.connect(on_stay_closed, weak=False)
