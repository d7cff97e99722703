"""The queries behind the assessment and case-note pages, and this feature's worklist items.

Each runs a fixed number of statements whatever the number of assessments, notes or residents:
authors come in the same statement (joined), notes are paged (count + page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_login import current_user
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from shelter.access import episode_clause, facilities_clause
from shelter.assessments import service
from shelter.assessments.models import Assessment, CaseNote
from shelter.extensions import db
from shelter.pagination import Page, clamp_page
from shelter.residents.models import Resident
from shelter.stays.models import Stay
from shelter.worklist_items import WorkKind, WorklistItem

NOTES_PER_PAGE = 10


def assessments_of(stay: Stay) -> list[Assessment]:
    """Newest first (authors loaded with them)."""
    return list(db.session.scalars(
        sa.select(Assessment).where(Assessment.stay_id == stay.id)
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    ))


def notes_page(stay: Stay, page: int = 1, per_page: int = NOTES_PER_PAGE) -> Page:
    """One page of the stay's case notes, newest first. Two statements."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(CaseNote).where(CaseNote.stay_id == stay.id))
    page = clamp_page(page, total, per_page)
    items = list(db.session.scalars(
        sa.select(CaseNote).where(CaseNote.stay_id == stay.id)
        .order_by(CaseNote.noted_on.desc(), CaseNote.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return Page(items=items, page=page, per_page=per_page, total=total)


def note_with_history(note_id: int) -> CaseNote | None:
    return db.session.scalar(sa.select(CaseNote).where(CaseNote.id == note_id)
                             .options(selectinload(CaseNote.revisions)))


def stay_for_resident(user, resident: Resident) -> Stay | None:
    """The resident's open stay if it is one of ``user``'s episodes, else their latest stay among them."""
    query = sa.select(Stay).where(Stay.resident_id == resident.id, episode_clause(user, Stay.facility_id))
    return db.session.scalar(query.order_by(Stay.discharged_at.is_(None).desc(), Stay.admitted_at.desc(),
                                            Stay.id.desc()).limit(1))


@dataclass(frozen=True)
class AssessmentStatus:
    count: int
    due_on: date
    overdue: bool


def assessment_status(stay: Stay, assessments: list[Assessment]) -> AssessmentStatus:
    due_on = service.first_assessment_due_on(stay)
    return AssessmentStatus(count=len(assessments), due_on=due_on,
                            overdue=not assessments and stay.is_open and service.today() > due_on)


def _item_url(stay_id: int, resident_id: int, facility_id: int) -> str:
    # Only case writers may open the assessment form; an admin or facility manager gets the resident page
    # instead of a link that 404s.
    if current_user.is_authenticated and service.may_write(current_user, facility_id):
        return url_for("assessments.new", stay_id=stay_id)
    return url_for("residents.show", resident_id=resident_id)


def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    """ASSESSMENT_DUE for each open stay that has no assessment yet: due ``assessment_due_days`` after
    the admission (WIB), overdue after that day. One statement however many residents."""
    has_assessment = sa.exists().where(Assessment.stay_id == Stay.id)
    query = (sa.select(Stay.id, Stay.resident_id, Stay.facility_id, Stay.caseworker_id, Stay.admitted_at,
                       Resident.full_name)
             .join(Resident, Resident.id == Stay.resident_id)
             .where(Stay.discharged_at.is_(None), ~has_assessment)
             .order_by(Stay.admitted_at, Stay.id))
    if facility_ids is not None and not facility_ids:
        return []
    query = query.where(facilities_clause(facility_ids, Stay.facility_id))
    if caseworker_id is not None:
        query = query.where(Stay.caseworker_id == caseworker_id)
    days = timedelta(days=service.due_days())
    label = _("First assessment")
    items = []
    for stay_id, resident_id, facility_id, caseworker, admitted_at, name in db.session.execute(query):
        due_on = service.local_date(admitted_at) + days
        items.append(WorklistItem(
            kind=WorkKind.ASSESSMENT_DUE, due_on=due_on, facility_id=facility_id, caseworker_id=caseworker,
            url=_item_url(stay_id, resident_id, facility_id), resident_id=resident_id, resident_name=name,
            label=label, overdue=today > due_on,
        ))
    return items
