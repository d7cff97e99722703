"""Programme fixtures: a panti with staff, residents staying there, and programmes made by the service."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from shelter.extensions import db
from shelter.programmes import service
from shelter.stays.models import Stay


@pytest.fixture
def panti(make_facility):
    return make_facility(code="PSBK-PROG", name="Panti Uji Program")


@pytest.fixture
def caseworker(make_user, panti):
    return make_user(roles=("caseworker",), facilities=[panti], email="pekerja@example.org")


@pytest.fixture
def make_stay(app, make_resident, panti):
    """A resident with an open stay (no bed needed for programmes) in ``facility``."""

    def make(facility=None, *, caseworker_id=None, **resident_fields):
        facility = facility or panti
        resident = make_resident(facility, **resident_fields)
        stay = Stay(resident=resident, facility_id=facility.id, caseworker_id=caseworker_id)
        db.session.add(stay)
        db.session.commit()
        return stay

    return make


@pytest.fixture
def make_programme(app, panti, make_user):
    """A programme made through the service, running from a week ago for four weeks, every day."""

    def make(facility=None, *, by=None, **overrides):
        by = by or make_user(roles=("admin",))
        today = service.local_today()
        values = dict(name="Menjahit Uji", capacity=3, starts_on=today - timedelta(days=7),
                      ends_on=today + timedelta(days=21), weekdays=[1, 2, 3, 4, 5, 6, 7],
                      start_time=time(9, 0), duration_minutes=120, trainer="Ibu Pelatih Rekaan")
        values.update(overrides)
        programme = service.create_programme(facility or panti, service.ProgrammeInput(**values), by=by)
        db.session.commit()
        return programme

    return make


def session_on(programme, day: date):
    return next(s for s in programme.sessions if s.session_date == day)
