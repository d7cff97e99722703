"""Reviews of an approved plan: every N days (``PLAN_REVIEW_DAYS``) the caseworker records, at the case
conference, each goal's progress (status and note), changed target dates and interventions, and
perhaps a new goal. A review writes version N (``plans.versions``) and, unlike a change outside a
review, needs no approval again. Bad input raises before anything changes; a review cannot be dated
in the future, before the plan's first approval or before the latest version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_date, local_today
from shelter.plans.goals import GoalInput, goal_problems, new_goal
from shelter.plans.models import GoalStatus, PlanStatus, PlanVersion, RehabilitationPlan, VersionKind
from shelter.plans.rules import (INTERVENTIONS_MAX, NOTE_MAX, SUMMARY_MAX, Invalid, WrongStatus, check_writable,
                                 lock)
from shelter.plans.versions import freeze


def review_days() -> int:
    return current_app.config["SHELTER"].plan_review_days


def review_due_on(plan: RehabilitationPlan) -> date | None:
    """When the next review is due: N days after the latest approval or review (approved plans only)."""
    if plan.status != PlanStatus.APPROVED or plan.schedule_from is None:
        return None
    return plan.schedule_from + timedelta(days=review_days())


def plan_started_on(plan: RehabilitationPlan) -> date | None:
    """The first approval's day: a review cannot be dated before it."""
    first = next((v for v in plan.versions if v.kind == VersionKind.APPROVAL), None)
    if first is not None:
        return first.effective_on
    return local_date(plan.approved_at) if plan.approved_at else None


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
    plan = lock(plan)
    stay = check_writable(plan, by)
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
        added = new_goal(plan, data.new_goal)
        db.session.refresh(plan, ["goals"])
    plan.schedule_from = data.reviewed_on
    version = freeze(plan, kind=VersionKind.REVIEW, on=data.reviewed_on, by=by, at=utcnow(),
                      summary=(data.summary or "").strip())
    audit.record("plan.reviewed", actor=by, target=plan, facility_id=stay.facility_id,
                 detail={"version": version.number, "goals_changed": changed_goals,
                         "goal_added": added.id if added else None})
    return version
