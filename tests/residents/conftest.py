"""Fixtures for the resident pages: two facilities with their staff, a resident factory, English UI
(so the tests read the English messages whatever the Indonesian catalogue says)."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from shelter.extensions import db
from shelter.residents.models import Resident, ResidentCategory
from tests.conftest import PASSWORD

_n = count(1)


@pytest.fixture
def login_as(login_as, client):
    def do(user, password=PASSWORD):
        logged_in = login_as(user, password)
        logged_in.post("/language", data={"locale": "en", "next": "/"})
        return logged_in

    return do


@pytest.fixture
def make_resident(app, make_facility):
    def make(facility=None, *, categories=(), **overrides):
        values = dict(full_name=f"Penghuni Rekaan {next(_n)}", sex="female", birth_date=date(1995, 3, 14),
                      risk_level="low")
        values.update(overrides)
        resident = Resident(registered_facility_id=(facility or make_facility()).id, **values)
        resident.category_rows = [ResidentCategory(category=c) for c in categories]
        db.session.add(resident)
        db.session.commit()
        return resident

    return make


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
