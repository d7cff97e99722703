"""Login throttling under real concurrency: separate apps (own engines, connections and sessions) in
threads, released together by a barrier (issue 9, 2.3: 40 parallel wrong passwords were checked 8 times
with a limit of 5). Apps are built before the threads start (see tests/programmes/test_concurrency.py)."""

from __future__ import annotations

import threading
import time

import pytest

from shelter import create_app
from shelter.auth import service
from shelter.config import Config
from shelter.extensions import db
from tests.conftest import CsrfClient

RACERS = 20
WRONG = "not the password"


@pytest.fixture
def counted_checks(monkeypatch):
    """Count the password checks; each takes as long as a production argon2 check, so they overlap."""
    checks: list[int] = []
    lock = threading.Lock()
    real = service.verify_password

    def verify(password_hash, password):
        with lock:
            checks.append(1)
        time.sleep(0.05)
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", verify)
    return checks


def race_logins(database_url: str, email: str, password: str) -> list:
    apps = [create_app(Config.for_tests(database_url)) for _ in range(RACERS)]
    clients = []
    for racer in apps:
        racer.test_client_class = CsrfClient
        client = racer.test_client()
        client.csrf_token()  # the login page was loaded before: the session has its CSRF secret
        clients.append(client)
    barrier = threading.Barrier(RACERS, timeout=30)
    results: list = [None] * RACERS

    def run(i: int) -> None:
        ip = f"198.51.100.{i + 1}"  # a botnet: one address each, so only the account's limit applies
        try:
            barrier.wait()
            response = clients[i].post("/login", data={"email": email, "password": password},
                                       environ_base={"REMOTE_ADDR": ip})
            results[i] = response.status_code
        except Exception as error:  # noqa: BLE001 — any unexpected outcome is the failure we look for
            barrier.abort()
            results[i] = repr(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for racer in apps:
        with racer.app_context():
            db.session.remove()
            db.engine.dispose()
    return results


def test_parallel_wrong_passwords_are_checked_at_most_the_limit(app, database_url, make_user, counted_checks):
    email = make_user().email
    db.session.rollback()  # end the test body's transaction: SQLite writers would wait for it
    results = race_logins(database_url, email, WRONG)
    assert results == [401] * RACERS, results
    limit = app.config["SHELTER"].login_max_failures
    assert len(counted_checks) <= limit, f"{len(counted_checks)} password checks, limit {limit}"



def test_one_code_sent_by_several_requests_at_once_is_accepted_once(app, database_url, make_user):
    """Two-step sign-in (issue 14): a code seen over a shoulder and replayed in parallel with the user's own
    request signs in one of them only (the conditional UPDATE of the last accepted step)."""
    import pyotp

    from shelter.auth import twostep
    from shelter.auth.models import TwoStep, User
    from shelter.db import utcnow

    racers = 8
    user = make_user(roles=("admin",))
    secret = pyotp.random_base32()
    db.session.add(TwoStep(user_id=user.id, secret=secret, confirmed_at=utcnow()))
    db.session.commit()
    user_id, code = user.id, pyotp.TOTP(secret).now()
    keys = app.config["SHELTER"].field_encryption_keys
    apps = [create_app(Config.for_tests(database_url, field_encryption_keys=keys)) for _ in range(racers)]
    barrier = threading.Barrier(racers, timeout=30)
    results: list = [None] * racers

    def run(i: int) -> None:
        with apps[i].app_context():
            try:
                racer = db.session.get(User, user_id)
                db.session.commit()  # no transaction (on SQLite: no write lock) held while waiting
                barrier.wait()
                twostep.check_code(racer, code)
                db.session.commit()
                results[i] = "accepted"
            except twostep.CodeRefused:
                results[i] = "refused"
            except twostep.CodesLocked:
                results[i] = "locked"
            except Exception as error:  # noqa: BLE001
                barrier.abort()
                results[i] = repr(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results.count("accepted") == 1, results
    assert set(results) <= {"accepted", "refused", "locked"}, results
