"""JSON API v1 routes of plans (added to the API blueprint; described in ``openapi_plans``).

The same services as the plan pages: a stay's active plan, creating one, adding and changing goals,
submitting, approving (case managers of the stay's facility), recording a review, the versions.
A stay or plan outside the user's facilities, or an action the user's role does not allow there, is a 404.
"""

from __future__ import annotations

from flask_login import current_user

from shelter.access import find_stay, roles_required
from shelter.api.errors import ApiError, invalid, not_found
from shelter.api.schema import parse_date
from shelter.api.serialise import iso
from shelter.api.views import bp, json_body, run_and_commit
from shelter.extensions import db
from shelter.plans import queries, service
from shelter.plans.models import GoalStatus, PlanGoal, RehabilitationPlan
from shelter.stays.models import Stay

PLAN_ROLES = service.READ_ROLES

MESSAGES = {
    "plan_exists": "This stay already has an active plan.",
    "stay_closed": "This stay has ended; its plan can no longer change.",
    "plan_closed": "This plan is closed.",
    "wrong_status": "The plan's status does not allow this (see status).",
    "no_goals": "Add at least one goal before submitting.",
    "too_many_goals": f"A plan has at most {service.MAX_GOALS} goals.",
}


# --- lookups ------------------------------------------------------------------------------------------------

def stay_or_404(stay_id: int, allowed=service.may_read) -> Stay:
    stay = find_stay(stay_id, allowed)
    if stay is None:
        raise not_found("Stay")
    return stay


def plan_or_404(plan_id: int, allowed=service.may_read) -> RehabilitationPlan:
    plan = queries.load_plan(plan_id)
    if plan is None:
        raise not_found("Plan")
    stay = db.session.get(Stay, plan.stay_id)
    if not allowed(current_user, stay.facility_id):
        raise not_found("Plan")
    return plan


def goal_or_404(plan: RehabilitationPlan, goal_id: int) -> PlanGoal:
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise not_found("Goal")
    return goal


# --- JSON ---------------------------------------------------------------------------------------------------

def goal_json(goal: PlanGoal) -> dict:
    return {"id": goal.id, "position": goal.position, "domain": goal.domain, "description": goal.description,
            "interventions": goal.interventions, "responsible_id": goal.responsible_id,
            "target_date": iso(goal.target_date), "status": goal.status, "progress_note": goal.progress_note}


def plan_json(plan: RehabilitationPlan) -> dict:
    return {"id": plan.id, "stay_id": plan.stay_id, "status": plan.status, "created_at": iso(plan.created_at),
            "created_by_id": plan.created_by_id, "submitted_at": iso(plan.submitted_at),
            "approved_at": iso(plan.approved_at), "approved_by_id": plan.approved_by_id,
            "next_review_on": iso(service.review_due_on(plan)), "versions": len(plan.versions),
            "goals": [goal_json(g) for g in plan.goals]}


def version_json(version) -> dict:
    return {"id": version.id, "number": version.number, "kind": version.kind,
            "effective_on": iso(version.effective_on), "recorded_at": iso(version.recorded_at),
            "recorded_by_id": version.recorded_by_id, "summary": version.summary,
            "goals": [{"id": g["id"], "position": g["position"], "domain": g["domain"],
                       "description": g["description"], "interventions": g["interventions"],
                       "responsible_id": g["responsible_id"], "target_date": g["target_date"],
                       "status": g["status"], "note": g["note"]} for g in version.snapshot.get("goals", [])]}


def _reload(plan_id: int) -> RehabilitationPlan:
    db.session.expire_all()
    return queries.load_plan(plan_id)


# --- errors ---------------------------------------------------------------------------------------------------

def _api_field(name: str) -> str:
    # goals-0-status → goals/0/status; new_goal-domain → new_goal/domain
    return name.replace("-", "/")


def _plan_error(error: Exception) -> ApiError | None:
    if isinstance(error, service.NotAllowed):
        return not_found("Plan")
    if isinstance(error, service.Invalid):
        return invalid({_api_field(k): v for k, v in error.problems.items()})
    if isinstance(error, service.PlanError):
        return ApiError(409, error.code, MESSAGES.get(error.code))
    return None


def run(action):
    return run_and_commit(action, _plan_error)


def _date(body: dict, name: str, problems: dict, key: str | None = None):
    value = body.get(name)
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        problems[key or name] = "invalid_format"
    return parsed


def goal_input(body: dict, *, base: PlanGoal | None = None, prefix: str = "") -> service.GoalInput:
    """A goal from the body; with ``base`` (an update) a field left out keeps its value."""
    problems: dict[str, str] = {}

    def pick(name, default):
        return body[name] if name in body else default

    target = _date(body, "target_date", problems, prefix + "target_date") if "target_date" in body else (
        base.target_date if base else None)
    if problems:
        raise invalid(problems)
    return service.GoalInput(
        domain=pick("domain", base.domain if base else ""),
        description=pick("description", base.description if base else "") or "",
        interventions=pick("interventions", base.interventions if base else "") or "",
        responsible_id=pick("responsible_id", base.responsible_id if base else None),
        target_date=target,
        status=pick("status", base.status if base else GoalStatus.PLANNED.value) or GoalStatus.PLANNED.value)


# --- routes -----------------------------------------------------------------------------------------------------

@bp.get("/stays/<id:stay_id>/plan")
@roles_required(*PLAN_ROLES)
def plan_of_stay(stay_id: int):
    stay = stay_or_404(stay_id)
    plan = service.active_plan(stay.id)
    if plan is None:
        raise not_found("Plan")
    return plan_json(queries.load_plan(plan.id))


@bp.post("/stays/<id:stay_id>/plan")
@roles_required(*PLAN_ROLES)
def plan_create(stay_id: int):
    stay = stay_or_404(stay_id, service.may_write)
    json_body("PlanCreate")
    plan = run(lambda: service.create_plan(stay, by=current_user))
    return plan_json(_reload(plan.id)), 201


@bp.post("/plans/<id:plan_id>/goals")
@roles_required(*PLAN_ROLES)
def plan_goal_add(plan_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    data = goal_input(json_body("GoalCreate"))
    run(lambda: service.add_goal(plan, data, by=current_user))
    return plan_json(_reload(plan_id)), 201


@bp.patch("/plans/<id:plan_id>/goals/<id:goal_id>")
@roles_required(*PLAN_ROLES)
def plan_goal_update(plan_id: int, goal_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    goal = goal_or_404(plan, goal_id)
    data = goal_input(json_body("GoalUpdate"), base=goal)
    run(lambda: service.update_goal(plan, goal, data, by=current_user))
    return plan_json(_reload(plan_id)), 200


@bp.post("/plans/<id:plan_id>/submit")
@roles_required(*PLAN_ROLES)
def plan_submit(plan_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    run(lambda: service.submit(plan, by=current_user))
    return plan_json(_reload(plan_id)), 200


@bp.post("/plans/<id:plan_id>/approve")
@roles_required(*PLAN_ROLES)
def plan_approve(plan_id: int):
    plan = plan_or_404(plan_id, service.may_approve)
    run(lambda: service.approve(plan, by=current_user))
    return plan_json(_reload(plan_id)), 200


@bp.post("/plans/<id:plan_id>/reviews")
@roles_required(*PLAN_ROLES)
def plan_review_create(plan_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    body = json_body("PlanReviewCreate")
    problems: dict[str, str] = {}
    reviewed_on = _date(body, "reviewed_on", problems)
    progress = []
    for index, item in enumerate(body.get("goals") or []):
        progress.append(service.GoalProgress(
            goal_id=item["goal_id"], status=item["status"], note=item.get("note") or "",
            target_date=_date(item, "target_date", problems, f"goals/{index}/target_date"),
            interventions=item.get("interventions")))
    if problems:
        raise invalid(problems)
    new_goal = goal_input(body["new_goal"], prefix="new_goal/") if body.get("new_goal") else None
    data = service.ReviewInput(reviewed_on=reviewed_on, summary=body.get("summary") or "", progress=progress,
                               new_goal=new_goal)
    version = run(lambda: service.record_review(plan, data, by=current_user))
    return version_json(version), 201


@bp.get("/plans/<id:plan_id>/versions")
@roles_required(*PLAN_ROLES)
def plan_versions(plan_id: int):
    plan = plan_or_404(plan_id)
    return {"plan_id": plan.id, "versions": [version_json(v) for v in plan.versions]}

