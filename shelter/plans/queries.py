"""The queries that feed the plan pages, the resident page's plan section and the worklists.

Each issues a fixed number of statements however many goals, versions or residents there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from shelter.access import episode_clause, facilities_clause
from shelter.auth.models import User
from shelter.extensions import db
from shelter.localtime import local_date
from shelter.plans.models import PlanStatus, RehabilitationPlan
from shelter.residents.models import Resident
from shelter.stays.models import Stay
from shelter.worklist_items import WorkKind, WorklistItem


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all())


def plan_names(plan: RehabilitationPlan) -> dict[int, str]:
    """Names of everyone the plan page mentions (authors, approvers, responsible workers). One statement."""
    ids = {plan.created_by_id, plan.submitted_by_id, plan.approved_by_id}
    ids |= {g.responsible_id for g in plan.goals}
    ids |= {v.recorded_by_id for v in plan.versions}
    return user_names(ids)


def load_plan(plan_id: int) -> RehabilitationPlan | None:
    return db.session.scalar(
        sa.select(RehabilitationPlan).where(RehabilitationPlan.id == plan_id)
        .options(selectinload(RehabilitationPlan.goals), selectinload(RehabilitationPlan.versions)))


@dataclass(frozen=True)
class StayPlans:
    stay: Stay
    active: RehabilitationPlan | None
    earlier: list[RehabilitationPlan]


def resident_plans(user, resident_id: int) -> list[StayPlans]:
    """The resident's stays that are ``user``'s episodes, with their plans, newest stay first.
    Two statements (stays, plans with goals eager-loaded: three)."""
    query = (sa.select(Stay).where(Stay.resident_id == resident_id, episode_clause(user, Stay.facility_id))
             .order_by(Stay.admitted_at.desc(), Stay.id.desc()))
    stays = list(db.session.scalars(query.options(selectinload(Stay.facility))))
    if not stays:
        return []
    plans = list(db.session.scalars(
        sa.select(RehabilitationPlan).where(RehabilitationPlan.stay_id.in_([s.id for s in stays]))
        .order_by(RehabilitationPlan.created_at.desc(), RehabilitationPlan.id.desc())
        .options(selectinload(RehabilitationPlan.goals))))
    result = []
    for stay in stays:
        mine = [p for p in plans if p.stay_id == stay.id]
        active = next((p for p in mine if p.is_active), None)
        if stay.is_open or mine:
            result.append(StayPlans(stay, active, [p for p in mine if p is not active]))
    return result


# --- worklists ----------------------------------------------------------------------------------------------------

def worklist_items(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    """Approved plans of open stays whose review is due (on or before ``today``), and submitted plans
    waiting for a case manager. Two statements, whatever the number of residents."""
    days = current_app.config["SHELTER"].plan_review_days

    base = (sa.select(RehabilitationPlan.id, RehabilitationPlan.schedule_from, RehabilitationPlan.submitted_at,
                      Stay.facility_id, Stay.caseworker_id, Resident.id, Resident.full_name)
            .join(Stay, Stay.id == RehabilitationPlan.stay_id)
            .join(Resident, Resident.id == Stay.resident_id)
            .where(Stay.discharged_at.is_(None)))
    base = base.where(facilities_clause(facility_ids, Stay.facility_id))
    if caseworker_id is not None:
        base = base.where(Stay.caseworker_id == caseworker_id)
    items: list[WorklistItem] = []

    due = base.where(RehabilitationPlan.status == PlanStatus.APPROVED.value,
                     RehabilitationPlan.schedule_from <= today - timedelta(days=days))
    for plan_id, schedule_from, _submitted, facility_id, worker_id, resident_id, name in db.session.execute(
            due.order_by(RehabilitationPlan.schedule_from, RehabilitationPlan.id)):
        due_on = schedule_from + timedelta(days=days)
        items.append(WorklistItem(
            kind=WorkKind.PLAN_REVIEW_DUE, due_on=due_on, facility_id=facility_id, caseworker_id=worker_id,
            url=url_for("plans.review", plan_id=plan_id), resident_id=resident_id, resident_name=name,
            label=_("Rehabilitation plan review due"), overdue=due_on < today))

    waiting = base.where(RehabilitationPlan.status == PlanStatus.SUBMITTED.value)
    for plan_id, _from, submitted_at, facility_id, worker_id, resident_id, name in db.session.execute(
            waiting.order_by(RehabilitationPlan.submitted_at, RehabilitationPlan.id)):
        items.append(WorklistItem(
            kind=WorkKind.PLAN_APPROVAL, due_on=local_date(submitted_at), facility_id=facility_id,
            caseworker_id=worker_id, url=url_for("plans.show", plan_id=plan_id), resident_id=resident_id,
            resident_name=name, label=_("Rehabilitation plan waiting for approval")))
    return items

