from __future__ import annotations

import pytest

from shelter.extensions import db
from tests.conftest import PASSWORD, audit_events, counting_statements, login

NEW_PASSWORD = "initial password 42"


@pytest.fixture(autouse=True)
def fresh_login_per_request(app):
    """Each request finds its own user from its own cookie.

    The ``app`` fixture keeps one app context pushed for the whole test and Flask reuses it for
    every request, so ``g`` (where Flask-Login caches the current user) would carry one client's
    user into another client's request. Tests here drive two browsers at once (an admin and the
    user being managed), so the cache is dropped when each request starts.
    """
    from flask import g, request_started

    def forget_user(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget_user, app)
    yield
    request_started.disconnect(forget_user, app)


@pytest.fixture
def admin_client(client, admin, login_as):
    """The admin's browser, in English so tests can read the messages by their msgids."""
    admin.locale = "en"
    db.session.commit()
    return login_as(admin)


@pytest.fixture
def other_client(app):
    """A second browser, for the user an admin is managing."""
    return app.test_client()


def new_user_form(**overrides) -> dict:
    data = {"email": "Siti.Rahma@Example.org", "full_name": "Siti Rahma", "roles": ["caseworker"],
            "facilities": [], "phone": "", "password": NEW_PASSWORD}
    data.update(overrides)
    return data


__all__ = ["PASSWORD", "NEW_PASSWORD", "login", "audit_events", "new_user_form"]


@pytest.fixture
def count_statements(app):
    """``with count_statements() as statements:`` collects every SQL statement sent meanwhile."""
    return counting_statements
