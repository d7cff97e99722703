"""Login throttling, stored in the database: per account (5 failures within a minute lock it for
15 minutes, across app instances) and per client address (many failures with any emails)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from shelter import create_app
from shelter.auth.models import LoginAttempt
from shelter.config import Config
from shelter.extensions import db
from tests.conftest import PASSWORD, CsrfClient

WRONG = "not the password"
ATTACKER_IP = "203.0.113.9"


def attempt(client, email: str, password: str, ip: str = "192.0.2.10"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def last_outcome() -> str:
    db.session.rollback()  # see what the requests (possibly of another app) committed
    return db.session.scalars(sa.select(LoginAttempt.outcome).order_by(LoginAttempt.id.desc()).limit(1)).one()


def release_test_transaction() -> None:
    """SQLite transactions take the write lock up front; end ours before another app writes."""
    db.session.rollback()


@pytest.fixture
def second_app(database_url):
    """Another app instance (another process, in production) on the same database."""
    other = create_app(Config.for_tests(database_url))
    other.test_client_class = CsrfClient
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def email(make_user) -> str:
    user = make_user(email="locked.out@shelter.test")
    email = user.email
    release_test_transaction()
    return email


# --- per account -------------------------------------------------------------------------------

def test_five_failures_lock_the_account_on_every_app_instance(client, second_app, email):
    for _ in range(5):
        assert attempt(client, email, WRONG).status_code == 401
    assert last_outcome() == "failure"
    release_test_transaction()

    other = second_app.test_client()
    response = attempt(other, email, PASSWORD, ip="198.51.100.20")  # right password, another address
    assert response.status_code == 401
    assert last_outcome() == "locked"
    release_test_transaction()
    assert other.get("/").status_code == 302  # not logged in
    assert attempt(client, email.upper(), PASSWORD).status_code == 401  # the email's case does not matter


def test_four_failures_do_not_lock(client, email):
    for _ in range(4):
        attempt(client, email, WRONG)
    assert attempt(client, email, PASSWORD).status_code == 302


def test_lockout_ends_after_the_lockout_period(client, email):
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=True) as traveller:
        for _ in range(5):
            attempt(client, email, WRONG)
        traveller.move_to(start + timedelta(minutes=14))
        assert attempt(client, email, PASSWORD).status_code == 401
        assert last_outcome() == "locked"
        traveller.move_to(start + timedelta(minutes=15, seconds=5))
        assert attempt(client, email, PASSWORD).status_code == 302


def test_failures_spread_over_more_than_a_minute_do_not_lock(client, email):
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        for n in range(5):  # at 0, 16, 32, 48 and 64 seconds
            traveller.move_to(start + timedelta(seconds=16 * n))
            assert attempt(client, email, WRONG).status_code == 401
        assert attempt(client, email, PASSWORD).status_code == 302


def test_five_failures_spread_over_56_seconds_lock(client, email):
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        for n in range(5):  # at 0, 14, 28, 42 and 56 seconds
            traveller.move_to(start + timedelta(seconds=14 * n))
            attempt(client, email, WRONG)
        assert attempt(client, email, PASSWORD).status_code == 401
        assert last_outcome() == "locked"


def test_a_locked_account_does_not_lock_others(client, email, make_user):
    other = make_user(email="colleague@shelter.test")
    other_email = other.email
    for _ in range(5):
        attempt(client, email, WRONG)
    assert attempt(client, other_email, PASSWORD).status_code == 302


# --- per client address ------------------------------------------------------------------------

def test_many_failures_from_one_address_refuse_further_attempts(app, client, second_app, email):
    limit = app.config["SHELTER"].ip_max_failures
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=True) as traveller:
        for n in range(limit):  # a different, unknown email each time: no account gets locked
            assert attempt(client, f"guess{n}@shelter.test", WRONG, ip=ATTACKER_IP).status_code == 401
        assert last_outcome() == "failure"
        release_test_transaction()

        # Refused even with a right password, on another app instance too.
        other = second_app.test_client()
        assert attempt(other, email, PASSWORD, ip=ATTACKER_IP).status_code == 401
        assert last_outcome() == "throttled"
        release_test_transaction()
        # Other addresses are not affected, and the account itself is not locked.
        assert attempt(app.test_client(), email, PASSWORD, ip="198.51.100.30").status_code == 302

        traveller.move_to(start + timedelta(seconds=app.config["SHELTER"].ip_failure_window_seconds + 60))
        assert attempt(app.test_client(), email, PASSWORD, ip=ATTACKER_IP).status_code == 302


def test_just_below_the_address_limit_is_not_throttled(app, client, email):
    for n in range(app.config["SHELTER"].ip_max_failures - 1):
        attempt(client, f"guess{n}@shelter.test", WRONG, ip=ATTACKER_IP)
    assert attempt(client, email, PASSWORD, ip=ATTACKER_IP).status_code == 302


# --- a longer window, and locks that grow (issue 9, 2.3) ------------------------------------------------

def dodge_the_minute_window(client, traveller, at: datetime, email: str, failures: int,
                            *, pause_first: bool = True) -> datetime:
    """What the review did: 4 wrong passwords a second apart, then a pause, so that no 5 fall within one
    minute (12 of them in just over 2 minutes). Returns the time of the last one."""
    for n in range(failures):
        if n % 4 == 0 and (n or pause_first):
            at += timedelta(seconds=61)
        else:
            at += timedelta(seconds=1)
        traveller.move_to(at)
        response = attempt(client, email, WRONG)
        assert response.status_code == 401
        assert last_outcome() == "failure", f"failure {n + 1} was not even checked"
    return at


def test_failures_spread_to_dodge_the_minute_window_still_lock_and_each_lock_lasts_longer(app, client, email):
    long_limit = app.config["SHELTER"].login_long_max_failures
    assert long_limit <= 20
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        at = dodge_the_minute_window(client, traveller, start, email, 12, pause_first=False)
        assert at - start < timedelta(minutes=2, seconds=15)
        at = dodge_the_minute_window(client, traveller, at, email, long_limit - 12)

        # Locked now, even for the right password; the first lock lasts LOGIN_LOCKOUT_MINUTES.
        traveller.move_to(at + timedelta(seconds=1))
        assert attempt(client, email, PASSWORD).status_code == 401
        assert last_outcome() == "locked"
        traveller.move_to(at + timedelta(minutes=14, seconds=50))
        assert attempt(client, email, PASSWORD).status_code == 401
        traveller.move_to(at + timedelta(minutes=15, seconds=5))
        assert attempt(client, email, PASSWORD).status_code == 302
        client.post("/logout")

        # The same again the same day (from browsers the account never used): the lock lasts twice as long.
        at = dodge_the_minute_window(app.test_client(), traveller, at + timedelta(minutes=16), email, long_limit)
        traveller.move_to(at + timedelta(minutes=29, seconds=50))
        assert attempt(app.test_client(), email, PASSWORD).status_code == 401
        assert last_outcome() == "locked"
        traveller.move_to(at + timedelta(minutes=30, seconds=5))
        assert attempt(app.test_client(), email, PASSWORD).status_code == 302


def test_each_lock_within_a_day_lasts_twice_as_long_as_the_one_before(client, email):
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        at = start
        for minutes in (15, 30, 60):
            for _ in range(5):
                assert attempt(client, email, WRONG).status_code == 401
            traveller.move_to(at + timedelta(minutes=minutes) - timedelta(seconds=10))
            assert attempt(client, email, PASSWORD).status_code == 401
            assert last_outcome() == "locked"
            at += timedelta(minutes=minutes, seconds=5)
            traveller.move_to(at)
        # A day without a lock, and the next lock is the first one again.
        at += timedelta(hours=24, minutes=1)
        traveller.move_to(at)
        for _ in range(5):
            attempt(client, email, WRONG)
        traveller.move_to(at + timedelta(minutes=15, seconds=5))
        assert attempt(client, email, PASSWORD).status_code == 302
