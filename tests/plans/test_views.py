"""Plan pages: build a plan with goals inline (htmx), submit, approve, review, history, print."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shelter.extensions import db
from shelter.plans import service
from shelter.plans.models import PlanGoal, PlanVersion, RehabilitationPlan
from tests.conftest import audit_events


def goal_form(prefix="new", **values):
    data = {"domain": "family", "description": "Bertemu kembali dengan keluarga", "interventions": "Kunjungan rumah",
            "responsible_id": "", "target_date": (service.local_today() + timedelta(days=45)).isoformat(),
            "status": "planned"}
    data.update(values)
    return {f"{prefix}-{k}": v for k, v in data.items()}


def plan_of(world) -> RehabilitationPlan:
    db.session.expire_all()
    return db.session.scalar(sa.select(RehabilitationPlan).where(RehabilitationPlan.stay_id == world.stay.id))


def test_caseworker_builds_a_plan_inline_and_a_case_manager_approves_it(world, client, login_as, user_client):
    login_as(world.caseworker)
    section = client.htmx("GET", f"/plans/residents/{world.resident.id}/section")
    assert section.status_code == 200
    assert f'action="/plans/stays/{world.stay.id}/start"' in section.get_data(as_text=True)
    response = client.post(f"/plans/stays/{world.stay.id}/start")
    assert response.status_code == 302
    plan = plan_of(world)
    assert plan.status == "draft"

    for i, domain in enumerate(["family", "therapy", "vocational"]):
        response = client.htmx("POST", f"/plans/{plan.id}/goals",
                               data=goal_form(domain=domain, description=f"Tujuan {i + 1}",
                                              responsible_id=str(world.caseworker.id)))
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="goal-list" class="goal-list" hx-swap-oob="true"' in html  # the list, out of band
        assert f"Tujuan {i + 1}" in html
        assert 'id="plan-status"' in html
    assert [g.domain for g in plan_of(world).goals] == ["family", "therapy", "vocational"]

    client.post(f"/plans/{plan.id}/submit")
    assert plan_of(world).status == "submitted"
    # The caseworker cannot approve their own plan: not a case manager.
    assert client.post(f"/plans/{plan.id}/approve").status_code == 404
    assert plan_of(world).status == "submitted"

    client = user_client(world.case_manager)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert f'action="/plans/{plan.id}/approve"' in page
    client.post(f"/plans/{plan.id}/approve")
    plan = plan_of(world)
    assert plan.status == "approved" and plan.approved_by_id == world.case_manager.id
    assert plan.schedule_from == service.local_today()
    assert [(v.number, v.kind) for v in plan.versions] == [(1, "approval")]
    assert len(plan.versions[0].snapshot["goals"]) == 3
    assert [e.detail for e in audit_events("plan.approved")] == [{"version": 1}]
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Versi 1 (disetujui" in page or "Version 1 (approved" in page


def test_case_manager_of_another_facility_cannot_approve(world, make_plan, client, login_as):
    plan = make_plan(submitted=True)
    login_as(world.other_case_manager)
    assert client.post(f"/plans/{plan.id}/approve").status_code == 404
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert plan_of(world).status == "submitted"
    assert plan_of(world).versions == []


def test_a_stay_has_one_active_plan(world, make_plan, client, login_in_english, backend):
    plan = make_plan()
    login_in_english(world.caseworker)
    response = client.post(f"/plans/stays/{world.stay.id}/start", follow_redirects=True)
    assert "This stay already has a rehabilitation plan." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RehabilitationPlan)) == 1
    # The database refuses a second active plan even when the service's check is skipped.
    db.session.add(RehabilitationPlan(stay_id=world.stay.id, status="submitted", returned_note=""))
    try:
        db.session.flush()
        raise AssertionError("a second active plan was stored")
    except sa.exc.IntegrityError:
        db.session.rollback()
    # A closed plan does not count: a new one can start.
    service.close(plan_of(world), by=world.caseworker)
    db.session.commit()
    assert client.post(f"/plans/stays/{world.stay.id}/start").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RehabilitationPlan)) == 2


def test_goal_target_date_in_the_past_is_refused_next_to_the_field(world, make_plan, client, login_in_english):
    plan = make_plan(goals=1)
    login_in_english(world.caseworker)
    before = [e.id for e in audit_events()]
    yesterday = (service.local_today() - timedelta(days=1)).isoformat()
    response = client.htmx("POST", f"/plans/{plan.id}/goals",
                           data=goal_form(description="Tujuan yang diketik", target_date=yesterday))
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx swaps only 2xx
    assert "The target date cannot be in the past." in html
    assert 'id="err-new-target_date"' in html
    assert "Tujuan yang diketik" in html and yesterday in html  # what was typed is kept
    assert len(plan_of(world).goals) == 1
    assert [e.id for e in audit_events()] == before
    # The same without htmx: 422 and the whole page.
    plain = client.post(f"/plans/{plan.id}/goals", data=goal_form(target_date=yesterday))
    assert plain.status_code == 422 and "<html" in plain.get_data(as_text=True)
    # An unreadable date and a bad domain: messages, nothing saved.
    response = client.htmx("POST", f"/plans/{plan.id}/goals", data=goal_form(target_date="31-31-2026", domain="x"))
    html = response.get_data(as_text=True)
    assert 'id="err-new-target_date"' in html and 'id="err-new-domain"' in html
    assert len(plan_of(world).goals) == 1


def test_goal_edited_inline_keeps_an_unchanged_past_target_date(world, make_plan, client, login_in_english):
    plan = make_plan(goals=1)
    g = plan.goals[0]
    # A target date that has passed since it was set may stay; only a new one must not be in the past.
    g.target_date = service.local_today() - timedelta(days=3)
    db.session.commit()
    login_in_english(world.caseworker)
    form = client.htmx("GET", f"/plans/{plan.id}/goals/{g.id}/edit").get_data(as_text=True)
    assert f'hx-post="/plans/{plan.id}/goals/{g.id}/edit"' in form
    data = goal_form(prefix=f"goal-{g.id}", description="Tujuan diubah", status="in_progress",
                     target_date=g.target_date.isoformat())
    response = client.htmx("POST", f"/plans/{plan.id}/goals/{g.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Tujuan diubah" in html and "Goal saved." in html
    db.session.expire_all()
    assert db.session.get(PlanGoal, g.id).status == "in_progress"


def test_editing_an_approved_plan_makes_a_draft_that_needs_approval(world, make_plan, client, login_in_english):
    plan = make_plan(goals=2, approved=True)
    g = plan.goals[0]
    login_in_english(world.caseworker)
    response = client.htmx("POST", f"/plans/{plan.id}/goals/{g.id}/edit",
                           data=goal_form(prefix=f"goal-{g.id}", description="Tujuan baru setelah persetujuan",
                                          target_date=g.target_date.isoformat()))
    html = response.get_data(as_text=True)
    assert 'id="plan-status"' in html and 'data-plan-status="draft"' in html
    plan = plan_of(world)
    assert plan.status == "draft" and len(plan.versions) == 1  # the approved version is kept
    assert plan.versions[0].snapshot["goals"][0]["description"] == "Tujuan rekaan 1"
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "submit it again" in page


def _review_data(plan, reviewed_on, statuses=None, **more):
    data = {"reviewed_on": reviewed_on, "summary": "Konferensi kasus bersama keluarga"}
    for i, g in enumerate(plan.goals):
        data[f"goals-{i}-goal_id"] = str(g.id)
        data[f"goals-{i}-status"] = (statuses or {}).get(i, g.status)
        data[f"goals-{i}-note"] = f"Catatan {i + 1}"
        data[f"goals-{i}-target_date"] = g.target_date.isoformat() if g.target_date else ""
        data[f"goals-{i}-interventions"] = g.interventions
    data.update(more)
    return data


def test_review_before_the_plan_started_or_in_the_future_changes_nothing(world, make_plan, client,
                                                                         login_in_english):
    plan = make_plan(goals=2, approved=True)
    login_in_english(world.caseworker)
    today = service.local_today()
    before = [e.id for e in audit_events()]
    for reviewed_on, message in [
        ((today - timedelta(days=1)).isoformat(), "The review cannot be dated before the plan was approved"),
        ((today + timedelta(days=1)).isoformat(), "The review date cannot be in the future."),
        ("", "Enter the date of the review."),
    ]:
        response = client.post(f"/plans/{plan.id}/review",
                               data=_review_data(plan, reviewed_on, {0: "achieved"}, summary="Ringkasan diketik"))
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert 'id="err-reviewed_on"' in html, reviewed_on
        assert message in html.split('id="err-reviewed_on"', 1)[1].split("</p>", 1)[0]
        assert "Ringkasan diketik" in html
    plan = plan_of(world)
    assert len(plan.versions) == 1 and plan.goals[0].status == "planned"
    assert [e.id for e in audit_events()] == before


def test_review_marks_a_goal_achieved_and_the_history_shows_both_versions(world, make_plan, client,
                                                                         login_in_english):
    plan = make_plan(goals=3, approved=True)
    login_in_english(world.caseworker)
    today = service.local_today().isoformat()
    data = _review_data(plan, today, {0: "achieved", 2: "dropped"}, **{
        "new_goal-domain": "education", "new_goal-description": "Ikut kejar paket B",
        "new_goal-interventions": "", "new_goal-responsible_id": "", "new_goal-target_date": "",
        "new_goal-status": "planned"})
    response = client.post(f"/plans/{plan.id}/review", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    plan = plan_of(world)
    assert [(v.number, v.kind) for v in plan.versions] == [(1, "approval"), (2, "review")]
    assert [g.status for g in plan.goals] == ["achieved", "planned", "dropped", "planned"]
    assert plan.status == "approved" and plan.schedule_from == service.local_today()
    assert plan.versions[0].snapshot["goals"][0]["status"] == "planned"  # version 1 did not change
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Version 1 (approved" in page and "Version 2 (review" in page
    assert "Goal 1, status: Planned → Achieved" in page
    assert "Goal 3, status: Planned → Dropped" in page
    assert "Goal 4 added: Ikut kejar paket B" in page
    # A review cannot be dated before the previous version... nor twice on a draft.
    client.post(f"/plans/{plan.id}/goals", data=goal_form(description="Di luar peninjauan"))
    assert client.get(f"/plans/{plan.id}/review").status_code == 302


def test_print_page_of_an_approved_plan(world, make_plan, client, login_as):
    plan = make_plan(goals=3, approved=True)
    login_as(world.case_manager)
    html = client.get(f"/plans/{plan.id}/print").get_data(as_text=True)
    assert "css/print-plan.css" in html and "css/app.css" not in html
    assert 'class="mainnav"' not in html
    assert html.count("Tujuan rekaan") == 3
    assert 'class="signatures"' in html and world.case_manager.full_name in html
    service.close(plan_of(world), by=world.caseworker)
    db.session.commit()
    fresh = service.create_plan(world.stay, by=world.caseworker)
    db.session.commit()
    assert client.get(f"/plans/{fresh.id}/print").status_code == 404  # nothing approved yet


def test_resident_page_loads_the_section_lazily(world, make_plan, client, login_as, user_client):
    plan = make_plan(goals=2)
    login_as(world.caseworker)
    page = client.get(f"/residents/{world.resident.id}").get_data(as_text=True)
    assert f'hx-get="/plans/residents/{world.resident.id}/section"' in page
    section = client.htmx("GET", f"/plans/residents/{world.resident.id}/section").get_data(as_text=True)
    assert f'href="/plans/{plan.id}"' in section and 'data-goals="2"' in section
    client = user_client(world.intake)
    page = client.get(f"/residents/{world.resident.id}").get_data(as_text=True)
    assert "plans-section" not in page
    assert client.htmx("GET", f"/plans/residents/{world.resident.id}/section").status_code == 404


def test_send_back_asks_why_and_returns_the_plan_to_draft(world, make_plan, client, login_as):
    plan = make_plan(goals=1, submitted=True)
    login_as(world.case_manager)
    response = client.post(f"/plans/{plan.id}/send-back", data={"note": ""})
    assert response.status_code == 422 and 'id="err-note"' in response.get_data(as_text=True)
    assert plan_of(world).status == "submitted"
    client.post(f"/plans/{plan.id}/send-back", data={"note": "Tambahkan tujuan pendidikan"})
    assert plan_of(world).status == "draft" and plan_of(world).returned_note == "Tambahkan tujuan pendidikan"


def test_csrf_is_required(world, make_plan, client, login_as):
    plan = make_plan(goals=1)
    login_as(world.caseworker)
    assert client.post(f"/plans/{plan.id}/submit", csrf=False).status_code == 400
    assert plan_of(world).status == "draft"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 0


def test_plan_page_statements_do_not_grow_with_goals_and_versions(world, make_plan, client, login_as):
    from tests.conftest import counting_statements

    small = make_plan(goals=1, approved=True)
    service.close(small, by=world.caseworker)
    db.session.commit()
    big = make_plan(goals=12, approved=True)
    for _ in range(3):
        data = service.ReviewInput(reviewed_on=service.local_today(), progress=[
            service.GoalProgress(goal_id=g.id, status="in_progress", note="Catatan") for g in big.goals])
        service.record_review(big, data, by=world.caseworker)
        db.session.commit()
    login_as(world.caseworker)
    counts = []
    for plan_id in (small.id, big.id):
        with counting_statements() as statements:
            assert client.get(f"/plans/{plan_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
