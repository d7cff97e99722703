"""Follow-ups due (issue 4), as worklist items: the open follow-ups due this week or overdue.

The follow-ups feature has its own pages ("My follow-ups", the facility list); this is the worklist's
view of the same rows, in one statement whatever the number of residents. A follow-up carries its own
caseworker (assigned when the schedule was made, reassignable), so that is who it is counted for.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from shelter.access import facilities_clause
from shelter.extensions import db
from shelter.followups.labels import METHODS
from shelter.followups.models import FollowUp, FollowUpStatus
from shelter.residents.models import Resident
from shelter.worklist_items import WorkKind, WorklistItem

WEEK_DAYS = 7  # today and the next six days, like "My follow-ups"


def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    if facility_ids is not None and not facility_ids:
        return []
    query = (sa.select(FollowUp.id, FollowUp.due_on, FollowUp.facility_id, FollowUp.caseworker_id,
                       FollowUp.resident_id, FollowUp.planned_method, Resident.full_name)
             .join(Resident, Resident.id == FollowUp.resident_id)
             .where(FollowUp.status == FollowUpStatus.OPEN.value,
                    FollowUp.due_on <= today + timedelta(days=WEEK_DAYS - 1))
             .order_by(FollowUp.due_on, FollowUp.id))
    query = query.where(facilities_clause(facility_ids, FollowUp.facility_id))
    if caseworker_id is not None:
        query = query.where(FollowUp.caseworker_id == caseworker_id)
    return [
        WorklistItem(kind=WorkKind.FOLLOW_UP_DUE, due_on=row.due_on, facility_id=row.facility_id,
                     caseworker_id=row.caseworker_id,
                     url=url_for("residents.show", resident_id=row.resident_id, _anchor="followups"),
                     resident_id=row.resident_id, resident_name=row.full_name,
                     label=_("Follow-up: %(method)s", method=METHODS.get(row.planned_method, row.planned_method)),
                     overdue=row.due_on < today)
        for row in db.session.execute(query)
    ]
