"""Fixtures for the facility tests. Users see English here, so the tests can read the messages
whatever the Indonesian catalogue says."""

import pytest



@pytest.fixture
def login_as(login_in_english):
    return login_in_english


@pytest.fixture
def as_admin(admin, login_as):
    return login_as(admin)
