"""Every response carries the security headers, error pages included (issue 9, finding 7).

The attack: with the database down, a logged-in page got Werkzeug's bare 500 — no CSP, no nosniff, no
frame options, no no-store — because loading the user failed before any page code ran and the error
page itself needed the database. Here an app with the same secret key points at a database nobody
answers, and a browser with a valid session cookie asks for pages, htmx fragments and the API.
"""

from __future__ import annotations

import pytest

from shelter import create_app
from shelter.config import Config
from shelter.extensions import db
from tests.conftest import login

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                    "Cross-Origin-Opener-Policy", "Permissions-Policy", "Cache-Control", "Pragma")
UNREACHABLE = {
    "postgresql-closed-port": "postgresql+psycopg://postgres@127.0.0.1:1/shelter",  # nothing listens on port 1
    "sqlite-missing-directory": "sqlite:////nonexistent-directory/for/shelter.sqlite3",
}
LEAKS = ("Traceback", "OperationalError", "sqlalchemy", "psycopg", "nonexistent-directory", "127.0.0.1:1",
         "File \"")


@pytest.fixture
def logged_in_cookie(app, client, admin):
    assert login(client, admin).status_code == 302
    normal = client.get("/facilities/")
    assert normal.status_code == 200
    return client.get_cookie("shelter_session").value, {name: normal.headers.get(name) for name in SECURITY_HEADERS}


@pytest.fixture(params=sorted(UNREACHABLE), ids=sorted(UNREACHABLE))
def database_down(request, app):
    """An app like ``app`` (same secret key, so the same cookies are valid) whose database is unreachable,
    handling errors as in production (Flask does not hand exceptions to the test)."""
    down = create_app(Config.for_tests(UNREACHABLE[request.param], secret_key=app.config["SECRET_KEY"]))
    down.config["PROPAGATE_EXCEPTIONS"] = False
    yield down
    with down.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path, headers", [
    ("/facilities/", {}),
    ("/residents/", {"HX-Request": "true"}),
    ("/", {}),
    ("/api/v1/availability", {}),
], ids=["page", "htmx", "home", "api"])
def test_with_the_database_down_errors_keep_every_security_header(logged_in_cookie, database_down, path, headers):
    cookie, normal_headers = logged_in_cookie
    browser = database_down.test_client()
    browser.set_cookie("shelter_session", cookie)
    response = browser.get(path, headers=headers)
    assert response.status_code in (500, 503)
    for name, value in normal_headers.items():
        assert response.headers.get(name) == value, f"{name} on the {response.status_code} of {path}"
    body = response.get_data(as_text=True)
    assert not [leak for leak in LEAKS if leak in body], body[:500]
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] in ("internal_error", "unavailable")


def test_an_error_page_that_fails_itself_still_has_the_headers(app, client, admin, monkeypatch):
    """The last line: whatever escapes Flask (here the error page breaks too) is answered with a static
    page that has the headers, not the server's bare 500."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/probe-broken")
    def probe_broken():
        raise RuntimeError("secret detail of a broken page")

    login(client, admin)

    def broken(*args, **kwargs):
        raise RuntimeError("the error page is broken too")

    monkeypatch.setattr(app.jinja_env, "get_or_select_template", broken)  # no template renders any more
    response = client.get("/probe-broken")
    assert response.status_code == 500
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), name
    assert "secret detail" not in response.get_data(as_text=True)
