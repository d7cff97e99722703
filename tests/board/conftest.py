"""Fixtures for the board tests: residents (shared with the stays tests), staff of a facility, and
users who see English, so the tests can read the messages whatever the Indonesian catalogue says."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def login_as(login_as, client):
    def do(user, password=PASSWORD):
        logged_in = login_as(user, password)
        logged_in.post("/language", data={"locale": "en", "next": "/"})
        return logged_in

    return do
