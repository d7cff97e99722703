"""Scope of the rehabilitation work (issue 5): a caseworker of another facility gets a 404 on every page
and endpoint of assessments, case notes, plans, goals, reviews, programmes, sessions, enrolments,
attendance and the worklists, never 200, 403 or 500, for every method.

The routes are read from the URL map, so a route added later is walked without touching this file;
a route whose URL needs an argument this walk cannot fill with a real record fails the test (add
the record kind to ``build_world`` and ``ID_ARGUMENTS``). Each URL is built with the ids of REAL
records of facility A, and the same GET pages opened by facility A's own staff are not 404s, which
proves the ids are real and that the 404s of the outsiders come from the scope check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from tests.conftest import login

BLUEPRINTS = {"assessments", "plans", "programmes", "worklists"}
# /api/v1 paths of this issue's areas.
API_AREAS = re.compile(r"assessment|plan|goal|review|note|programme|session|enrol|attendance")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Every role but admin: an outsider holding them all can only be refused by the scope check.
ALL_STAFF_ROLES = ("caseworker", "case_manager", "facility_manager", "intake_staff")
RESIDENT_NAME = "Penghuni Rahasia Walk"
PROGRAMME_NAME = "Menjahit Rahasia Walk"

# A route argument → the record of facility A whose id fills it.
ID_ARGUMENTS = {
    "facility_id": "facility",
    "resident_id": "resident",
    "stay_id": "stay",
    "assessment_id": "assessment",
    "note_id": "note",
    "plan_id": "plan",
    "goal_id": "goal",
    "version_id": "version",
    "review_id": "version",
    "programme_id": "programme",
    "session_id": "session",
    "enrollment_id": "enrollment",
    "enrolment_id": "enrollment",
}


def rehab_rules(app) -> list:
    """Every rule of this issue's blueprints and of the API paths of its areas."""
    rules = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".", 1)[0]
        if blueprint in BLUEPRINTS or (rule.rule.startswith("/api/v1/") and API_AREAS.search(rule.rule)):
            rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)


def _decoys(make_facility, make_room, make_bed, make_user, make_resident) -> None:
    """Records of another facility made first, a different number of each kind, so that facility A's
    ids differ from one kind to the next: a view that looks a stay up by a resident's id (or a plan by a
    stay's) then finds the wrong record, or none, and the walk notices."""
    from shelter.assessments import service as assessments
    from shelter.plans import service as plans
    from shelter.plans.models import GoalDomain
    from shelter.programmes import service as programmes
    from shelter.stays import service as stays

    facility = make_facility(name="Panti Walk Decoy")
    room = make_room(facility=facility)
    staff = make_user(roles=ALL_STAFF_ROLES, facilities=[facility])
    residents = [make_resident(facility) for _ in range(14)]
    stay_list = [stays.admit(r, make_bed(room=room), by=staff) for r in residents[:3]]
    today = assessments.today()
    for _ in range(5):
        assessments.record_assessment(stay_list[0], assessments.AssessmentInput(
            assessed_on=today, risk_level="low", recommendation="rehabilitation", findings={"safety": "-"}), by=staff)
    for _ in range(7):
        assessments.add_note(stay_list[0], assessments.NoteInput(noted_on=today, kind="other", body="-"), by=staff)
    domain = next(iter(GoalDomain)).value
    for number in range(8):
        plan = plans.create_plan(stay_list[0], by=staff)
        for _ in range(11 if number == 0 else 0):
            plans.add_goal(plan, plans.GoalInput(domain=domain, description="-"), by=staff)
        if number in (0, 1):
            if number == 1:
                plans.add_goal(plan, plans.GoalInput(domain=domain, description="-"), by=staff)
            plans.submit(plan, by=staff)
            plans.approve(plan, by=staff)
        plans.close(plan, by=staff)
    for number in range(6):
        programme = programmes.create_programme(facility, programmes.ProgrammeInput(
            name=f"Decoy {number}", capacity=5, starts_on=today, ends_on=today + timedelta(days=2),
            weekdays=list(range(1, 8)), start_time=time(9, 0), duration_minutes=60), by=staff)
        if number < 3:
            for resident in residents[:3]:
                programmes.enrol(programme, resident, by=staff)
    db.session.commit()


def build_world(make_facility, make_room, make_bed, make_user, make_resident) -> World:
    """One record of each kind in facility A, made through the features' services (after the decoys)."""
    from shelter.assessments import service as assessments
    from shelter.plans import service as plans
    from shelter.plans.models import GoalDomain
    from shelter.programmes import service as programmes
    from shelter.programmes.models import ProgrammeSession
    from shelter.stays import service as stays

    _decoys(make_facility, make_room, make_bed, make_user, make_resident)
    facility = make_facility(name="Panti Walk A")
    room = make_room(facility=facility)
    insider = make_user(roles=ALL_STAFF_ROLES, facilities=[facility], full_name="Staf Lengkap A")
    caseworker = make_user(roles=("caseworker",), facilities=[facility], full_name="Pekerja Walk A")
    resident = make_resident(facility, full_name=RESIDENT_NAME)
    stay = stays.admit(resident, make_bed(room=room), by=insider)
    stays.assign_caseworker(stay, caseworker, by=insider)
    today = assessments.today()

    assessment = assessments.record_assessment(stay, assessments.AssessmentInput(
        assessed_on=today, risk_level="medium", recommendation="rehabilitation",
        findings={"safety": "Aman di panti."}), by=caseworker)
    note = assessments.add_note(stay, assessments.NoteInput(noted_on=today, kind="visit", body="Kunjungan."),
                                by=caseworker)

    plan = plans.create_plan(stay, by=caseworker)
    goal = plans.add_goal(plan, plans.GoalInput(domain=next(iter(GoalDomain)).value, description="Tujuan uji",
                                                target_date=today + timedelta(days=60)), by=caseworker)
    plans.submit(plan, by=caseworker)
    version = plans.approve(plan, by=insider)

    programme = programmes.create_programme(facility, programmes.ProgrammeInput(
        name=PROGRAMME_NAME, capacity=5, starts_on=today, ends_on=today + timedelta(days=30),
        weekdays=list(range(1, 8)), start_time=time(9, 0), duration_minutes=90), by=insider)
    session = db.session.scalars(sa.select(ProgrammeSession).where(ProgrammeSession.programme_id == programme.id)
                                 .order_by(ProgrammeSession.session_date)).first()
    enrollment = programmes.enrol(programme, resident, by=insider)
    programmes.record_attendance(session, enrollment.id, "present", by=caseworker)
    programmes.complete(enrollment, by=insider)  # so the certificate page exists too
    db.session.commit()

    world = World()
    world.facility, world.insider, world.caseworker = facility, insider, caseworker
    world.ids = {"facility": facility.id, "resident": resident.id, "stay": stay.id, "assessment": assessment.id,
                 "note": note.id, "plan": plan.id, "goal": goal.id, "version": version.id,
                 "programme": programme.id, "session": session.id, "enrollment": enrollment.id}
    return world


@pytest.fixture
def world(make_facility, make_room, make_bed, make_user, make_resident) -> World:
    return build_world(make_facility, make_room, make_bed, make_user, make_resident)


def requests_for(app, world: World) -> tuple[list[tuple[str, str, str]], list[str], list]:
    """(method, url, endpoint) for each rule with ids; the rules whose ids cannot be built; the id-less rules."""
    adapter = app.url_map.bind("localhost")
    found, unbuildable, without_ids = [], [], []
    for rule in rehab_rules(app):
        if not rule.arguments:
            without_ids.append(rule)
            continue
        missing = sorted(a for a in rule.arguments if a not in ID_ARGUMENTS)
        if missing:
            unbuildable.append(f"{rule.rule} ({rule.endpoint}): no record for {', '.join(missing)}")
            continue
        url = adapter.build(rule.endpoint, {a: world.ids[ID_ARGUMENTS[a]] for a in rule.arguments}, method=None)
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((method, url, rule.endpoint))
    return found, unbuildable, without_ids


def send(client, method: str, url: str, *, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    if url.startswith("/api/"):
        return client.open(url, method=method, json={} if method != "GET" else None, headers=headers)
    return client.open(url, method=method, data={}, headers=headers)


def refusal_problem(response, url: str) -> str | None:
    """None when the response is the 404 an outsider must get."""
    if response.status_code != 404:
        return f"got {response.status_code}"
    if url.startswith("/api/"):
        body = response.get_json(silent=True)
        if not (isinstance(body, dict) and body.get("error", {}).get("code") == "not_found"):
            return f"404 without the JSON error body: {response.get_data(as_text=True)[:120]!r}"
    return None


def _row_counts() -> dict[str, int]:
    """Rows per table of the records the walk must not change (sessions and audit events may grow)."""
    skip = {"audit_events", "user_sessions", "outbound_messages"}
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name not in skip}


def _client(app, user):
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_the_walk_covers_this_issues_routes(app, world):
    assert len(set(world.ids.values())) == len(world.ids), f"ids of different kinds coincide: {world.ids}"
    found, unbuildable, _ = requests_for(app, world)
    assert not unbuildable, "routes the scope walk cannot build with real ids:\n" + "\n".join(unbuildable)
    endpoints = {endpoint for _, _, endpoint in found}
    assert {"worklists.caseworker", "worklists.assign"} <= endpoints
    for blueprint in BLUEPRINTS:
        assert any(e.startswith(blueprint + ".") for e in endpoints), f"no routes of {blueprint} walked"


@pytest.mark.parametrize("outsider_roles", [("caseworker",), ALL_STAFF_ROLES], ids=["caseworker", "all-roles"])
def test_staff_of_another_facility_get_404_everywhere(app, world, make_facility, make_user, outsider_roles):
    """A caseworker of facility B (and B's staff holding every role, so no role check can hide a scope
    hole) get a 404 for every method of every route with facility A's ids, as a page and as htmx."""
    facility_b = make_facility(name="Panti Walk B")
    outsider = make_user(roles=outsider_roles, facilities=[facility_b])
    found, unbuildable, without_ids = requests_for(app, world)
    assert found and not unbuildable
    client = _client(app, outsider)
    before = _row_counts()
    problems = []
    for method, url, endpoint in found:
        for htmx in ([False] if url.startswith("/api/") else [False, True]):
            problem = refusal_problem(send(client, method, url, htmx=htmx), url)
            if problem:
                problems.append(f"{method} {url} ({endpoint}{', htmx' if htmx else ''}): {problem}")
    assert not problems, "outsiders not refused with a 404:\n" + "\n".join(problems)
    assert _row_counts() == before, "an outsider's request changed facility A's records"

    # Pages without ids (lists, forms, the home page's worklist) answer, but show nothing of facility A.
    for path in ["/"] + [rule.rule for rule in without_ids if "GET" in rule.methods]:
        response = client.get(path)
        assert response.status_code in (200, 302, 404), f"GET {path}: {response.status_code}"
        html = response.get_data(as_text=True)
        assert RESIDENT_NAME not in html and PROGRAMME_NAME not in html, f"GET {path} shows facility A"


def test_facility_as_own_staff_open_the_same_pages(app, world):
    """The ids are real: facility A's caseworker opens every GET page of the walk (a page that is not for
    caseworkers is opened by A's staff holding every role), and nobody gets a 500."""
    found, _, _ = requests_for(app, world)
    caseworker = _client(app, world.caseworker)
    insider = _client(app, world.insider)
    problems, role_pages = [], []
    for method, url, endpoint in found:
        if method != "GET":
            continue
        status = send(caseworker, method, url).status_code
        if status == 404:
            role_pages.append(endpoint)
            status = send(insider, method, url).status_code
        if status == 404 or status >= 500:
            problems.append(f"GET {url} ({endpoint}): {status}")
    assert not problems, "facility A's own staff cannot open:\n" + "\n".join(problems)
    # What the outsiders' home page must not show is there for A's own staff (today's session).
    assert PROGRAMME_NAME in insider.get("/").get_data(as_text=True)
    # Most pages are a caseworker's: if nearly all needed another role, the caseworker's ids would be suspect.
    gets = [e for m, _, e in found if m == "GET"]
    assert len(role_pages) < len(gets) / 2, f"caseworker of A refused on {role_pages}"


def test_the_walk_notices_a_route_that_ignores_scope_and_one_it_cannot_build(app, world, make_facility, make_user):
    """The checker can fail: a route of these blueprints that answers anyone is reported, and a route with
    an argument the walk has no record for is listed as unbuildable."""
    app.add_url_rule("/worklists/probe/<id:stay_id>", endpoint="worklists.probe_open", view_func=lambda stay_id: "ok")
    app.add_url_rule("/api/v1/plans/probe/<id:widget_id>", endpoint="api.probe_widget",
                     view_func=lambda widget_id: "ok")
    found, unbuildable, _ = requests_for(app, world)
    assert any("widget_id" in line for line in unbuildable)
    [(method, url, _)] = [r for r in found if r[2] == "worklists.probe_open"]
    outsider = _client(app, make_user(roles=("caseworker",), facilities=[make_facility()]))
    assert refusal_problem(send(outsider, method, url), url) == "got 200"
