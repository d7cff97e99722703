"""The reunification plan: where and to whom a resident is to go home. One per resident, part of the
person's shared data: only the facility responsible for them writes and reads it (``access``), and an
edit names the version it started from, so two caseworkers never overwrite each other unseen.

Like every service here these functions add to the current transaction and raise domain errors; the
caller commits. The audit names the fields changed, never their values (they hold a family's address).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter.audit import service as audit
from shelter.extensions import db
from shelter.followups.models import ReunificationPlan
from shelter.followups.service import FollowUpError, FollowUpInvalid
from shelter import text

RELATION_MAX = 120
DESTINATION_MAX = 120
ASSESSMENT_MAX = 8000


class PlanInvalid(FollowUpInvalid):
    code = "reunification_plan_invalid"


class StalePlan(FollowUpError):
    code = "reunification_plan_stale"


@dataclass
class PlanInput:
    family_contact_id: int | None = None
    relation: str = ""
    destination: str = ""
    family_assessment: str = ""
    planned_on: date | None = None


PLAN_FIELDS = ("family_contact_id", "relation", "destination", "family_assessment", "planned_on")


def check_plan(resident, data: PlanInput) -> PlanInput:
    problems = {}
    relation = text.clean(data.relation or "")  # one-line: NFKC, as every name (shelter.text)
    destination = text.clean(data.destination or "")
    assessment = (data.family_assessment or "").strip()
    contact_ids = {c.id for c in resident.family_contacts}
    if data.family_contact_id is not None and data.family_contact_id not in contact_ids:
        problems["family_contact_id"] = "invalid_choice"
    if data.family_contact_id is None and not relation:
        problems["relation"] = "who_required"
    for name, value, limit, multiline in (("relation", relation, RELATION_MAX, False),
                                          ("destination", destination, DESTINATION_MAX, False),
                                          ("family_assessment", assessment, ASSESSMENT_MAX, True)):
        if len(value) > limit:
            problems[name] = "too_long"
        elif code := text.problem(value, multiline=multiline):  # names and places: no hidden characters
            problems[name] = code
    if not destination and "destination" not in problems:
        problems["destination"] = "required"
    if data.planned_on is not None and not date(2000, 1, 1) <= data.planned_on <= date(2100, 1, 1):
        problems["planned_on"] = "out_of_range"
    if problems:
        raise PlanInvalid(problems)
    return PlanInput(family_contact_id=data.family_contact_id, relation=relation, destination=destination,
                     family_assessment=assessment, planned_on=data.planned_on)


def plan_of(resident_id: int) -> ReunificationPlan | None:
    return db.session.scalar(sa.select(ReunificationPlan).where(ReunificationPlan.resident_id == resident_id))


def save_plan(resident, data: PlanInput, *, by, expected_version: int | None = None) -> ReunificationPlan:
    """Create or edit the resident's reunification plan. An edit must name the version it started from
    (``StalePlan`` when someone saved in between); the audit names the fields changed, not their values."""
    data = check_plan(resident, data)
    plan = plan_of(resident.id)
    if plan is None:
        if expected_version not in (None, 0):
            raise StalePlan()
        plan = ReunificationPlan(resident_id=resident.id, created_by_id=by.id, updated_by_id=by.id,
                                 **{name: getattr(data, name) for name in PLAN_FIELDS})
        try:
            with db.session.begin_nested():
                db.session.add(plan)
                db.session.flush()
        except IntegrityError:
            raise StalePlan() from None
        audit.record("reunification_plan.created", actor=by, target=plan, facility_id=resident.registered_facility_id,
                     detail={"resident_id": resident.id})
        return plan
    if expected_version is not None and expected_version != plan.version:
        raise StalePlan()
    changed = [name for name in PLAN_FIELDS if getattr(plan, name) != getattr(data, name)]
    if not changed:
        return plan
    for name in changed:
        setattr(plan, name, getattr(data, name))
    plan.updated_by_id = by.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.orm.exc.StaleDataError:
        raise StalePlan() from None
    audit.record("reunification_plan.updated", actor=by, target=plan, facility_id=resident.registered_facility_id,
                 detail={"resident_id": resident.id, "fields": changed, "version": plan.version})
    return plan
