"""Referrals listen to changes of beds (see ``shelter.events``), inside the action's transaction.

- ``hold_released``: an offer whose held beds are no longer held can no longer be accepted: it
  expires and its referral returns to the case manager (``escalation.expire_offers``).
- ``beds_changed``: the waitlist is matched against the free beds of those facilities
  (``waitlist.match``); new matches text their case managers once a day.
"""

from __future__ import annotations

from shelter import events
from shelter.referrals import escalation, waitlist


def on_hold_released(sender, *, facility_ids, **_) -> None:
    escalation.expire_offers(facility_ids)


def on_beds_changed(sender, *, facility_ids, **_) -> None:
    waitlist.match(facility_ids)


def connect() -> None:
    events.hold_released.connect(on_hold_released, weak=False)
    events.beds_changed.connect(on_beds_changed, weak=False)
