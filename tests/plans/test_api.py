"""The plans API: every answer is checked against the OpenAPI document (tests.api.conftest.Api)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shelter.extensions import db
from shelter.plans import service
from shelter.plans.models import PlanVersion, RehabilitationPlan
from tests.api.conftest import Api, error_code, fields, token_for


def api(app, user) -> Api:
    return Api(app, token_for(user))


def in_days(n: int) -> str:
    return (service.local_today() + timedelta(days=n)).isoformat()


def test_plan_through_the_api_from_draft_to_review(app, world):
    worker, manager = api(app, world.caseworker), api(app, world.case_manager)
    stay = world.stay.id
    assert worker.get(f"stays/{stay}/plan").status_code == 404  # none yet
    created = worker.post(f"stays/{stay}/plan")
    assert created.status_code == 201
    plan = created.get_json()
    assert plan["status"] == "draft" and plan["goals"] == []
    assert error_code(worker.post(f"stays/{stay}/plan")) == "plan_exists"

    for domain in ("family", "therapy", "vocational"):
        response = worker.post(f"plans/{plan['id']}/goals", json={
            "domain": domain, "description": f"Tujuan {domain}", "target_date": in_days(60),
            "responsible_id": world.caseworker.id})
        assert response.status_code == 201
    goals = response.get_json()["goals"]
    assert [g["position"] for g in goals] == [1, 2, 3]

    changed = worker.open("PATCH", f"plans/{plan['id']}/goals/{goals[1]['id']}", json={"status": "in_progress"})
    assert changed.status_code == 200 and changed.get_json()["goals"][1]["status"] == "in_progress"
    assert changed.get_json()["goals"][1]["description"] == "Tujuan therapy"  # left out: unchanged

    assert worker.post(f"plans/{plan['id']}/approve").status_code == 404  # caseworkers do not approve
    assert worker.post(f"plans/{plan['id']}/submit").get_json()["status"] == "submitted"
    approved = manager.post(f"plans/{plan['id']}/approve")
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "approved" and body["approved_by_id"] == world.case_manager.id
    assert body["next_review_on"] == in_days(30) and body["versions"] == 1

    review = worker.post(f"plans/{plan['id']}/reviews", json={
        "reviewed_on": in_days(0), "summary": "Konferensi kasus",
        "goals": [{"goal_id": goals[0]["id"], "status": "achieved", "note": "Sudah bertemu ibunya"}],
        "new_goal": {"domain": "education", "description": "Kejar paket B"}})
    assert review.status_code == 201
    assert review.get_json()["number"] == 2 and review.get_json()["kind"] == "review"
    versions = worker.get(f"plans/{plan['id']}/versions").get_json()["versions"]
    assert [(v["number"], v["kind"]) for v in versions] == [(1, "approval"), (2, "review")]
    assert versions[0]["goals"][0]["status"] == "planned" and versions[1]["goals"][0]["status"] == "achieved"
    assert [g["domain"] for g in versions[1]["goals"]][-1] == "education"
    current = worker.get(f"stays/{stay}/plan").get_json()
    assert current["goals"][0]["progress_note"] == "Sudah bertemu ibunya"


def test_bad_input_is_a_422_and_changes_nothing(app, world, make_plan):
    plan = make_plan(goals=1, approved=True)
    worker = api(app, world.caseworker)
    response = worker.post(f"plans/{plan.id}/goals", json={"domain": "family", "description": "x",
                                                           "target_date": in_days(-1)})
    assert response.status_code == 422 and fields(response) == {"target_date": "in_past"}
    response = worker.post(f"plans/{plan.id}/goals", json={"domain": "family", "description": "x",
                                                           "responsible_id": world.other_caseworker.id})
    assert fields(response) == {"responsible_id": "not_in_facility"}
    assert fields(worker.post(f"plans/{plan.id}/goals", json={"domain": "magic", "description": "x"})) == {
        "domain": "invalid_choice"}
    goal_id = plan.goals[0].id
    for reviewed_on, code in ((in_days(-1), "before_plan_start"), (in_days(1), "in_future")):
        response = worker.post(f"plans/{plan.id}/reviews", json={
            "reviewed_on": reviewed_on, "goals": [{"goal_id": goal_id, "status": "achieved"}]})
        assert response.status_code == 422 and fields(response) == {"reviewed_on": code}
    response = worker.post(f"plans/{plan.id}/reviews", json={
        "reviewed_on": in_days(0), "goals": [{"goal_id": goal_id, "status": "achieved",
                                               "target_date": in_days(-2)}]})
    assert fields(response) == {"goals/0/target_date": "in_past"}
    db.session.expire_all()
    stored = db.session.get(RehabilitationPlan, plan.id)
    assert [g.status for g in stored.goals] == ["planned"] and len(stored.goals) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 1
    assert stored.status == "approved"


def test_out_of_scope_is_a_404(app, world, make_plan):
    plan = make_plan(goals=1, submitted=True)
    outsider = api(app, world.other_case_manager)
    assert outsider.get(f"stays/{world.stay.id}/plan").status_code == 404
    assert outsider.post(f"plans/{plan.id}/approve").status_code == 404
    assert outsider.get(f"plans/{plan.id}/versions").status_code == 404
    reader = api(app, world.admin)
    assert reader.get(f"stays/{world.stay.id}/plan").status_code == 200
    assert reader.post(f"plans/{plan.id}/approve").status_code == 404
    db.session.expire_all()
    assert db.session.get(RehabilitationPlan, plan.id).status == "submitted"
