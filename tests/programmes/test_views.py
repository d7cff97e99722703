"""The programme pages: catalogue, enrolment with the waitlist, attendance one click at a time, scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.programmes import service
from shelter.programmes.models import Attendance, Enrollment, Programme
from tests.conftest import counting_statements
from tests.programmes.conftest import session_on


def test_a_caseworker_creates_a_programme_with_its_sessions(app, client, login_as, caseworker, panti):
    login_as(caseworker)
    today = service.local_today()
    assert client.get("/programmes/new").status_code == 200
    response = client.post("/programmes/new", data={
        "facility_id": panti.id, "name": "Menjahit Dasar", "trainer": "Ibu Rekaan", "description": "",
        "capacity": "10", "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=13)).isoformat(),
        "weekdays": ["1", "3"], "start_time": "09:00", "duration_minutes": "120", "eligible_sex": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    programme = db.session.scalar(sa.select(Programme))
    assert programme.name == "Menjahit Dasar" and len(programme.sessions) == 4
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Menjahit Dasar" in page and "Ibu Rekaan" in page


def test_editing_a_programme_changes_later_sessions_only(app, client, login_in_english, caseworker, make_programme):
    programme = make_programme(capacity=3)
    today = service.local_today()
    past = {s.id for s in programme.sessions if s.session_date <= today}
    login_in_english(caseworker)
    form = client.get(f"/programmes/{programme.id}/edit").get_data(as_text=True)
    assert 'value="Menjahit Uji"' in form and 'value="09:00"' in form
    response = client.post(f"/programmes/{programme.id}/edit", data={
        "name": "Menjahit Lanjutan", "trainer": "", "description": "", "capacity": "4",
        "starts_on": programme.starts_on.isoformat(), "ends_on": programme.ends_on.isoformat(),
        "weekdays": [str((today + timedelta(days=1)).isoweekday())], "start_time": "14:00",
        "duration_minutes": "60", "eligible_sex": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.expire_all()
    programme = db.session.get(Programme, programme.id)
    assert programme.name == "Menjahit Lanjutan" and programme.capacity == 4
    assert {s.id for s in programme.sessions if s.session_date <= today} == past
    assert len([s for s in programme.sessions if s.session_date > today]) == 3  # one weekday, three weeks
    response = client.post(f"/programmes/{programme.id}/edit", data={"name": "", "capacity": "0"})
    assert response.status_code == 422 and "Enter the name." in response.get_data(as_text=True)


def test_bad_programme_input_is_shown_next_to_the_field_and_saves_nothing(app, client, login_in_english,
                                                                            caseworker, panti):
    login_in_english(caseworker)
    today = service.local_today()
    response = client.post("/programmes/new", data={
        "facility_id": panti.id, "name": "Tata Boga", "capacity": "5", "starts_on": today.isoformat(),
        "ends_on": (today - timedelta(days=1)).isoformat(), "weekdays": ["2"], "start_time": "09:00",
        "duration_minutes": "60"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The end date cannot be before the start date." in html and 'value="Tata Boga"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 0


def test_enrolling_beyond_capacity_says_waitlist_with_position(app, client, login_in_english, caseworker,
                                                                 make_programme, make_stay):
    programme = make_programme(capacity=1)
    first, second = make_stay(), make_stay()
    login_in_english(caseworker)
    url = f"/programmes/{programme.id}/enrolments"
    assert client.post(url, data={"resident_id": first.resident_id}).status_code == 302
    response = client.post(url, data={"resident_id": second.resident_id}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "added to the waitlist at position 1" in html and "Waitlist, position 1" in html


def test_enrolling_against_a_restriction_asks_for_a_reason(app, client, login_in_english, caseworker,
                                                           make_programme, make_stay):
    programme = make_programme(eligible_sex="female")
    man = make_stay(sex="male")
    login_in_english(caseworker)
    page = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert "This programme is for women and girls only." in page  # the hint beside the name
    response = client.post(f"/programmes/{programme.id}/enrolments", data={"resident_id": man.resident_id})
    assert response.status_code == 422
    assert "give a reason to enrol anyway" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0
    response = client.post(f"/programmes/{programme.id}/enrolments",
                           data={"resident_id": man.resident_id, "override_reason": "Permintaan pelatih"})
    assert response.status_code == 302


def test_withdrawal_on_the_page_promotes_the_first_waiting(app, client, login_in_english, caseworker,
                                                             make_programme, make_stay):
    programme = make_programme(capacity=1)
    holder, waiting = (service.enrol(programme, make_stay().resident, by=caseworker) for _ in range(2))
    db.session.commit()
    login_in_english(caseworker)
    response = client.post(f"/programmes/enrolments/{holder.id}/withdraw", follow_redirects=True)
    assert "A resident moved up from the waitlist and has the place." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrollment, waiting.id).status == "enrolled"


def test_each_click_saves_one_mark_and_answers_with_that_row(app, client, login_as, caseworker, make_programme,
                                                              make_stay):
    programme = make_programme(capacity=5)
    a, b = (service.enrol(programme, make_stay().resident, by=caseworker) for _ in range(2))
    session = session_on(programme, service.local_today())
    db.session.commit()
    login_as(caseworker)
    page = client.get(f"/programmes/sessions/{session.id}").get_data(as_text=True)
    assert f'id="attendance-{a.id}"' in page and f'id="attendance-{b.id}"' in page
    response = client.htmx("POST", f"/programmes/sessions/{session.id}/attendance",
                           data={"enrollment_id": a.id, "status": "present"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith("<tr") and f'id="attendance-{a.id}"' in html and 'data-mark="present"' in html
    assert f"attendance-{b.id}" not in html
    page = client.get(f"/programmes/sessions/{session.id}").get_data(as_text=True)
    assert f'id="attendance-{a.id}" class="attendance-row" data-mark="present"' in page
    assert f'id="attendance-{b.id}" class="attendance-row" data-mark=""' in page


def test_a_mark_for_someone_not_enrolled_gives_a_message_and_changes_nothing(app, client, login_in_english,
                                                                              caseworker, make_programme, make_stay):
    programme, other = make_programme(), make_programme(name="Lain")
    stranger = service.enrol(other, make_stay().resident, by=caseworker)
    session = session_on(programme, service.local_today())
    db.session.commit()
    login_in_english(caseworker)
    for value in (stranger.id, "abc", ""):
        response = client.htmx("POST", f"/programmes/sessions/{session.id}/attendance",
                               data={"enrollment_id": value, "status": "present"})
        assert response.status_code == 200
        assert response.headers["HX-Retarget"] == "#flash"
        assert "is not enrolled in this programme; nothing was saved" in response.get_data(as_text=True)
    response = client.post(f"/programmes/sessions/{session.id}/attendance",
                           data={"enrollment_id": stranger.id, "status": "present"}, follow_redirects=True)
    assert "is not enrolled in this programme" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_the_resident_section_loads_lazily_with_the_rate(app, client, login_in_english, caseworker,
                                                         make_programme, make_stay):
    programme = make_programme()
    stay = make_stay()
    enrollment = service.enrol(programme, stay.resident, by=caseworker)
    today = service.local_today()
    for days, status in ((1, "present"), (2, "present"), (3, "absent"), (4, "excused")):
        service.record_attendance(session_on(programme, today - timedelta(days=days)), enrollment.id, status,
                                  by=caseworker)
    db.session.commit()
    login_in_english(caseworker)
    page = client.get(f"/residents/{stay.resident_id}").get_data(as_text=True)
    assert f'hx-get="/programmes/residents/{stay.resident_id}"' in page and 'hx-trigger="load"' in page
    assert client.get(f"/programmes/residents/{stay.resident_id}").status_code == 302  # not a page of its own
    section = client.htmx("GET", f"/programmes/residents/{stay.resident_id}").get_data(as_text=True)
    assert "Menjahit Uji" in section and "67% (2 of 3)" in section


def test_completion_certificate(app, client, login_in_english, caseworker, make_programme, make_stay):
    programme = make_programme()
    enrollment = service.enrol(programme, make_stay(full_name="Siti Rekaan").resident, by=caseworker)
    db.session.commit()
    login_in_english(caseworker)
    assert client.get(f"/programmes/enrolments/{enrollment.id}/certificate").status_code == 404
    assert client.post(f"/programmes/enrolments/{enrollment.id}/complete").status_code == 302
    html = client.get(f"/programmes/enrolments/{enrollment.id}/certificate").get_data(as_text=True)
    assert "Certificate of completion" in html and "Siti Rekaan" in html and "Menjahit Uji" in html


@pytest.fixture
def outsider(make_user, make_facility):
    return make_user(roles=("caseworker",), facilities=[make_facility()], email="luar@example.org")


def test_a_caseworker_of_another_facility_gets_404_everywhere(app, client, login_as, outsider, caseworker,
                                                              make_programme, make_stay):
    programme = make_programme()
    stay = make_stay()
    enrollment = service.enrol(programme, stay.resident, by=caseworker)
    service.complete(enrollment, by=caseworker)
    session = session_on(programme, service.local_today())
    db.session.commit()
    login_as(outsider)
    for url in (f"/programmes/{programme.id}", f"/programmes/{programme.id}/edit",
                f"/programmes/sessions/{session.id}", f"/programmes/enrolments/{enrollment.id}/certificate",
                f"/programmes/residents/{stay.resident_id}"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/programmes/{programme.id}/enrolments", {"resident_id": stay.resident_id}),
                      (f"/programmes/{programme.id}/edit", {}),
                      (f"/programmes/enrolments/{enrollment.id}/withdraw", {}),
                      (f"/programmes/enrolments/{enrollment.id}/complete", {}),
                      (f"/programmes/sessions/{session.id}/attendance",
                       {"enrollment_id": enrollment.id, "status": "present"})):
        assert client.post(url, data=data).status_code == 404, url
    assert "Menjahit Uji" not in client.get("/programmes/").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).status == "completed"


def test_intake_staff_take_attendance_but_do_not_manage(app, client, login_as, make_user, panti, caseworker,
                                                        make_programme, make_stay):
    programme = make_programme()
    enrollment = service.enrol(programme, make_stay().resident, by=caseworker)
    session = session_on(programme, service.local_today())
    db.session.commit()
    login_as(make_user(roles=("intake_staff",), facilities=[panti]))
    assert client.get(f"/programmes/sessions/{session.id}").status_code == 200
    assert client.post(f"/programmes/enrolments/{enrollment.id}/withdraw").status_code == 404
    assert client.get(f"/programmes/{programme.id}/edit").status_code == 404


def test_the_attendance_page_issues_the_same_statements_for_few_and_many(app, client, login_as, caseworker,
                                                                          make_programme, make_stay):
    programme = make_programme(capacity=30)
    session = session_on(programme, service.local_today())
    login_as(caseworker)

    def statements() -> int:
        db.session.commit()
        with counting_statements() as seen:
            assert client.get(f"/programmes/sessions/{session.id}").status_code == 200
        return len(seen)

    service.enrol(programme, make_stay().resident, by=caseworker)
    few = statements()
    for _ in range(12):
        service.enrol(programme, make_stay().resident, by=caseworker)
    assert statements() == few


def test_demo_data_has_two_programmes_with_residents_and_attendance(app, client, login_as):
    from shelter import demo
    from shelter.auth.models import User

    credentials = {role: (email, password) for role, email, password in demo.load()}
    db.session.commit()
    rows = queries_rows()
    assert sorted(r.programme.name for r in rows) == ["Menjahit (demo)", "Tata Boga (demo)"]
    assert all(r.programme.sessions for r in rows) and all(r.enrolled > 0 for r in rows)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) > 0
    email, password = credentials["caseworker"]
    login_as(db.session.scalar(sa.select(User).where(User.email == email)), password)
    for row in rows:
        assert client.get(f"/programmes/{row.programme.id}").status_code == 200


def queries_rows():
    from shelter.programmes import queries

    return queries.programme_rows(None)


def test_the_programme_page_shows_recent_and_coming_sessions_and_links_to_all(app, client, login_in_english,
                                                                               caseworker, make_programme):
    programme = make_programme()  # 29 daily sessions, 7 before today
    login_in_english(caseworker)
    html = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert html.count("/programmes/sessions/") == 15 and "Show all 29 sessions" in html
    html = client.get(f"/programmes/{programme.id}?sessions=all").get_data(as_text=True)
    assert html.count("/programmes/sessions/") == 29 and "Show all" not in html
