"""The life of a rehabilitation plan: started for an open stay, submitted by its caseworker, approved
or sent back by a case manager, closed by hand or with the stay. These functions add to the current
transaction, raise ``PlanError`` subclasses (``plans.rules``) and never commit.

Life of a plan::

    draft ──submit──▶ submitted ──approve (case manager)──▶ approved ──review (every N days)──▶ approved
      ▲                   │ send back                            │ goal added/changed outside a review
      └───────────────────┴──────────────────────────────────────┘ (a new draft: approve again)

Every approval writes a ``PlanVersion`` (``plans.versions``); reviews are in ``plans.reviews``, goals
in ``plans.goals``. One active plan per stay, also when two people start one at once.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from shelter.audit import service as audit
from shelter.auth.models import User
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_date
from shelter.plans.models import GoalStatus, PlanStatus, PlanVersion, RehabilitationPlan, VersionKind
from shelter.plans.rules import (NOTE_MAX, Invalid, NoGoals, NotAllowed, PlanExists, PlanNotActive, StayNotOpen,
                                 WrongStatus, active_plan, check_writable, lock, may_approve, may_write)
from shelter.plans.versions import freeze
from shelter.stays.models import Stay


def create_plan(stay: Stay, *, by) -> RehabilitationPlan:
    if not may_write(by, stay.facility_id):
        raise NotAllowed()
    if not stay.is_open:
        raise StayNotOpen()
    if active_plan(stay.id) is not None:
        raise PlanExists()
    plan = RehabilitationPlan(stay_id=stay.id, status=PlanStatus.DRAFT.value, created_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(plan)
            db.session.flush()
    except IntegrityError:
        # Someone started one a moment ago: the partial unique index said no.
        raise PlanExists() from None
    audit.record("plan.created", actor=by, target=plan, facility_id=stay.facility_id, detail={"stay_id": stay.id})
    return plan


def reopen(plan: RehabilitationPlan) -> bool:
    """A change outside a review: a submitted or approved plan becomes a draft that needs approval again."""
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        plan.status = PlanStatus.DRAFT.value
        return True
    return False


def submit(plan: RehabilitationPlan, *, by) -> None:
    plan = lock(plan)
    stay = check_writable(plan, by)
    if plan.status != PlanStatus.DRAFT:
        raise WrongStatus()
    if not any(g.status != GoalStatus.DROPPED for g in plan.goals):
        raise NoGoals()
    plan.status = PlanStatus.SUBMITTED.value
    plan.submitted_at = utcnow()
    plan.submitted_by_id = by.id
    plan.returned_note = ""
    audit.record("plan.submitted", actor=by, target=plan, facility_id=stay.facility_id)


def _check_approver(plan: RehabilitationPlan, by) -> Stay:
    stay = db.session.get(Stay, plan.stay_id)
    if not may_approve(by, stay.facility_id):
        raise NotAllowed()
    if plan.status != PlanStatus.SUBMITTED:
        raise WrongStatus()
    if not stay.is_open:
        raise StayNotOpen()
    return stay


def approve(plan: RehabilitationPlan, *, by) -> PlanVersion:
    """A case manager of the stay's facility approves a submitted plan: version N (approval)."""
    plan = lock(plan)
    stay = _check_approver(plan, by)
    now = utcnow()
    plan.status = PlanStatus.APPROVED.value
    plan.approved_at = now
    plan.approved_by_id = by.id
    plan.schedule_from = local_date(now)
    version = freeze(plan, kind=VersionKind.APPROVAL, on=local_date(now), by=by, at=now)
    audit.record("plan.approved", actor=by, target=plan, facility_id=stay.facility_id,
                 detail={"version": version.number})
    return version


def send_back(plan: RehabilitationPlan, *, by, note: str) -> None:
    """A case manager returns a submitted plan to the caseworker, saying why."""
    plan = lock(plan)
    stay = _check_approver(plan, by)
    note = (note or "").strip()
    if not note:
        raise Invalid({"note": "required"})
    if len(note) > NOTE_MAX:
        raise Invalid({"note": "too_long"})
    plan.status = PlanStatus.DRAFT.value
    plan.returned_note = note
    audit.record("plan.sent_back", actor=by, target=plan, facility_id=stay.facility_id)


def close(plan: RehabilitationPlan, *, by) -> None:
    """End a plan (read only from then on); the stay may then get a new one."""
    plan = lock(plan)
    stay = db.session.get(Stay, plan.stay_id)
    if not (may_approve(by, stay.facility_id) or may_write(by, stay.facility_id)):
        raise NotAllowed()
    if not plan.is_active:
        raise PlanNotActive()
    plan.status = PlanStatus.CLOSED.value
    plan.closed_at = utcnow()
    audit.record("plan.closed", actor=by, target=plan, facility_id=stay.facility_id)


def close_for_stay(stay: Stay, *, by_id: int | None) -> int:
    """The stay ended (discharge, or a transfer to another facility): its active plan closes with it.
    Heard from ``stay_closed`` (``plans.listeners``) inside the discharge's transaction; returns how many
    plans closed (0 or 1)."""
    plan = active_plan(stay.id)
    if plan is None:
        return 0
    plan.status = PlanStatus.CLOSED.value
    plan.closed_at = stay.discharged_at or utcnow()
    audit.record("plan.closed", actor=db.session.get(User, by_id) if by_id else None, target=plan,
                 facility_id=stay.facility_id, detail={"reason": "stay_ended"})
    return 1
