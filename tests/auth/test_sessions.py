"""Server-side sessions: a new session id at login, idle and absolute expiry, password change and
logout ending the user's other sessions, and the forced password change for new accounts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
import time_machine
from werkzeug.routing import IntegerConverter

from shelter.access import PASSWORD_CHANGE_EXEMPT, is_public_endpoint
from shelter.auth import service
from shelter.auth.models import User, UserSession
from shelter.extensions import db
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "a brand new passphrase"


def _cookie(client) -> str | None:
    cookie = client.get_cookie("shelter_session")
    return cookie.value if cookie else None


def _session(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def _redirect_path(response) -> str | None:
    if response.status_code in (302, 303):
        return urlsplit(response.headers["Location"]).path
    if "HX-Redirect" in response.headers:
        return urlsplit(response.headers["HX-Redirect"]).path
    return None


def _live_sessions(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None)))


# --- a new session at login ---------------------------------------------------------------------

def test_login_starts_a_new_session(app, client, make_user):
    user = make_user()
    client.get("/login")
    before_cookie, before = _cookie(client), _session(client)
    assert before.get("csrf_token") and "_user_id" not in before

    assert login(client, user).status_code == 302
    after = _session(client)
    assert _cookie(client) != before_cookie
    assert after["_user_id"]
    assert after.get("csrf_token") != before["csrf_token"]  # nothing carried over from before login

    # The server keeps only a hash of the session token.
    token = after["_user_id"]
    stored = db.session.scalars(sa.select(UserSession.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]

    # Session fixation: whoever holds the pre-login cookie is not logged in.
    planted = app.test_client()
    planted.set_cookie("shelter_session", before_cookie)
    assert _redirect_path(planted.get("/")) == "/login"


def test_every_login_gets_its_own_session_token(app, make_user):
    user = make_user()
    tokens = set()
    for _ in range(3):
        client = app.test_client()
        login(client, user)
        tokens.add(_session(client)["_user_id"])
    assert len(tokens) == 3
    assert _live_sessions(user.id) == 3


def test_a_made_up_session_token_is_not_accepted(app, client, make_user):
    make_user()
    with client.session_transaction() as session:
        session["_user_id"] = "made-up-token"
    assert _redirect_path(client.get("/")) == "/login"


# --- expiry -----------------------------------------------------------------------------------

def test_session_ends_after_30_idle_minutes(client, make_user):
    user = make_user()
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=True) as traveller:
        login(client, user)
        traveller.move_to(start + timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps it alive…
        traveller.move_to(start + timedelta(minutes=58))
        assert client.get("/").status_code == 200  # …counted from the last request
        traveller.move_to(start + timedelta(minutes=58 + 31))
        assert _redirect_path(client.get("/")) == "/login"


def test_session_ends_12_hours_after_login_however_active(client, make_user):
    user = make_user()
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=True) as traveller:
        login(client, user)
        for step in range(1, 29):  # a request every 25 minutes, up to 11 h 40
            traveller.move_to(start + timedelta(minutes=25 * step))
            assert client.get("/").status_code == 200, f"after {25 * step} minutes"
        traveller.move_to(start + timedelta(hours=12, minutes=1))
        assert _redirect_path(client.get("/")) == "/login"


def test_session_loader_applies_the_limits_server_side(app, make_user):
    """Even with a cookie that is still valid, the server refuses an old session."""
    user = make_user()
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        token = service.start_session(user, "127.0.0.1")
        db.session.commit()
        traveller.move_to(start + timedelta(minutes=29))
        assert service.load_session(token) == user
        traveller.move_to(start + timedelta(minutes=29 + 31))
        assert service.load_session(token) is None


# --- ending sessions ----------------------------------------------------------------------------

def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_user):
    user = make_user()
    other = app.test_client()
    login(client, user)
    login(other, user)
    old_token = _session(client)["_user_id"]

    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    assert client.get("/").status_code == 200
    assert _session(client)["_user_id"] != old_token
    assert _redirect_path(other.get("/")) == "/login"
    assert _live_sessions(user.id) == 1
    # And the old password no longer works anywhere.
    assert login(app.test_client(), user.email, PASSWORD).status_code == 401
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_logout_ends_all_sessions_of_the_user(app, client, make_user):
    user, bystander = make_user(), make_user()
    other_device, bystander_client = app.test_client(), app.test_client()
    login(client, user)
    login(other_device, user)
    login(bystander_client, bystander)
    assert client.post("/logout").status_code == 302
    assert _redirect_path(client.get("/")) == "/login"
    assert _redirect_path(other_device.get("/")) == "/login"
    assert bystander_client.get("/").status_code == 200  # other users are not affected


def test_deactivated_user_loses_their_sessions(app, client, make_user):
    user = make_user()
    login(client, user)
    user.active = False
    db.session.commit()
    assert _redirect_path(client.get("/")) == "/login"


# --- first login of an account an admin created --------------------------------------------------

def _all_requests(app):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if is_public_endpoint(rule.endpoint) or rule.endpoint in PASSWORD_CHANGE_EXEMPT:
            continue
        values = {n: 1 if isinstance(rule._converters.get(n), IntegerConverter) else "x" for n in rule.arguments}
        url = adapter.build(rule.endpoint, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_must_change_password_is_sent_to_the_change_page_everywhere(app, client, make_user, htmx):
    user = make_user(must_change_password=True)
    login(client, user)
    headers = {"HX-Request": "true"} if htmx else {}
    requests = list(_all_requests(app))
    assert len(requests) >= 5
    problems = []
    for method, url in requests:
        response = client.open(url, method=method, headers=headers, data={})
        if url.startswith("/api/"):  # JSON clients get a JSON refusal, not an HTML page
            if response.status_code != 403 or response.get_json()["error"]["code"] != "password_change_required":
                problems.append(f"{method} {url}: {response.status_code}")
        elif _redirect_path(response) != "/account/password":
            problems.append(f"{method} {url}: {response.status_code} {_redirect_path(response)}")
    assert not problems, "\n".join(problems)
    assert client.get("/account/password").status_code == 200


def test_after_changing_the_password_the_user_gets_in(client, make_user):
    user = make_user(must_change_password=True)
    user_id = user.id
    login(client, user)
    assert _redirect_path(client.get("/")) == "/account/password"
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert _redirect_path(response) == "/"
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user_id).must_change_password is False


def test_api_call_before_the_first_password_change_is_refused_in_json(app, client, make_user):
    user = make_user(must_change_password=True)
    login(client, user)
    response = client.get("/api/v1/availability")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "password_change_required"


# --- background polls do not keep a session alive ---------------------------------------------------

def _board_poll(html: str) -> tuple[str, dict]:
    """The request the board page's own timer makes: the element with an ``every`` trigger."""
    import json
    import re
    from html import unescape

    for tag in re.findall(r"<[a-z]+ [^>]*hx-trigger=\"[^\"]*every [^>]*>", html):
        url = unescape(re.search(r'hx-get="([^"]+)"', tag).group(1))
        headers = re.search(r"hx-headers='([^']+)'", tag)
        return url, {"HX-Request": "true", **(json.loads(unescape(headers.group(1))) if headers else {})}
    raise AssertionError("the board has no polling element")


def test_the_board_polling_an_unattended_screen_does_not_keep_the_session_alive(client, make_user):
    """Issue 9, 2.10: a board left open polls every 30 s; after 30 idle minutes the session still ends."""
    user = make_user(roles=("intake_staff",))
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        login(client, user)
        page = client.get("/board/")
        assert page.status_code == 200
        url, headers = _board_poll(page.get_data(as_text=True))
        for n in range(1, 60):  # every 30 seconds for 29.5 minutes: the board stays fresh
            traveller.move_to(start + timedelta(seconds=30 * n))
            assert client.get(url, headers=headers).status_code == 200, f"poll at {30 * n} s"
        traveller.move_to(start + timedelta(minutes=31))
        poll = client.get(url, headers=headers)  # the poll itself now finds the session over
        assert poll.status_code == 204 and urlsplit(poll.headers["HX-Redirect"]).path == "/login"
        assert _redirect_path(client.get("/")) == "/login"


def test_a_click_on_the_board_still_counts_as_activity(client, make_user):
    user = make_user(roles=("intake_staff",))
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        login(client, user)
        traveller.move_to(start + timedelta(minutes=20))
        assert client.htmx("GET", "/board/?kind=panti").status_code == 200  # a filter chosen by a person
        traveller.move_to(start + timedelta(minutes=45))
        assert client.get("/").status_code == 200
