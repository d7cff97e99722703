"""The one shape every feature returns for the worklists.

Each feature that has work due exposes, in its ``queries`` module::

    def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]

``facility_ids`` None means every facility (admin); ``caseworker_id`` narrows to one caseworker's stays.
It must issue a fixed number of SQL statements whatever the number of residents (the worklist tests count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class WorkKind(StrEnum):
    ASSESSMENT_DUE = "assessment_due"
    PLAN_REVIEW_DUE = "plan_review_due"
    PLAN_APPROVAL = "plan_approval"
    FOLLOW_UP_DUE = "follow_up_due"
    SESSION_TODAY = "session_today"
    OUTGOING_REFERRAL = "outgoing_referral"


@dataclass(frozen=True)
class WorklistItem:
    kind: WorkKind
    due_on: date
    facility_id: int
    caseworker_id: int | None       # None: nobody is responsible yet (shown to case managers)
    url: str                        # where the work is done (url_for, built by the feature)
    resident_id: int | None = None  # None for a programme session
    resident_name: str = ""         # shown in the page only: never in an SMS, a log or a URL
    label: str = ""                 # a short, already translated description
    overdue: bool = False
