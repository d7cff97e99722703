"""The programmes API: every answer is checked against the OpenAPI document by the Api client."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.programmes import service
from shelter.programmes.models import Attendance, Enrollment
from tests.api.conftest import Api, error_code, fields, token_for
from tests.conftest import audit_events
from tests.programmes.conftest import session_on


@pytest.fixture
def api(app, caseworker):
    return Api(app, token_for(caseworker))


def programme_body(**overrides):
    today = service.local_today()
    body = {"name": "Tata Boga", "trainer": "Pak Koki Rekaan", "capacity": 2, "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=6)).isoformat(), "weekdays": [1, 2, 3, 4, 5, 6, 7],
            "start_time": "13:30", "duration_minutes": 90}
    body.update(overrides)
    return body


def test_create_list_and_get_a_programme(app, api, panti):
    response = api.post(f"facilities/{panti.id}/programmes", json=programme_body())
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert len(created["sessions"]) == 7 and created["start_time"] == "13:30"
    assert created["sessions"][0]["starts_at"].endswith("06:30:00+00:00")  # 13.30 WIB
    listed = api.get(f"facilities/{panti.id}/programmes").get_json()
    assert [p["id"] for p in listed["programmes"]] == [created["id"]]
    assert api.get(f"programmes/{created['id']}").get_json()["name"] == "Tata Boga"


def test_invalid_programmes_are_422_with_fields(app, api, panti):
    today = service.local_today()
    response = api.post(f"facilities/{panti.id}/programmes",
                        json=programme_body(ends_on=(today - timedelta(days=1)).isoformat()))
    assert response.status_code == 422 and fields(response) == {"ends_on": "before_start"}
    response = api.post(f"facilities/{panti.id}/programmes", json=programme_body(start_time="25:00", weekdays=[]))
    assert response.status_code == 422 and set(fields(response)) == {"start_time", "weekdays"}


def test_enrol_beyond_capacity_waitlists_and_withdrawal_promotes(app, api, make_programme, make_stay):
    programme = make_programme(capacity=1)
    residents = [make_stay().resident_id for _ in range(3)]
    answers = [api.post(f"programmes/{programme.id}/enrolments", json={"resident_id": r}) for r in residents]
    assert [a.status_code for a in answers] == [201, 201, 201]
    bodies = [a.get_json() for a in answers]
    assert [(b["status"], b["waitlist_position"]) for b in bodies] == [
        ("enrolled", None), ("waitlisted", 1), ("waitlisted", 2)]
    again = api.post(f"programmes/{programme.id}/enrolments", json={"resident_id": residents[0]})
    assert again.status_code == 409 and error_code(again) == "already_enrolled"
    withdrawn = api.post(f"enrolments/{bodies[0]['id']}/withdraw").get_json()
    assert withdrawn["enrolment"]["status"] == "withdrawn" and withdrawn["promoted"]["id"] == bodies[1]["id"]
    listed = api.get(f"programmes/{programme.id}/enrolments").get_json()["enrolments"]
    assert [(e["id"], e["status"], e["waitlist_position"]) for e in listed] == [
        (bodies[1]["id"], "enrolled", None), (bodies[2]["id"], "waitlisted", 1), (bodies[0]["id"], "withdrawn", None)]
    assert api.post(f"enrolments/{bodies[0]['id']}/withdraw").status_code == 409


def test_complete_marks_an_enrolled_resident_and_keeps_the_place(app, api, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    enrolled = service.enrol(programme, make_stay().resident, by=caseworker)
    waitlisted = service.enrol(programme, make_stay().resident, by=caseworker)
    db.session.commit()
    response = api.post(f"enrolments/{enrolled.id}/complete")  # the Api client checks it against the schema
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["waitlist_position"]) == (enrolled.id, "completed", None)
    assert body["completed_at"] is not None and body["ended_at"] is None
    assert [e.target_id for e in audit_events("programme.completed")] == [enrolled.id]
    listed = {e["id"]: e for e in api.get(f"programmes/{programme.id}/enrolments").get_json()["enrolments"]}
    assert (listed[waitlisted.id]["status"], listed[waitlisted.id]["waitlist_position"]) == ("waitlisted", 1)
    assert api.get(f"programmes/{programme.id}").get_json()["enrolled"] == 1  # completing frees no place

    again = api.post(f"enrolments/{enrolled.id}/complete")
    assert again.status_code == 409 and error_code(again) == "enrolment_not_enrolled"
    assert len(audit_events("programme.completed")) == 1


def test_complete_refuses_the_waitlist_and_ended_enrolments(app, api, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    enrolled = service.enrol(programme, make_stay().resident, by=caseworker)
    waitlisted = service.enrol(programme, make_stay().resident, by=caseworker)
    db.session.commit()
    response = api.post(f"enrolments/{waitlisted.id}/complete")
    assert response.status_code == 409 and error_code(response) == "enrolment_not_enrolled"
    assert api.post(f"enrolments/{enrolled.id}/withdraw").status_code == 200  # promotes the waitlisted one
    response = api.post(f"enrolments/{enrolled.id}/complete")
    assert response.status_code == 409 and error_code(response) == "enrolment_not_enrolled"
    db.session.expire_all()
    assert db.session.get(Enrollment, enrolled.id).status == "withdrawn"
    assert db.session.get(Enrollment, enrolled.id).completed_at is None
    assert audit_events("programme.completed") == []


def test_complete_is_for_the_roles_that_manage_programmes(app, make_user, make_programme, make_stay, panti,
                                                          caseworker):
    enrollment = service.enrol(make_programme(), make_stay().resident, by=caseworker)
    db.session.commit()
    intake = Api(app, token_for(make_user(roles=("intake_staff",), facilities=[panti])))
    assert intake.post(f"enrolments/{enrollment.id}/complete").status_code == 404
    manager = Api(app, token_for(make_user(roles=("case_manager",), facilities=[panti])))
    assert manager.post(f"enrolments/{enrollment.id}/complete").get_json()["status"] == "completed"


def test_restrictions_and_stays_are_checked(app, api, make_programme, make_stay, make_facility):
    programme = make_programme(eligible_sex="female")
    man = make_stay(sex="male").resident_id
    response = api.post(f"programmes/{programme.id}/enrolments", json={"resident_id": man})
    assert response.status_code == 422 and response.get_json()["error"]["problems"] == ["sex"]
    response = api.post(f"programmes/{programme.id}/enrolments",
                        json={"resident_id": man, "override_reason": "Atas permintaan sendiri"})
    assert response.status_code == 201


def test_attendance_all_or_nothing(app, api, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=5)
    a, b = (service.enrol(programme, make_stay().resident, by=caseworker) for _ in range(2))
    other = service.enrol(make_programme(name="Lain"), make_stay().resident, by=caseworker)
    session = session_on(programme, service.local_today())
    db.session.commit()
    url = f"programme-sessions/{session.id}/attendance"
    response = api.post(url, json={"marks": [{"enrollment_id": a.id, "status": "present"},
                                             {"enrollment_id": other.id, "status": "present"}]})
    assert response.status_code == 422 and error_code(response) == "not_enrolled"
    assert fields(response) == {"marks[1].enrollment_id": "not_enrolled"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    response = api.post(url, json={"marks": [{"enrollment_id": a.id, "status": "present"},
                                             {"enrollment_id": b.id, "status": "excused"}]})
    assert response.status_code == 200
    assert [(m["enrollment_id"], m["status"]) for m in response.get_json()["marks"]] == [
        (a.id, "present"), (b.id, "excused")]
    future = session_on(programme, service.local_today() + timedelta(days=3))
    response = api.post(f"programme-sessions/{future.id}/attendance",
                        json={"marks": [{"enrollment_id": a.id, "status": "present"}]})
    assert response.status_code == 409 and error_code(response) == "session_not_started"


def test_outside_the_facility_everything_is_404(app, make_user, make_facility, make_programme, make_stay,
                                                caseworker):
    programme = make_programme()
    stay = make_stay()
    enrollment = service.enrol(programme, stay.resident, by=caseworker)
    session = session_on(programme, service.local_today())
    db.session.commit()
    outsider = Api(app, token_for(make_user(roles=("caseworker",), facilities=[make_facility()])))
    assert outsider.get(f"facilities/{programme.facility_id}/programmes").status_code == 404
    assert outsider.post(f"facilities/{programme.facility_id}/programmes", json=programme_body()).status_code == 404
    assert outsider.get(f"programmes/{programme.id}").status_code == 404
    assert outsider.get(f"programmes/{programme.id}/enrolments").status_code == 404
    assert outsider.post(f"programmes/{programme.id}/enrolments",
                         json={"resident_id": stay.resident_id}).status_code == 404
    assert outsider.post(f"enrolments/{enrollment.id}/withdraw").status_code == 404
    assert outsider.post(f"enrolments/{enrollment.id}/complete").status_code == 404
    assert outsider.post(f"programme-sessions/{session.id}/attendance",
                         json={"marks": [{"enrollment_id": enrollment.id, "status": "present"}]}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "enrolled"
