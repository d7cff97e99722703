"""A small world for the plan tests: one panti with a resident staying, its caseworker and case
manager, and the same roles in another facility (who must see nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from shelter.db import utcnow
from shelter.extensions import db


@dataclass
class World:
    facility: object
    other_facility: object
    resident: object
    stay: object
    caseworker: object
    case_manager: object
    other_caseworker: object
    other_case_manager: object
    intake: object
    admin: object


@pytest.fixture
def world(app, make_facility, make_user, make_resident, admin):
    from shelter.stays.models import Stay

    facility, other = make_facility(), make_facility()
    resident = make_resident(facility)
    caseworker = make_user(roles=("caseworker",), facilities=[facility], full_name="Pekerja Sosial Uji")
    stay = Stay(resident_id=resident.id, facility_id=facility.id, admitted_at=utcnow() - timedelta(days=10),
                caseworker_id=caseworker.id)
    db.session.add(stay)
    db.session.commit()
    return World(
        facility=facility, other_facility=other, resident=resident, stay=stay, caseworker=caseworker,
        case_manager=make_user(roles=("case_manager",), facilities=[facility], full_name="Manajer Kasus Uji"),
        other_caseworker=make_user(roles=("caseworker",), facilities=[other]),
        other_case_manager=make_user(roles=("case_manager",), facilities=[other]),
        intake=make_user(roles=("intake_staff",), facilities=[facility]),
        admin=admin,
    )


def goal(domain="family", description="Bertemu kembali dengan ibunya", target=None, **more):
    from shelter.plans.service import GoalInput, local_today

    return GoalInput(domain=domain, description=description, interventions=more.pop("interventions", "Kunjungan"),
                     target_date=target or (local_today() + timedelta(days=60)), **more)


@pytest.fixture
def make_plan(world):
    """``make_plan(goals=3, approved=True)``: a plan of the world's stay built through the service."""
    from shelter.plans import service

    def make(goals: int = 2, *, submitted: bool = False, approved: bool = False):
        plan = service.create_plan(world.stay, by=world.caseworker)
        domains = ["family", "therapy", "vocational", "education", "legal"]
        for i in range(goals):
            service.add_goal(plan, goal(domains[i % len(domains)], f"Tujuan rekaan {i + 1}"), by=world.caseworker)
        if submitted or approved:
            service.submit(plan, by=world.caseworker)
        if approved:
            service.approve(plan, by=world.case_manager)
        db.session.commit()
        return plan

    return make


def days_ago(n: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=n)


def local(d: date) -> str:
    return d.isoformat()


@pytest.fixture
def user_client(app):
    """``user_client(user, english=False)``: a new client logged in as that user (one per person)."""
    from tests.conftest import login

    def make(user, english: bool = False):
        client = app.test_client()
        assert login(client, user).status_code == 302
        if english:
            client.post("/language", data={"locale": "en", "next": "/"})
        return client

    return make
