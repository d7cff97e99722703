"""Fixtures for the facility tests. Users see English here, so the tests can read the messages
whatever the Indonesian catalogue says."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def login_as(login_as, client):
    def do(user, password=PASSWORD):
        logged_in = login_as(user, password)
        logged_in.post("/language", data={"locale": "en", "next": "/"})
        return logged_in

    return do


@pytest.fixture
def as_admin(admin, login_as):
    return login_as(admin)
