"""Two-step sign-in (issue 14), through the real flow: enrolment, codes, drift, replay, the throttle,
recovery codes, remembered browsers, the admin's reset, who must use it, and API tokens."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from shelter.extensions import db
from tests.conftest import TOTP_SECRET, audit_events, login

STEP = 30


def code_at(offset_steps: int = 0, secret: str = TOTP_SECRET) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset_steps * STEP)


def english(client):
    client.post("/language", data={"locale": "en", "next": "/login"})
    return client


def enrol(user, secret: str = TOTP_SECRET) -> None:
    from shelter.auth.models import TwoStep
    from shelter.db import utcnow

    db.session.add(TwoStep(user_id=user.id, secret=secret, confirmed_at=utcnow()))
    db.session.commit()


@pytest.fixture
def safe_house(make_facility):
    return make_facility(kind="rumah_aman", name="Rumah Aman Uji")


@pytest.fixture
def safe_caseworker(make_user, safe_house):
    return make_user(roles=("caseworker",), facilities=[safe_house])


@pytest.fixture
def admin_enrolled(admin):
    enrol(admin)
    return admin


def password_step(client, user):
    response = login(client, user, two_step=False)
    assert response.status_code == 302
    return response


def code_step(client, code, remember=False):
    data = {"code": code}
    if remember:
        data["remember"] = "y"
    return client.post("/login/code", data=data)


# --- who must enrol -----------------------------------------------------------------------------------

def test_a_safe_house_caseworker_without_enrolment_is_sent_to_enrolment_before_any_page(client, safe_caseworker):
    response = password_step(client, safe_caseworker)
    assert not response.headers["Location"].endswith("/login/code")  # nothing to ask yet: not enrolled
    for path in ("/", "/residents/", "/board/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/account/two-step"), path
    assert client.htmx("GET", "/residents/").headers["HX-Redirect"].endswith("/account/two-step")
    api = client.get("/api/v1/availability")
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "two_step_enrolment_required"
    assert client.get("/account/two-step").status_code == 200


def test_enrolment_with_a_confirmation_code_shows_ten_recovery_codes_once(client, safe_caseworker):
    from shelter.auth.models import RecoveryCode

    english(client)
    password_step(client, safe_caseworker)
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn on the server
    secret = re.search(r'id="two-step-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert client.get("/account/two-step").get_data(as_text=True).count(secret[:4]) >= 1  # same secret on reload

    wrong = client.post("/account/two-step", data={"code": "000000" if code_at(0, secret) != "000000" else "111111"})
    assert wrong.status_code == 422 and "not right or has expired" in wrong.get_data(as_text=True)
    assert client.get("/residents/").status_code == 302  # still not enrolled

    done = client.post("/account/two-step", data={"code": code_at(0, secret)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    assert client.get("/residents/").status_code == 200  # the same session goes on
    status = client.get("/account/two-step").get_data(as_text=True)
    assert "10 unused recovery codes" in status and codes[0] not in status  # shown only once
    assert [e.target_id for e in audit_events("auth.two_step.enrolled")] == [safe_caseworker.id]


def test_others_may_log_in_with_the_password_alone_unless_the_setting_requires_it_for_all(
        app, client, make_user, make_facility):
    panti_worker = make_user(roles=("caseworker",), facilities=[make_facility()])
    password_step(client, panti_worker)
    assert client.get("/residents/").status_code == 200
    app.config["SHELTER"] = type(app.config["SHELTER"])(**{**app.config["SHELTER"].__dict__, "two_step_for_all": True})
    other = app.test_client()
    password_step(other, panti_worker)
    assert other.get("/residents/").headers["Location"].endswith("/account/two-step")


# --- the code after the password -----------------------------------------------------------------------

def test_an_enrolled_user_needs_the_code_and_each_code_works_once(client, admin_enrolled):
    english(client)
    response = password_step(client, admin_enrolled)
    assert response.headers["Location"].endswith("/login/code")
    assert client.get("/").status_code == 302  # no session yet
    code = code_at()
    assert code_step(client, code).status_code == 302
    assert client.get("/").status_code == 200

    client.post("/logout")
    english(client)
    password_step(client, admin_enrolled)
    replay = code_step(client, code)
    assert replay.status_code == 401 and "not right or has expired" in replay.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("offset, accepted", [(-1, True), (1, True), (-2, False), (3, False)])
def test_the_clock_may_drift_one_step(client, admin_enrolled, offset, accepted):
    password_step(client, admin_enrolled)
    response = code_step(client, code_at(offset))
    assert (response.status_code == 302) is accepted
    assert response.status_code in (302, 401)


def test_a_sixth_code_is_refused_after_five_wrong_ones_even_when_right(client, admin_enrolled):
    english(client)
    password_step(client, admin_enrolled)
    right = code_at()
    wrong = [c for c in ("123456", "654321", "111111", "222222", "333333", "444444") if c != right][:5]
    for code in wrong:
        answer = code_step(client, code)
        assert answer.status_code == 401 and "not right" in answer.get_data(as_text=True)
    sixth = code_step(client, right)
    assert sixth.status_code == 401 and "Too many wrong codes" in sixth.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert len(audit_events("auth.two_step.failure")) == 5 and audit_events("auth.two_step.locked")


@pytest.mark.parametrize("junk", ["", "abc", "12345", "1234567", "١٢٣٤٥٦", "x" * 40, "<script>"])
def test_bad_input_is_a_message_never_a_500(client, admin_enrolled, junk):
    password_step(client, admin_enrolled)
    response = code_step(client, junk)
    assert response.status_code in (401, 422)


def test_a_login_left_at_the_code_page_expires(client, admin_enrolled, monkeypatch):
    english(client)
    password_step(client, admin_enrolled)
    with client.session_transaction() as session:
        session["two_step"] = {**session["two_step"], "at": session["two_step"]["at"] - 301}
    response = client.post("/login/code", data={"code": code_at()}, follow_redirects=True)
    assert "took too long" in response.get_data(as_text=True) and response.request.path == "/login"


def test_a_recovery_code_works_once(client, admin_enrolled):
    from shelter.auth import twostep

    codes = twostep._new_recovery_codes(admin_enrolled)
    db.session.commit()
    password_step(client, admin_enrolled)
    assert code_step(client, codes[3].upper().replace("-", " ")).status_code == 302
    client.post("/logout")
    password_step(client, admin_enrolled)
    assert code_step(client, codes[3]).status_code == 401
    assert code_step(client, codes[4]).status_code == 302
    assert twostep.recovery_codes_left(admin_enrolled) == 8


def test_a_remembered_browser_skips_the_code_until_a_reset(client, app, admin_enrolled, make_user):
    password_step(client, admin_enrolled)
    assert code_step(client, code_at(), remember=True).status_code == 302
    client.post("/logout")
    again = password_step(client, admin_enrolled)
    assert not again.headers["Location"].endswith("/login/code")  # remembered
    assert client.get("/").status_code == 200
    # a different browser is not remembered
    assert password_step(app.test_client(), admin_enrolled).headers["Location"].endswith("/login/code")


# --- the admin's reset ------------------------------------------------------------------------------------

def test_an_admin_reset_is_audited_ends_sessions_and_the_user_enrols_again(app, client, admin, make_user,
                                                                         make_facility):
    from shelter.auth import twostep

    worker = make_user(roles=("caseworker",), facilities=[make_facility()])  # optional for them
    secret = pyotp.random_base32()
    enrol(worker, secret)
    theirs = app.test_client()
    password_step(theirs, worker)
    assert code_step(theirs, code_at(0, secret)).status_code == 302
    assert theirs.get("/").status_code == 200
    login(client, admin)
    response = client.post(f"/admin/users/{worker.id}/two-step")
    assert response.status_code == 302
    events = audit_events("auth.two_step.reset")
    assert [(e.actor_id, e.target_id) for e in events] == [(admin.id, worker.id)]
    assert theirs.get("/").status_code == 302  # their sessions ended
    db.session.expire_all()
    assert not twostep.is_enrolled(worker) and twostep.required_for(worker)
    password_step(theirs, worker)
    assert theirs.get("/").headers["Location"].endswith("/account/two-step")


def test_api_tokens_are_unaffected(app, admin):
    from shelter.api.auth import issue_token

    token = issue_token(admin, "mitra")
    db.session.commit()
    response = app.test_client().get("/api/v1/availability", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
