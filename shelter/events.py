"""Domain events: what happened to stays and beds, for the features built on top of them to react to.

The feature that owns a change sends a named event and never imports the features that care about it:
``stays`` knows nothing of capacity alerts, follow-ups, programmes or plans. Who sends and who listens:

| event              | sent by                                    | keyword arguments        | listened to by        |
|--------------------|--------------------------------------------|--------------------------|-----------------------|
| ``stay_admitted``  | stays (admission)                          | ``by``                   | availability (over capacity) |
| ``stay_transferred``| stays (a move to a bed in another facility)| ``from_stay``, ``by``    | –                     |
| ``stay_closed``    | stays (discharge, or the old stay of a move)| ``by_id``, ``reason``   | programmes, plans     |
| ``stay_discharged``| stays (discharge)                          | ``by``                   | follow-ups            |
| ``beds_changed``   | stays, facilities, hold expiry             | ``facility_ids``         | availability, capacity alerts, referrals |
| ``hold_released``  | stays (release by hand, or expiry)         | ``facility_ids``         | referrals             |

The sender of every stay event is the ``Stay``; of ``beds_changed`` and ``hold_released`` this module.
``beds_changed`` is sent for every change of the beds a facility counts: an admission into a bed, a
transfer (both facilities), a discharge, a hold placed, released or expired, beds added or removed, a
bed put out of or back into service, a room whose rules (sex, age group) change or that is deleted.
The stored availability counts (``shelter.availability``) depend on it: a write path that changes
beds, assignments or holds without it leaves them wrong until the ``check_availability`` job repairs
them (and ``tests/availability/test_equality.py`` fails).
Listeners are connected in ``create_app`` (``shelter._connect_listeners``): each feature's
``listeners.py`` says what it listens to, and this module imports no feature.

**Handlers run inside the action's own transaction.** They are called synchronously, before the
action returns; they add to the same session and never commit. If one raises, the exception leaves
the action and the caller rolls back, so an admission and the alert, the follow-up schedule or the
ended enrolment it causes are written together or not at all. Work that talks to the outside world
(an SMS) is written to the outbox in that transaction and delivered later by the scheduler.
"""

from __future__ import annotations

from collections.abc import Iterable

from blinker import Namespace

_events = Namespace()

stay_admitted = _events.signal("stay-admitted")
stay_transferred = _events.signal("stay-transferred")
stay_closed = _events.signal("stay-closed")
stay_discharged = _events.signal("stay-discharged")
beds_changed = _events.signal("beds-changed")
hold_released = _events.signal("hold-released")

ALL = (stay_admitted, stay_transferred, stay_closed, stay_discharged, beds_changed, hold_released)


def facilities_changed(facility_ids: Iterable[int]) -> None:
    """Free beds changed in these facilities (ascending ids, each once: listeners that lock per
    facility then take their locks in one order, so two opposite transfers cannot deadlock)."""
    ids = sorted(set(facility_ids))
    if ids:
        beds_changed.send(__name__, facility_ids=ids)
