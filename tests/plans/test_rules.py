"""The plan rules through the service: one active plan per stay (also racing), the review schedule,
scope of every page and endpoint, and the worklist's fixed number of statements."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from shelter.extensions import db
from shelter.plans import queries, service
from shelter.plans.models import RehabilitationPlan
from shelter.stays.models import Stay
from shelter.worklist_items import WorkKind
from tests.conftest import counting_statements
from tests.plans.conftest import goal

# 03:00 UTC is 10:00 WIB: the same day on both sides of the zone.
APPROVED_AT = datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc)


def test_two_caseworkers_starting_a_plan_at_once_make_one(app, world, make_user):
    second = make_user(roles=("caseworker",), facilities=[world.facility])
    user_ids, stay_id = [world.caseworker.id, second.id], world.stay.id
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list[str] = [""] * 2

    def start(i: int):
        from shelter.auth.models import User

        with app.app_context():
            try:
                user, stay = db.session.get(User, user_ids[i]), db.session.get(Stay, stay_id)
                db.session.rollback()  # start the race with no transaction open
                barrier.wait(timeout=20)
                service.create_plan(stay, by=user)
                db.session.commit()
                results[i] = "created"
            except service.PlanExists:
                db.session.rollback()
                results[i] = "exists"
            except Exception as error:  # noqa: BLE001 - reported through the assertion
                db.session.rollback()
                results[i] = repr(error)
                barrier.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["created", "exists"], results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RehabilitationPlan)) == 1


def test_approval_only_by_a_case_manager_of_that_facility(world, make_plan, make_user):
    plan = make_plan(submitted=True)
    both_elsewhere = make_user(roles=("case_manager", "caseworker"), facilities=[world.other_facility])
    for user in (world.caseworker, world.other_case_manager, both_elsewhere, world.admin, world.intake):
        with pytest.raises(service.NotAllowed):
            service.approve(plan, by=user)
        db.session.rollback()
    service.approve(plan, by=world.case_manager)
    db.session.commit()
    assert plan.status == "approved"
    with pytest.raises(service.WrongStatus):  # twice is once
        service.approve(plan, by=world.case_manager)


def test_a_plan_needs_a_goal_to_be_submitted(world, make_plan):
    plan = make_plan(goals=0)
    with pytest.raises(service.NoGoals):
        service.submit(plan, by=world.caseworker)


def test_a_discharged_stay_plan_cannot_change(world, make_plan):
    plan = make_plan(goals=1)
    world.stay.discharged_at = datetime.now(timezone.utc)
    world.stay.discharge_outcome = "reunified"
    db.session.commit()
    with pytest.raises(service.StayNotOpen):
        service.add_goal(plan, goal(), by=world.caseworker)


def _worklist(app, **kwargs):
    with app.test_request_context():
        return queries.worklist_items(**kwargs)


def test_review_due_after_the_configured_days_and_again_after_a_review(app, world, make_plan):
    with time_machine.travel(APPROVED_AT, tick=False):
        plan = make_plan(goals=2, approved=True)
        assert plan.schedule_from == date(2026, 1, 10)
    scope = dict(facility_ids={world.facility.id}, caseworker_id=world.caseworker.id)
    assert _worklist(app, today=date(2026, 2, 8), **scope) == []  # day 29
    [item] = _worklist(app, today=date(2026, 2, 9), **scope)  # day 30
    assert (item.kind, item.due_on, item.overdue) == (WorkKind.PLAN_REVIEW_DUE, date(2026, 2, 9), False)
    assert item.resident_id == world.resident.id and item.url == f"/plans/{plan.id}/review"
    assert _worklist(app, today=date(2026, 2, 10), **scope)[0].overdue
    # Not for another facility or another caseworker.
    assert _worklist(app, today=date(2026, 3, 1), facility_ids={world.other_facility.id}, caseworker_id=None) == []
    assert _worklist(app, today=date(2026, 3, 1), facility_ids=None, caseworker_id=world.case_manager.id) == []

    with time_machine.travel(APPROVED_AT + timedelta(days=30), tick=False):
        with app.test_request_context():
            assert service.review_due_on(plan) == date(2026, 2, 9)
            data = service.ReviewInput(reviewed_on=service.local_today(), progress=[
                service.GoalProgress(goal_id=g.id, status="in_progress") for g in plan.goals])
            service.record_review(plan, data, by=world.caseworker)
            db.session.commit()
    assert plan.schedule_from == date(2026, 2, 9)
    assert _worklist(app, today=date(2026, 3, 10), **scope) == []
    assert _worklist(app, today=date(2026, 3, 11), **scope)[0].due_on == date(2026, 3, 11)


@pytest.mark.parametrize("config_overrides", [{"plan_review_days": 14}])
def test_review_days_come_from_the_settings(app, world, make_plan, config_overrides):
    with time_machine.travel(APPROVED_AT, tick=False):
        make_plan(goals=1, approved=True)
    scope = dict(facility_ids=None, caseworker_id=None)
    assert _worklist(app, today=date(2026, 1, 23), **scope) == []
    assert _worklist(app, today=date(2026, 1, 24), **scope)[0].due_on == date(2026, 1, 24)


def test_review_dates_are_checked_and_nothing_changes(world, make_plan):
    with time_machine.travel(APPROVED_AT, tick=False):
        plan = make_plan(goals=1, approved=True)
    with time_machine.travel(APPROVED_AT + timedelta(days=5), tick=False):
        g = plan.goals[0]
        for reviewed_on, code in [(date(2026, 1, 9), "before_plan_start"), (date(2026, 1, 16), "in_future"),
                                  (None, "required")]:
            data = service.ReviewInput(reviewed_on=reviewed_on, progress=[
                service.GoalProgress(goal_id=g.id, status="achieved", note="x")])
            with pytest.raises(service.Invalid) as refused:
                service.record_review(plan, data, by=world.caseworker)
            assert refused.value.problems == {"reviewed_on": code}
            db.session.rollback()
        db.session.expire_all()
        assert plan.goals[0].status == "planned" and len(plan.versions) == 1
        past = service.GoalProgress(goal_id=g.id, status="in_progress", target_date=date(2026, 1, 14))
        with pytest.raises(service.Invalid) as refused:
            service.record_review(plan, service.ReviewInput(reviewed_on=date(2026, 1, 15), progress=[past]),
                                  by=world.caseworker)
        assert refused.value.problems == {"goals-0-target_date": "in_past"}


def test_submitted_plans_wait_for_a_case_manager(app, world, make_plan):
    plan = make_plan(submitted=True)
    [item] = _worklist(app, facility_ids={world.facility.id}, caseworker_id=None, today=service_today(app))
    assert item.kind == WorkKind.PLAN_APPROVAL and item.url == f"/plans/{plan.id}"


def service_today(app):
    with app.test_request_context():
        return service.local_today()


def _add_residents(world, make_resident, n: int, make_plan_for) -> None:
    for _ in range(n):
        resident = make_resident(world.facility)
        stay = Stay(resident_id=resident.id, facility_id=world.facility.id, caseworker_id=world.caseworker.id)
        db.session.add(stay)
        db.session.commit()
        make_plan_for(stay)


def test_worklist_statements_do_not_grow_with_residents(app, world, make_resident):
    def plan_for(stay, approve=True):
        with time_machine.travel(APPROVED_AT, tick=False):
            plan = service.create_plan(stay, by=world.caseworker)
            service.add_goal(plan, goal(), by=world.caseworker)
            service.submit(plan, by=world.caseworker)
            if approve:
                service.approve(plan, by=world.case_manager)
            db.session.commit()

    facility_id, caseworker_id = world.facility.id, world.caseworker.id

    def count(today):
        db.session.expire_all()
        with counting_statements() as statements:
            items = _worklist(app, facility_ids={facility_id}, caseworker_id=caseworker_id, today=today)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")]), len(items)

    today = date(2026, 3, 1)
    _add_residents(world, make_resident, 2, plan_for)
    _add_residents(world, make_resident, 1, lambda stay: plan_for(stay, approve=False))
    few = count(today)
    _add_residents(world, make_resident, 12, plan_for)
    _add_residents(world, make_resident, 5, lambda stay: plan_for(stay, approve=False))
    many = count(today)
    assert few[1] == 3 and many[1] == 20
    assert few[0] == many[0] == 2


SCOPED_PAGES = [
    ("GET", "/plans/{plan}"), ("GET", "/plans/{plan}/print"), ("GET", "/plans/{plan}/review"),
    ("POST", "/plans/{plan}/review"), ("GET", "/plans/{plan}/goals/{goal}"),
    ("GET", "/plans/{plan}/goals/{goal}/edit"), ("POST", "/plans/{plan}/goals/{goal}/edit"),
    ("POST", "/plans/{plan}/goals"), ("POST", "/plans/{plan}/submit"), ("POST", "/plans/{plan}/approve"),
    ("POST", "/plans/{plan}/send-back"), ("POST", "/plans/{plan}/close"), ("POST", "/plans/stays/{stay}/start"),
    ("GET", "/plans/residents/{resident}/section"),
    ("GET", "/api/v1/stays/{stay}/plan"), ("POST", "/api/v1/stays/{stay}/plan"),
    ("POST", "/api/v1/plans/{plan}/goals"), ("PATCH", "/api/v1/plans/{plan}/goals/{goal}"),
    ("POST", "/api/v1/plans/{plan}/submit"), ("POST", "/api/v1/plans/{plan}/approve"),
    ("POST", "/api/v1/plans/{plan}/reviews"), ("GET", "/api/v1/plans/{plan}/versions"),
]


def test_every_plan_page_and_endpoint_is_a_404_outside_the_facility(app, world, make_plan, user_client):
    plan = make_plan(goals=1, approved=True)
    ids = dict(plan=plan.id, goal=plan.goals[0].id, stay=world.stay.id, resident=world.resident.id)
    covered = {rule.rule for rule in app.url_map.iter_rules()
               if rule.endpoint.startswith("plans.") or rule.endpoint.startswith("api.plan")}
    assert len(covered) == len({path for _, path in SCOPED_PAGES}), covered
    for user in (world.other_caseworker, world.other_case_manager, world.intake):
        client = user_client(user)
        for method, path in SCOPED_PAGES:
            response = client.open(path.format(**ids), method=method, json={} if "/api/" in path else None,
                                   data=None if "/api/" in path else {})
            assert response.status_code == 404, (user.roles, method, path, response.status_code)
    db.session.expire_all()
    assert db.session.get(RehabilitationPlan, plan.id).status == "approved"
    # Admins read everything and change nothing.
    admin = user_client(world.admin)
    for method, path in SCOPED_PAGES:
        response = admin.open(path.format(**ids), method=method, json={} if "/api/" in path else None,
                              data=None if "/api/" in path else {})
        expected = (200, 302) if method == "GET" and "/review" not in path and "/edit" not in path else (404,)
        assert response.status_code in expected, (method, path, response.status_code)


def test_discharge_closes_the_active_plan(world, make_plan, make_bed, make_room):
    from shelter.stays import service as stays

    plan = make_plan(goals=1, approved=True)
    stays.discharge(world.stay, outcome="reunified", by=world.caseworker)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(RehabilitationPlan, plan.id)
    assert stored.status == "closed" and stored.closed_at is not None
    assert len(stored.versions) == 1  # the history stays
    with pytest.raises(service.PlanNotActive):
        service.add_goal(stored, goal(), by=world.caseworker)
