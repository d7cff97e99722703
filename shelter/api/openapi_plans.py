"""The OpenAPI schemas and paths of the plans endpoints, built from ``openapi_parts`` and merged into
``openapi.document()``."""

from __future__ import annotations

from shelter.api.openapi_parts import DATE, DATE_TIME, ID, enum, id_param, nullable, obj, op, ref, responses, text
from shelter.plans import service
from shelter.plans.models import GoalDomain, GoalStatus, PlanStatus, VersionKind

TAGS = ["plans"]

GOAL_FIELDS = {
    "domain": {**enum(GoalDomain), "description": "ATENSI component: family (dukungan keluarga dan reunifikasi), "
               "vocational (pelatihan vokasional), therapy (terapi fisik, psikososial, mental), social_care "
               "(perawatan sosial dan pengasuhan), assistive_aid (bantuan dan asistensi sosial, alat bantu), "
               "basic_needs (pemenuhan kebutuhan hidup layak); plus legal (pendampingan hukum) and education."},
    "description": text(service.DESCRIPTION_MAX, min_length=1, multiline=True),
    "interventions": nullable(text(service.INTERVENTIONS_MAX, multiline=True)),
    "responsible_id": nullable({**ID, "description": "An active user of the stay's facility."}),
    "target_date": nullable({**DATE, "description": "Not in the past when set or changed (WIB)."}),
    "status": enum(GoalStatus),
}

WRITE = ("Caseworkers of the stay's facility. Others (and records outside your facilities) get 404. "
         "A goal added or changed on a submitted or approved plan makes it a draft again (it needs approval).")


def schemas() -> dict:
    goal = obj({
        "id": ID, "position": {"type": "integer", "minimum": 1},
        "domain": enum(GoalDomain), "description": {"type": "string"}, "interventions": {"type": "string"},
        "responsible_id": nullable(ID), "target_date": nullable(DATE), "status": enum(GoalStatus),
        "progress_note": {"type": "string", "description": "From the latest review."},
    }, ("id", "position", "domain", "description", "interventions", "responsible_id", "target_date", "status",
        "progress_note"))
    version_goal = obj({
        "id": ID, "position": {"type": "integer", "minimum": 1},
        "domain": enum(GoalDomain), "description": {"type": "string"}, "interventions": {"type": "string"},
        "responsible_id": nullable(ID), "target_date": nullable(DATE), "status": enum(GoalStatus),
        "note": {"type": "string", "description": "The review's progress note."},
    }, ("id", "position", "domain", "description", "interventions", "responsible_id", "target_date", "status",
        "note"))
    return {
        "PlanGoal": goal,
        "Plan": obj({
            "id": ID, "stay_id": ID, "status": enum(PlanStatus),
            "created_at": DATE_TIME, "created_by_id": nullable(ID), "submitted_at": nullable(DATE_TIME),
            "approved_at": nullable(DATE_TIME), "approved_by_id": nullable(ID),
            "next_review_on": nullable({**DATE, "description": "Approved plans: PLAN_REVIEW_DAYS after the latest "
                                                               "approval or review."}),
            "versions": {"type": "integer", "minimum": 0},
            "goals": {"type": "array", "items": ref("PlanGoal")},
        }, ("id", "stay_id", "status", "created_at", "created_by_id", "submitted_at", "approved_at",
            "approved_by_id", "next_review_on", "versions", "goals"), description="A rehabilitation plan."),
        "PlanCreate": obj({}, description="No fields: the plan starts as a draft without goals."),
        "GoalCreate": obj(GOAL_FIELDS, ("domain", "description")),
        "GoalUpdate": obj(GOAL_FIELDS, description="Fields left out keep their value."),
        "GoalProgress": obj({
            "goal_id": ID, "status": enum(GoalStatus),
            "note": nullable(text(service.NOTE_MAX, multiline=True)),
            "target_date": nullable({**DATE, "description": "A changed target date may not be in the past."}),
            "interventions": nullable(text(service.INTERVENTIONS_MAX, multiline=True)),
        }, ("goal_id", "status")),
        "PlanReviewCreate": obj({
            "reviewed_on": {**DATE, "description": "Not before the plan's first approval or its latest version, "
                                                   "not in the future (WIB)."},
            "summary": nullable(text(service.SUMMARY_MAX, multiline=True)),
            "goals": {"type": "array", "items": ref("GoalProgress"), "maxItems": service.MAX_GOALS},
            "new_goal": nullable(ref("GoalCreate")),
        }, ("reviewed_on",)),
        "PlanVersionGoal": version_goal,
        "PlanVersion": obj({
            "id": ID, "number": {"type": "integer", "minimum": 1}, "kind": enum(VersionKind),
            "effective_on": DATE, "recorded_at": DATE_TIME, "recorded_by_id": nullable(ID),
            "summary": {"type": "string"}, "goals": {"type": "array", "items": ref("PlanVersionGoal")},
        }, ("id", "number", "kind", "effective_on", "recorded_at", "recorded_by_id", "summary", "goals"),
            description="The plan as approved or reviewed; never changes."),
        "PlanVersionList": obj({"plan_id": ID, "versions": {"type": "array", "items": ref("PlanVersion")}},
                               ("plan_id", "versions")),
    }


def paths() -> dict:
    plan_param = [id_param("plan_id")]
    return {
        "/stays/{stay_id}/plan": {
            "get": op("getStayPlan", "The stay's active rehabilitation plan, with its goals",
                      responses(200, "Plan", "The active plan (draft, submitted or approved)", 404), tags=TAGS,
                      parameters=[id_param("stay_id")],
                      description="Admins; case managers, caseworkers and facility managers of the stay's "
                                   "facility. 404 when the stay has no active plan."),
            "post": op("createPlan", "Start the stay's rehabilitation plan (a draft)",
                       responses(201, "Plan", "Created", 400, 404, 409, 422), tags=TAGS, body="PlanCreate",
                       parameters=[id_param("stay_id")],
                       description=WRITE + " 409 plan_exists when the stay already has an active plan (also "
                                           "when two requests race), stay_closed for an ended stay."),
        },
        "/plans/{plan_id}/goals": {"post": op(
            "addPlanGoal", "Add a goal", responses(201, "Plan", "The plan with the new goal", 400, 404, 409, 422),
            tags=TAGS, body="GoalCreate", parameters=plan_param,
            description=WRITE + " 422 fields.target_date = in_past, fields.responsible_id = not_in_facility.")},
        "/plans/{plan_id}/goals/{goal_id}": {"patch": op(
            "updatePlanGoal", "Change a goal", responses(200, "Plan", "The plan", 400, 404, 409, 422),
            tags=TAGS, body="GoalUpdate", parameters=[*plan_param, id_param("goal_id")], description=WRITE)},
        "/plans/{plan_id}/submit": {"post": op(
            "submitPlan", "Submit a draft for approval", responses(200, "Plan", "Submitted", 400, 404, 409),
            tags=TAGS, parameters=plan_param,
            description=WRITE + " 409 wrong_status unless the plan is a draft, no_goals without a goal.")},
        "/plans/{plan_id}/approve": {"post": op(
            "approvePlan", "Approve a submitted plan (version N)", responses(200, "Plan", "Approved", 400, 404, 409),
            tags=TAGS, parameters=plan_param,
            description="Case managers of the stay's facility; others get 404. 409 wrong_status unless the plan "
                        "is submitted. The review schedule starts from the approval.")},
        "/plans/{plan_id}/reviews": {"post": op(
            "recordPlanReview", "Record a review: progress per goal, changed and new goals (version N)",
            responses(201, "PlanVersion", "The review's version", 400, 404, 409, 422), tags=TAGS,
            body="PlanReviewCreate", parameters=plan_param,
            description="Caseworkers of the stay's facility, on an approved plan (409 wrong_status otherwise). "
                        "422 fields.reviewed_on = before_plan_start, before_last_review or in_future; "
                        "fields['goals/0/target_date'] = in_past; nothing is changed.")},
        "/plans/{plan_id}/versions": {"get": op(
            "listPlanVersions", "Every approved and reviewed version, oldest first",
            responses(200, "PlanVersionList", "The versions", 404), tags=TAGS, parameters=plan_param,
            description="Admins; case managers, caseworkers and facility managers of the stay's facility.")},
    }
