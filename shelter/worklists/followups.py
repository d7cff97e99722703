"""Follow-ups due, as worklist items (filled in once the follow-ups model lands)."""

from __future__ import annotations

from datetime import date

from shelter.worklists.items import WorklistItem


def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    return []
