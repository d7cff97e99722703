"""A facility with a caseworker, a case manager and a resident admitted three days ago; and a second
facility with its own caseworker, who must see none of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from shelter.db import utcnow
from shelter.extensions import db


@dataclass
class World:
    facility: object
    other_facility: object
    caseworker: object
    colleague: object          # another caseworker of the same facility
    case_manager: object
    intake: object
    outsider: object           # a caseworker of the other facility
    resident: object
    stay: object


@pytest.fixture
def make_stay(app):
    from shelter.stays.models import Stay

    def make(resident, facility, *, days_ago: int = 3, caseworker=None, discharged_days_ago: int | None = None):
        now = utcnow()
        stay = Stay(resident_id=resident.id, facility_id=facility.id, admitted_at=now - timedelta(days=days_ago),
                    caseworker_id=caseworker.id if caseworker else None)
        if discharged_days_ago is not None:
            stay.discharged_at = now - timedelta(days=discharged_days_ago)
            stay.discharge_outcome = "reunified"
        db.session.add(stay)
        db.session.commit()
        return stay

    return make


@pytest.fixture
def world(make_facility, make_user, make_resident, make_stay) -> World:
    facility = make_facility()
    other = make_facility()
    caseworker = make_user(roles=("caseworker",), facilities=[facility], full_name="Pekerja Sosial Uji")
    colleague = make_user(roles=("caseworker",), facilities=[facility])
    case_manager = make_user(roles=("case_manager",), facilities=[facility])
    intake = make_user(roles=("intake_staff",), facilities=[facility])
    outsider = make_user(roles=("caseworker",), facilities=[other])
    resident = make_resident(facility)
    stay = make_stay(resident, facility, caseworker=caseworker)
    return World(facility, other, caseworker, colleague, case_manager, intake, outsider, resident, stay)


@pytest.fixture
def api_as(app):
    """``api_as(user)``: an API client with a token of that user; every answer is checked against the
    OpenAPI document (declared status, body valid against its schema)."""
    from tests.api.conftest import Api, token_for

    def make(user):
        return Api(app, token_for(user))

    return make
