"""What every rule of rehabilitation plans stands on: the errors (``PlanError`` subclasses with a stable
``code``, which the UI and the API map to messages), the limits of what a plan's text may hold, who
may do what in a facility, and the locked read of a plan that every change starts with.

A change re-reads its plan with a row lock first (PostgreSQL ``FOR UPDATE``; SQLite holds its write
lock since BEGIN IMMEDIATE), so two people changing one plan at once take turns, and the second sees
what the first did. The rules themselves are in ``lifecycle``, ``goals``, ``reviews`` and ``versions``.
"""

from __future__ import annotations

import sqlalchemy as sa

from shelter.access import acts_in, works_in
from shelter.auth.models import Role
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.plans.models import ACTIVE_STATUSES, RehabilitationPlan
from shelter.stays.models import Stay

DESCRIPTION_MAX = 1000
INTERVENTIONS_MAX = 2000
NOTE_MAX = 2000
SUMMARY_MAX = 4000
MAX_GOALS = 30


class PlanError(Exception):
    code = "plan_error"


class PlanExists(PlanError):
    """The stay already has an active plan (one per stay, also when two people start one at once)."""

    code = "plan_exists"


class StayNotOpen(PlanError):
    code = "stay_closed"


class PlanNotActive(PlanError):
    code = "plan_closed"


class WrongStatus(PlanError):
    """The action does not fit the plan's status (approve a draft, review a plan not approved, …)."""

    code = "wrong_status"


class NoGoals(PlanError):
    code = "no_goals"


class TooManyGoals(PlanError):
    code = "too_many_goals"


class NotAllowed(PlanError):
    code = "not_allowed"


class Invalid(FieldProblems, PlanError):
    """Field problems: ``{field: code}`` (codes, never the values typed)."""


# --- who may do what, per facility --------------------------------------------------------------------------

READ_ROLES = (Role.ADMIN, Role.FACILITY_MANAGER, Role.CASE_MANAGER, Role.CASEWORKER)


def may_read(user, facility_id: int) -> bool:
    """Admins everywhere (read only); case managers, caseworkers and facility managers in their facilities."""
    return acts_in(user, facility_id, *READ_ROLES)


def may_write(user, facility_id: int) -> bool:
    """Build a plan, change goals, submit, record reviews: caseworkers (pekerja sosial) of the facility."""
    return works_in(user, facility_id, Role.CASEWORKER)


def may_approve(user, facility_id: int) -> bool:
    return works_in(user, facility_id, Role.CASE_MANAGER)


# --- the plan a change is about -----------------------------------------------------------------------------------

def active_plan(stay_id: int) -> RehabilitationPlan | None:
    return db.session.scalar(sa.select(RehabilitationPlan).where(
        RehabilitationPlan.stay_id == stay_id, RehabilitationPlan.status.in_([s.value for s in ACTIVE_STATUSES])))


def lock(plan: RehabilitationPlan) -> RehabilitationPlan:
    """Re-read the plan with a row lock (PostgreSQL; SQLite holds its write lock since BEGIN IMMEDIATE)."""
    return db.session.scalar(sa.select(RehabilitationPlan).where(RehabilitationPlan.id == plan.id)
                             .with_for_update().execution_options(populate_existing=True))


def check_writable(plan: RehabilitationPlan, by) -> Stay:
    stay = db.session.get(Stay, plan.stay_id)
    if not may_write(by, stay.facility_id):
        raise NotAllowed()
    if not plan.is_active:
        raise PlanNotActive()
    if not stay.is_open:
        raise StayNotOpen()
    return stay
