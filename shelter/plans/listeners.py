"""Plans listen to stays that close (see ``shelter.events``): the stay's active plan closes with it."""

from __future__ import annotations

from shelter import events
from shelter.plans import service


def on_stay_closed(stay, *, by_id, **_) -> None:
    service.close_for_stay(stay, by_id=by_id)


def connect() -> None:
    events.stay_closed.connect(on_stay_closed, weak=False)
