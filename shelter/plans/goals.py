"""Goals of a rehabilitation plan: what is wrong with one (codes per field, before anything changes),
adding one and changing one. A goal added or changed outside a review makes a submitted or approved
plan a draft again (``lifecycle.reopen``): it needs approval again. A review changes goals too, in
``plans.reviews``, without that.

Whoever is responsible for a goal must be an active worker of the stay's facility.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from shelter.audit import service as audit
from shelter.auth.models import User, user_facilities
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_today
from shelter.plans.lifecycle import reopen
from shelter.plans.models import GoalDomain, GoalStatus, PlanGoal, RehabilitationPlan
from shelter.plans.rules import (DESCRIPTION_MAX, INTERVENTIONS_MAX, MAX_GOALS, Invalid, NotAllowed, TooManyGoals,
                                 check_writable, lock)


@dataclass
class GoalInput:
    domain: str
    description: str
    interventions: str = ""
    responsible_id: int | None = None
    target_date: date | None = None
    status: str = GoalStatus.PLANNED.value


def facility_workers(facility_id: int) -> list[User]:
    """Active users of the facility who can be responsible for a goal, by name. One statement."""
    return list(db.session.scalars(
        sa.select(User).join(user_facilities, user_facilities.c.user_id == User.id)
        .where(user_facilities.c.facility_id == facility_id, User.active.is_(True))
        .order_by(User.full_name, User.id)))


def is_worker(facility_id: int, user_id: int) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).join(user_facilities, user_facilities.c.user_id == User.id)
        .where(user_facilities.c.facility_id == facility_id, User.id == user_id, User.active.is_(True))) > 0


def goal_problems(facility_id: int, data: GoalInput, *, existing: PlanGoal | None = None,
                  today: date | None = None) -> dict[str, str]:
    """What is wrong with a goal (empty when nothing): codes per field."""
    today = today or local_today()
    problems: dict[str, str] = {}
    if data.domain not in {d.value for d in GoalDomain}:
        problems["domain"] = "invalid_choice"
    description = (data.description or "").strip()
    if not description:
        problems["description"] = "required"
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = "too_long"
    if len(data.interventions or "") > INTERVENTIONS_MAX:
        problems["interventions"] = "too_long"
    if data.status not in {s.value for s in GoalStatus}:
        problems["status"] = "invalid_choice"
    changed_target = existing is None or existing.target_date != data.target_date
    if data.target_date is not None and changed_target and data.target_date < today:
        problems["target_date"] = "in_past"
    if data.responsible_id is not None and (existing is None or existing.responsible_id != data.responsible_id):
        if not is_worker(facility_id, data.responsible_id):
            problems["responsible_id"] = "not_in_facility"
    return problems


def add_goal(plan: RehabilitationPlan, data: GoalInput, *, by) -> PlanGoal:
    plan = lock(plan)
    stay = check_writable(plan, by)
    problems = goal_problems(stay.facility_id, data)
    if problems:
        raise Invalid(problems)
    goal = new_goal(plan, data)
    reopened = reopen(plan)
    audit.record("plan.goal_added", actor=by, target=plan, facility_id=stay.facility_id,
                 detail={"goal_id": goal.id, "domain": goal.domain, "reopened": reopened})
    return goal


def new_goal(plan: RehabilitationPlan, data: GoalInput) -> PlanGoal:
    count, last = db.session.execute(sa.select(sa.func.count(), sa.func.max(PlanGoal.position))
                                     .where(PlanGoal.plan_id == plan.id)).one()
    if count >= MAX_GOALS:
        raise TooManyGoals()
    goal = PlanGoal(plan_id=plan.id, position=(last or 0) + 1, domain=data.domain,
                    description=data.description.strip(), interventions=(data.interventions or "").strip(),
                    responsible_id=data.responsible_id, target_date=data.target_date, status=data.status)
    db.session.add(goal)
    db.session.flush()
    return goal


GOAL_FIELDS = ("domain", "description", "interventions", "responsible_id", "target_date", "status")


def _apply(goal: PlanGoal, data: GoalInput) -> list[str]:
    values = {"domain": data.domain, "description": data.description.strip(),
              "interventions": (data.interventions or "").strip(), "responsible_id": data.responsible_id,
              "target_date": data.target_date, "status": data.status}
    changed = [name for name in GOAL_FIELDS if getattr(goal, name) != values[name]]
    for name in changed:
        setattr(goal, name, values[name])
    if changed:
        goal.updated_at = utcnow()
    return changed


def update_goal(plan: RehabilitationPlan, goal: PlanGoal, data: GoalInput, *, by) -> list[str]:
    """Change a goal; returns the names of the fields that changed (nothing changed: nothing happens)."""
    plan = lock(plan)
    stay = check_writable(plan, by)
    if goal.plan_id != plan.id:
        raise NotAllowed()
    problems = goal_problems(stay.facility_id, data, existing=goal)
    if problems:
        raise Invalid(problems)
    changed = _apply(goal, data)
    if changed:
        reopened = reopen(plan)
        audit.record("plan.goal_changed", actor=by, target=plan, facility_id=stay.facility_id,
                     detail={"goal_id": goal.id, "fields": changed, "reopened": reopened})
    return changed
