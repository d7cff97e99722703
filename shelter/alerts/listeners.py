"""Capacity alerts listen to changes of free beds (see ``shelter.events``)."""

from __future__ import annotations

from shelter import events
from shelter.alerts import service


def on_beds_changed(sender, *, facility_ids, **_) -> None:
    """Evaluate the rules of each facility whose free beds changed, in the action's transaction."""
    for facility_id in facility_ids:  # ascending (events.facilities_changed)
        service.evaluate_facility(facility_id)


def connect() -> None:
    events.beds_changed.connect(on_beds_changed, weak=False)
