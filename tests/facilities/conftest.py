"""Fixtures for the facility tests."""

import pytest


@pytest.fixture
def as_admin(admin, login_as):
    return login_as(admin)
