"""A small world with real records for the documents' tests (dashboard, monthly report, sign-off, the
Chromium test): two panti, a few stays in last month (WIB), some discharged, and a user of every kind
the reports care about. The figures themselves are the figures helper's to check (tests/reports/test_*
of figures); here they only need to be there, and the same on every document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from shelter.extensions import db
from shelter.localtime import local_today, zone
from shelter.reports.model import Period
from shelter.reports.scopes import default_period


@dataclass
class World:
    period: Period
    facility: object
    other: object
    manager: object  # facility manager of ``facility``
    caseworker: object  # caseworker of ``facility``
    outsider: object  # caseworker of ``other``
    case_manager: object
    admin: object


def at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone())


def build_world(make_facility, make_room, make_bed, make_user, make_resident, *, stays: int = 5) -> World:
    from shelter.stays import service as stays_service

    period = default_period(local_today())
    facility = make_facility(name="Panti Uji Anggrek")
    other = make_facility(name="Panti Uji Melati", kota="jakarta_barat")
    manager = make_user(roles=("facility_manager",), facilities=[facility])
    caseworker = make_user(roles=("caseworker",), facilities=[facility])
    outsider = make_user(roles=("caseworker",), facilities=[other])
    case_manager = make_user(roles=("case_manager",), facilities=[other])
    admin = make_user(roles=("admin",), email=f"admin-{facility.id}@shelter.test")
    intake = make_user(roles=("intake_staff",), facilities=[facility, other])
    for place, count in ((facility, stays), (other, 2)):
        room = make_room(facility=place)
        beds = [make_bed(room=room) for _ in range(count + 1)]
        for i in range(count):
            resident = make_resident(place)
            stay = stays_service.admit(resident, beds[i], by=intake)
            admitted = at(period.start + timedelta(days=2 * i + 1))
            stay.admitted_at = admitted
            for assignment in stay.assignments:
                assignment.started_at = admitted
            db.session.flush()
            if i % 2 == 0:
                stays_service.discharge(stay, outcome="reunified", by=intake, at=at(period.start + timedelta(days=20 + i)))
            db.session.commit()
    return World(period, facility, other, manager, caseworker, outsider, case_manager, admin)
