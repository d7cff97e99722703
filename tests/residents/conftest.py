"""Fixtures for the resident pages: two facilities with their staff, English UI
(so the tests read the English messages whatever the Indonesian catalogue says)."""

from __future__ import annotations

import pytest


@pytest.fixture
def login_as(login_in_english):
    return login_in_english




@pytest.fixture
def facility_a(make_facility):
    return make_facility(name="Panti Sosial Uji A")


@pytest.fixture
def facility_b(make_facility):
    return make_facility(name="Rumah Aman Melati", kind="rumah_aman", address="Jl. Rahasia No. 7")


@pytest.fixture
def intake_a(make_user, facility_a):
    return make_user(roles=("intake_staff",), facilities=[facility_a])


@pytest.fixture
def caseworker_a(make_user, facility_a):
    return make_user(roles=("caseworker",), facilities=[facility_a])
