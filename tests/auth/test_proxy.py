"""Behind the README's proxy every request comes from 127.0.0.1: TRUSTED_PROXIES=1 makes the app see the
client's own address (Werkzeug's ProxyFix), for the audit trail, sessions and login throttles alike;
with the default 0 a forged X-Forwarded-For changes nothing (issue 9, 2.2)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.auth.models import LoginAttempt, UserSession
from shelter.config import Config, ConfigError
from shelter.extensions import db
from tests.conftest import PASSWORD, audit_events

PROXY = "127.0.0.1"
WRONG = "not the password"


def via_proxy(client, email, password, client_ip):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": PROXY},
                       headers={"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https",
                                "X-Forwarded-Host": "shelter.example.go.id"})


def test_the_setting_is_read_from_the_environment_and_checked():
    base = {"SHELTER_ENV": "production", "SECRET_KEY": "s" * 48, "FIELD_ENCRYPTION_KEYS": "a" * 43}
    assert Config.from_env(base).trusted_proxies == 0
    assert Config.from_env({**base, "TRUSTED_PROXIES": "1"}).trusted_proxies == 1
    for bad in ("-1", "11", "one"):
        with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
            Config.from_env({**base, "TRUSTED_PROXIES": bad})


class TestBehindOneProxy:
    @pytest.fixture
    def config_overrides(self):
        return {"trusted_proxies": 1}

    def test_audit_sessions_and_attempts_see_the_client_address(self, app, client, make_user):
        user = make_user()
        assert via_proxy(client, user.email, PASSWORD, "198.51.100.7").status_code == 302
        db.session.expire_all()
        assert db.session.scalars(sa.select(UserSession.ip_address)).all() == ["198.51.100.7"]
        assert db.session.scalars(sa.select(LoginAttempt.ip_address)).all() == ["198.51.100.7"]
        assert [e.ip_address for e in audit_events("auth.login.success")] == ["198.51.100.7"]

    def test_a_noisy_client_does_not_throttle_the_others_behind_the_same_proxy(self, app, make_user):
        user = make_user()
        email = user.email
        limit = app.config["SHELTER"].ip_max_failures
        noisy = app.test_client()
        for n in range(limit):
            assert via_proxy(noisy, f"guess{n}@shelter.test", WRONG, "203.0.113.9").status_code == 401
        assert via_proxy(noisy, email, PASSWORD, "203.0.113.9").status_code == 401  # that client is throttled
        assert via_proxy(app.test_client(), email, PASSWORD, "198.51.100.7").status_code == 302

    def test_scheme_and_host_are_the_public_ones(self, app):
        from werkzeug.middleware.proxy_fix import ProxyFix

        assert isinstance(app.wsgi_app, ProxyFix)
        assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 1)
        assert (app.wsgi_app.x_port, app.wsgi_app.x_prefix) == (0, 0)


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(app, client, make_user):
    user = make_user()
    assert via_proxy(client, user.email, PASSWORD, "198.51.100.7").status_code == 302
    db.session.expire_all()
    assert db.session.scalars(sa.select(UserSession.ip_address)).all() == [PROXY]
    assert [e.ip_address for e in audit_events("auth.login.success")] == [PROXY]
