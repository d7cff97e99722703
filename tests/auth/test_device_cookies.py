"""OWASP's device cookies (issue 9, 2.2): a browser that logged in to an account before is not held
back by the failures of strangers, however many share its address; its own failures count against
its cookie. A browser without one, or with a forged or borrowed one, is limited as before."""

from __future__ import annotations

import json

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import PASSWORD

SHARED = "127.0.0.1"  # behind the README's proxy (TRUSTED_PROXIES unset) everyone has this address
WRONG = "not the password"
COOKIE = "shelter_device"


def attempt(client, email: str, password: str, ip: str = SHARED):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def known_browser(app, user):
    """A browser on which the user logged in before (and logged out)."""
    browser = app.test_client()
    assert attempt(browser, user.email, PASSWORD).status_code == 302
    assert browser.get_cookie(COOKIE) is not None
    browser.post("/logout")
    return browser


def lock_everything(app, email: str) -> None:
    """What the review did: the account's own lock, then 30 failures with made-up emails."""
    stranger = app.test_client()
    for _ in range(app.config["SHELTER"].login_max_failures):
        assert attempt(stranger, email, WRONG).status_code == 401
    for n in range(app.config["SHELTER"].ip_max_failures):
        attempt(stranger, f"made.up.{n}@shelter.test", WRONG)


@pytest.fixture
def caseworker(make_user):
    return make_user(email="caseworker@shelter.test", full_name="Dewi Lestari")


def test_strangers_failing_from_the_shared_address_do_not_lock_out_a_known_browser(app, caseworker):
    email = caseworker.email
    browser = known_browser(app, caseworker)
    lock_everything(app, email)

    assert attempt(app.test_client(), email, PASSWORD).status_code == 401  # a new browser is still held back
    response = attempt(browser, email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert browser.get("/").status_code == 200


def test_the_cookie_is_httponly_lax_long_lived_and_holds_no_personal_data(app, caseworker):
    client = app.test_client()
    response = attempt(client, caseworker.email, PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=lax" in header.lower()
    max_age = int(header.lower().split("max-age=")[1].split(";")[0])
    assert max_age >= 90 * 24 * 3600
    value = client.get_cookie(COOKIE).value
    data = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="shelter-device").loads(value)
    assert [entry[0] for entry in data] == [caseworker.id]  # the user id and an opaque random id, nothing else
    assert all(len(entry) == 2 and isinstance(entry[1], str) and len(entry[1]) >= 20 for entry in data)
    for personal in ("caseworker", "shelter.test", "@", "Dewi", "Lestari"):
        assert personal not in json.dumps(data) and personal not in value


class TestInProduction:
    @pytest.fixture
    def config_overrides(self):
        return {"env": "production"}

    def test_the_cookie_is_secure(self, app, caseworker):
        response = attempt(app.test_client(), caseworker.email, PASSWORD)
        header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
        assert "; Secure" in header


def _signed_elsewhere(app, value: str) -> str:
    """The same content, signed with a key that is not the app's (what a forger can make)."""
    data = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="shelter-device").loads(value)
    return URLSafeTimedSerializer("another-secret", salt="shelter-device").dumps(data)


@pytest.mark.parametrize("forgery", ["garbage", "signed with another key", "a colleague's", "tampered"])
def test_a_forged_or_borrowed_device_cookie_does_not_bypass(app, caseworker, make_user, forgery):
    email = caseworker.email
    colleague = make_user()
    real = known_browser(app, caseworker).get_cookie(COOKIE).value
    values = {
        "garbage": "not-a-device-cookie",
        "signed with another key": _signed_elsewhere(app, real),
        "a colleague's": known_browser(app, colleague).get_cookie(COOKIE).value,
        "tampered": real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB"),
    }
    lock_everything(app, email)
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, values[forgery])
    assert attempt(attacker, email, PASSWORD).status_code == 401
    assert attacker.get("/").status_code == 302


def test_a_stolen_device_cookie_gets_a_few_guesses_then_counts_as_a_stranger(app, caseworker):
    email = caseworker.email
    stolen = known_browser(app, caseworker).get_cookie(COOKIE).value
    lock_everything(app, email)
    thief = app.test_client()
    thief.set_cookie(COOKIE, stolen)
    limit = app.config["SHELTER"].login_max_failures
    for _ in range(limit):  # failures with the cookie count against the cookie…
        assert attempt(thief, email, WRONG).status_code == 401
    # …which is now locked: the browser is a stranger again, and the account and address locks apply.
    response = attempt(thief, email, PASSWORD)
    assert response.status_code == 401
    assert thief.get("/").status_code == 302


def test_a_device_cookie_is_only_for_its_own_account(app, caseworker, make_user):
    colleague = make_user()
    browser = known_browser(app, caseworker)
    lock_everything(app, colleague.email)
    assert attempt(browser, colleague.email, PASSWORD).status_code == 401  # known for the caseworker only
    assert attempt(browser, caseworker.email, PASSWORD).status_code == 302


def test_one_browser_can_be_known_for_several_accounts(app, caseworker, make_user):
    """A shared office computer: each caseworker who logged in on it keeps it as a known browser."""
    colleague = make_user()
    browser = app.test_client()
    for user in (caseworker, colleague):
        assert attempt(browser, user.email, PASSWORD).status_code == 302
        browser.post("/logout")
    lock_everything(app, caseworker.email)
    for user in (caseworker, colleague):
        assert attempt(browser, user.email, PASSWORD).status_code == 302
        browser.post("/logout")
