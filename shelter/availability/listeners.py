"""The stored counts follow every change of beds, stays and holds (see ``shelter.events``).

- ``beds_changed``: admission into a bed, transfer, discharge, a hold placed, released or expired, beds
  added, removed, put out of or back into service: the facilities named are recounted.
- ``stay_admitted``: an over-capacity placement (no bed, so no ``beds_changed``) changes the
  facility's over-capacity count.
"""

from __future__ import annotations

from shelter import events
from shelter.availability import store


def on_beds_changed(sender, *, facility_ids, **_) -> None:
    store.refresh(facility_ids)


def on_stay_admitted(stay, **_) -> None:
    if stay.over_capacity:
        store.refresh([stay.facility_id])


def connect() -> None:
    events.beds_changed.connect(on_beds_changed, weak=False)
    events.stay_admitted.connect(on_stay_admitted, weak=False)
