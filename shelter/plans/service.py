"""The rules of rehabilitation plans. The UI and the API call these functions; they add to the current
transaction, raise ``PlanError`` subclasses with a stable ``code``, and never commit.

Life of a plan::

    draft ──submit──▶ submitted ──approve (case manager)──▶ approved ──review (every N days)──▶ approved
      ▲                   │ send back                            │ goal added/changed outside a review
      └───────────────────┴──────────────────────────────────────┘ (a new draft: approve again)

Every approval and every review writes a ``PlanVersion``: a frozen copy of the goals (with the
progress notes of a review). A review is recorded by a caseworker at the case conference and does
not need approval again; a change outside a review does. Bad input raises before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from shelter.access import acts_in, works_in
from shelter.errors import FieldProblems
from shelter.localtime import local_date, local_today, zone  # noqa: F401 (part of this API)
from shelter.audit import service as audit
from shelter.auth.models import Role, User, user_facilities
from shelter.db import utcnow
from shelter.extensions import db
from shelter.plans.models import (ACTIVE_STATUSES, GoalDomain, GoalStatus, PlanGoal, PlanStatus, PlanVersion,
                                  RehabilitationPlan, VersionKind)
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


# --- days -------------------------------------------------------------------------------------------------------

def review_days() -> int:
    return current_app.config["SHELTER"].plan_review_days


def review_due_on(plan: RehabilitationPlan) -> date | None:
    """When the next review is due: N days after the latest approval or review (approved plans only)."""
    if plan.status != PlanStatus.APPROVED or plan.schedule_from is None:
        return None
    from datetime import timedelta

    return plan.schedule_from + timedelta(days=review_days())


def plan_started_on(plan: RehabilitationPlan) -> date | None:
    """The first approval's day: a review cannot be dated before it."""
    first = next((v for v in plan.versions if v.kind == VersionKind.APPROVAL), None)
    if first is not None:
        return first.effective_on
    return local_date(plan.approved_at) if plan.approved_at else None


# --- goals --------------------------------------------------------------------------------------------------------

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


def _is_worker(facility_id: int, user_id: int) -> bool:
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
        if not _is_worker(facility_id, data.responsible_id):
            problems["responsible_id"] = "not_in_facility"
    return problems


# --- plans --------------------------------------------------------------------------------------------------------

def active_plan(stay_id: int) -> RehabilitationPlan | None:
    return db.session.scalar(sa.select(RehabilitationPlan).where(
        RehabilitationPlan.stay_id == stay_id, RehabilitationPlan.status.in_([s.value for s in ACTIVE_STATUSES])))


def _lock(plan: RehabilitationPlan) -> RehabilitationPlan:
    """Re-read the plan with a row lock (PostgreSQL; SQLite holds its write lock since BEGIN IMMEDIATE)."""
    return db.session.scalar(sa.select(RehabilitationPlan).where(RehabilitationPlan.id == plan.id)
                             .with_for_update().execution_options(populate_existing=True))


def _check_writable(plan: RehabilitationPlan, by) -> Stay:
    stay = db.session.get(Stay, plan.stay_id)
    if not may_write(by, stay.facility_id):
        raise NotAllowed()
    if not plan.is_active:
        raise PlanNotActive()
    if not stay.is_open:
        raise StayNotOpen()
    return stay


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


def _reopen(plan: RehabilitationPlan) -> bool:
    """A change outside a review: a submitted or approved plan becomes a draft that needs approval again."""
    if plan.status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        plan.status = PlanStatus.DRAFT.value
        return True
    return False


def add_goal(plan: RehabilitationPlan, data: GoalInput, *, by) -> PlanGoal:
    plan = _lock(plan)
    stay = _check_writable(plan, by)
    problems = goal_problems(stay.facility_id, data)
    if problems:
        raise Invalid(problems)
    goal = _new_goal(plan, data)
    reopened = _reopen(plan)
    audit.record("plan.goal_added", actor=by, target=plan, facility_id=stay.facility_id,
                 detail={"goal_id": goal.id, "domain": goal.domain, "reopened": reopened})
    return goal


def _new_goal(plan: RehabilitationPlan, data: GoalInput) -> PlanGoal:
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
    plan = _lock(plan)
    stay = _check_writable(plan, by)
    if goal.plan_id != plan.id:
        raise NotAllowed()
    problems = goal_problems(stay.facility_id, data, existing=goal)
    if problems:
        raise Invalid(problems)
    changed = _apply(goal, data)
    if changed:
        reopened = _reopen(plan)
        audit.record("plan.goal_changed", actor=by, target=plan, facility_id=stay.facility_id,
                     detail={"goal_id": goal.id, "fields": changed, "reopened": reopened})
    return changed


def submit(plan: RehabilitationPlan, *, by) -> None:
    plan = _lock(plan)
    stay = _check_writable(plan, by)
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
    plan = _lock(plan)
    stay = _check_approver(plan, by)
    now = utcnow()
    plan.status = PlanStatus.APPROVED.value
    plan.approved_at = now
    plan.approved_by_id = by.id
    plan.schedule_from = local_date(now)
    version = _freeze(plan, kind=VersionKind.APPROVAL, on=local_date(now), by=by, at=now)
    audit.record("plan.approved", actor=by, target=plan, facility_id=stay.facility_id,
                 detail={"version": version.number})
    return version


def send_back(plan: RehabilitationPlan, *, by, note: str) -> None:
    """A case manager returns a submitted plan to the caseworker, saying why."""
    plan = _lock(plan)
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
    plan = _lock(plan)
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


# --- reviews ------------------------------------------------------------------------------------------------------

@dataclass
class GoalProgress:
    goal_id: int
    status: str
    note: str = ""
    target_date: date | None = None
    interventions: str | None = None  # None: unchanged


@dataclass
class ReviewInput:
    reviewed_on: date | None
    summary: str = ""
    progress: list[GoalProgress] = field(default_factory=list)
    new_goal: GoalInput | None = None


def review_problems(plan: RehabilitationPlan, facility_id: int, data: ReviewInput,
                    today: date | None = None) -> dict[str, str]:
    """Codes per field; goal fields are named ``goals-<index>-<field>`` (index in ``data.progress``)."""
    today = today or local_today()
    problems: dict[str, str] = {}
    started = plan_started_on(plan)
    last = plan.versions[-1].effective_on if plan.versions else None
    if data.reviewed_on is None:
        problems["reviewed_on"] = "required"
    elif data.reviewed_on > today:
        problems["reviewed_on"] = "in_future"
    elif started is not None and data.reviewed_on < started:
        problems["reviewed_on"] = "before_plan_start"
    elif last is not None and data.reviewed_on < last:
        problems["reviewed_on"] = "before_last_review"
    if len(data.summary or "") > SUMMARY_MAX:
        problems["summary"] = "too_long"
    goals = {g.id: g for g in plan.goals}
    seen = set()
    for index, item in enumerate(data.progress):
        goal = goals.get(item.goal_id)
        prefix = f"goals-{index}-"
        if goal is None or item.goal_id in seen:
            problems[prefix + "goal_id"] = "unknown_goal"
            continue
        seen.add(item.goal_id)
        if item.status not in {s.value for s in GoalStatus}:
            problems[prefix + "status"] = "invalid_choice"
        if len(item.note or "") > NOTE_MAX:
            problems[prefix + "note"] = "too_long"
        if item.target_date is not None and item.target_date != goal.target_date and item.target_date < today:
            problems[prefix + "target_date"] = "in_past"
        if item.interventions is not None and len(item.interventions) > INTERVENTIONS_MAX:
            problems[prefix + "interventions"] = "too_long"
    if data.new_goal is not None:
        for name, code in goal_problems(facility_id, data.new_goal, today=today).items():
            problems["new_goal-" + name] = code
    return problems


def record_review(plan: RehabilitationPlan, data: ReviewInput, *, by) -> PlanVersion:
    """Progress per goal (status and note), goals changed, dropped or added: version N (review)."""
    plan = _lock(plan)
    stay = _check_writable(plan, by)
    if plan.status != PlanStatus.APPROVED:
        raise WrongStatus()
    problems = review_problems(plan, stay.facility_id, data)
    if problems:
        raise Invalid(problems)
    goals = {g.id: g for g in plan.goals}
    changed_goals = 0
    for item in data.progress:
        goal = goals[item.goal_id]
        before = (goal.status, goal.target_date, goal.interventions)
        goal.status = item.status
        goal.target_date = item.target_date if item.target_date is not None else goal.target_date
        if item.interventions is not None:
            goal.interventions = item.interventions.strip()
        goal.progress_note = (item.note or "").strip()
        if before != (goal.status, goal.target_date, goal.interventions):
            goal.updated_at = utcnow()
            changed_goals += 1
    # Goals the review did not mention keep their state but not an old note: the note belongs to a review.
    mentioned = {item.goal_id for item in data.progress}
    for goal in plan.goals:
        if goal.id not in mentioned:
            goal.progress_note = ""
    added = None
    if data.new_goal is not None:
        added = _new_goal(plan, data.new_goal)
        db.session.refresh(plan, ["goals"])
    plan.schedule_from = data.reviewed_on
    version = _freeze(plan, kind=VersionKind.REVIEW, on=data.reviewed_on, by=by, at=utcnow(),
                      summary=(data.summary or "").strip())
    audit.record("plan.reviewed", actor=by, target=plan, facility_id=stay.facility_id,
                 detail={"version": version.number, "goals_changed": changed_goals,
                         "goal_added": added.id if added else None})
    return version


# --- versions -------------------------------------------------------------------------------------------------------

def snapshot(plan: RehabilitationPlan) -> dict:
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(
        User.id.in_({g.responsible_id for g in plan.goals if g.responsible_id}))).all()) if plan.goals else {}
    return {"goals": [{
        "id": g.id, "position": g.position, "domain": g.domain, "description": g.description,
        "interventions": g.interventions, "responsible_id": g.responsible_id,
        "responsible_name": names.get(g.responsible_id, ""),
        "target_date": g.target_date.isoformat() if g.target_date else None,
        "status": g.status, "note": g.progress_note,
    } for g in sorted(plan.goals, key=lambda g: g.position)]}


def _freeze(plan: RehabilitationPlan, *, kind: VersionKind, on: date, by, at: datetime,
            summary: str = "") -> PlanVersion:
    number = (db.session.scalar(sa.select(sa.func.max(PlanVersion.number))
                                .where(PlanVersion.plan_id == plan.id)) or 0) + 1
    version = PlanVersion(plan_id=plan.id, number=number, kind=kind.value, effective_on=on, recorded_at=at,
                          recorded_by_id=by.id, summary=summary, snapshot=snapshot(plan))
    db.session.add(version)
    db.session.flush()
    db.session.refresh(plan, ["versions"])
    return version


@dataclass(frozen=True)
class Change:
    """One difference between two versions, for "what changed"."""

    kind: str            # added | removed | field
    goal_position: int
    goal_description: str
    field: str = ""      # status | target_date | description | interventions | domain | responsible_name
    before: str | None = None
    after: str | None = None


COMPARED = ("status", "target_date", "domain", "description", "interventions", "responsible_name")


def changes(before: dict | None, after: dict) -> list[Change]:
    """What differs from the previous version (everything is new in version 1)."""
    old = {g["id"]: g for g in (before or {}).get("goals", [])}
    found = []
    for goal in after.get("goals", []):
        previous = old.pop(goal["id"], None)
        if previous is None:
            if before is not None:
                found.append(Change("added", goal["position"], goal["description"]))
            continue
        for name in COMPARED:
            if previous.get(name) != goal.get(name):
                found.append(Change("field", goal["position"], goal["description"], name,
                                    previous.get(name), goal.get(name)))
    for goal in old.values():
        found.append(Change("removed", goal["position"], goal["description"]))
    return found
