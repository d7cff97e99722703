"""Two facilities with their staff, and a helper that admits a resident into facility A."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.extensions import db


@pytest.fixture
def login_as(login_in_english):
    return login_in_english


@pytest.fixture
def facility_a(make_facility):
    return make_facility(name="Panti Uji A")


@pytest.fixture
def facility_b(make_facility):
    return make_facility(name="Panti Uji B")


@pytest.fixture
def room_a(make_room, facility_a):
    return make_room(facility=facility_a)


@pytest.fixture
def intake_a(make_user, facility_a):
    return make_user(roles=("intake_staff",), facilities=[facility_a], full_name="Petugas A")


@pytest.fixture
def manager_a(make_user, facility_a):
    return make_user(roles=("case_manager",), facilities=[facility_a], full_name="Manajer Kasus A")


@pytest.fixture
def caseworker_a(make_user, facility_a):
    return make_user(roles=("caseworker",), facilities=[facility_a], full_name="Ani Pekerja")


@pytest.fixture
def caseworker_a2(make_user, facility_a):
    return make_user(roles=("caseworker",), facilities=[facility_a], full_name="Budi Pekerja")


@pytest.fixture
def caseworker_b(make_user, facility_b):
    return make_user(roles=("caseworker",), facilities=[facility_b], full_name="Citra Pekerja B")


@pytest.fixture
def admit(make_bed, make_resident, room_a, intake_a):
    """admit(caseworker=None, **resident_fields) -> an open stay in facility A (committed)."""
    from shelter.stays import service as stays

    def do(caseworker=None, room=None, **resident_fields):
        room = room or room_a
        resident = make_resident(room.facility, **resident_fields)
        stay = stays.admit(resident, make_bed(room=room), by=intake_a)
        if caseworker is not None:
            stays.assign_caseworker(stay, caseworker, by=intake_a)
        db.session.commit()
        return stay

    return do


@pytest.fixture
def populate(app, make_bed, make_resident, make_user, room_a, facility_a, caseworker_a, caseworker_a2):
    """populate(n): n residents in facility A through the features' services, every kind of work due today:
    a missing first assessment (overdue), a plan review overdue, a plan waiting for approval, a follow-up
    overdue after going home, and all enrolled in a programme with a session today. Caseworkers take turns
    (a, a2, nobody). Returns the stays."""
    from datetime import time, timedelta

    from shelter.assessments import service as assessments
    from shelter.followups.models import FollowUp
    from shelter.plans import service as plans
    from shelter.plans.models import GoalDomain
    from shelter.programmes import service as programmes
    from shelter.stays import service as stays
    from shelter.worklists.queries import local_today

    insider = make_user(roles=("caseworker", "case_manager", "facility_manager", "intake_staff"),
                        facilities=[facility_a], full_name="Zaki Staf Lengkap")
    today = local_today()
    programme = programmes.create_programme(facility_a, programmes.ProgrammeInput(
        name="Menjahit", capacity=500, starts_on=today, ends_on=today + timedelta(days=6),
        weekdays=list(range(1, 8)), start_time=time(9, 0), duration_minutes=90), by=insider)
    db.session.commit()
    made = []
    workers = [caseworker_a, caseworker_a2, None]

    def do(n: int) -> list:
        for _ in range(n):
            i = len(made)
            resident = make_resident(facility_a, full_name=f"Penghuni Rekaan {i:03d}")
            stay = stays.admit(resident, make_bed(room=room_a), by=insider)
            worker = workers[i % 3]
            if worker is not None:
                stays.assign_caseworker(stay, worker, by=insider)
            stay.admitted_at = stay.admitted_at - timedelta(days=60)  # long enough ago for everything to be due
            kind = i % 4
            if kind in (1, 2):
                assessments.record_assessment(stay, assessments.AssessmentInput(
                    assessed_on=today, risk_level="low", recommendation="rehabilitation",
                    findings={"safety": "Aman."}), by=insider)
                plan = plans.create_plan(stay, by=insider)
                plans.add_goal(plan, plans.GoalInput(domain=next(iter(GoalDomain)).value, description="Tujuan",
                                                     target_date=today + timedelta(days=90)), by=insider)
                plans.submit(plan, by=insider)
                if kind == 1:
                    plans.approve(plan, by=insider)
                    plan.schedule_from = today - timedelta(days=45)  # the 30-day review is 15 days late
            programmes.enrol(programme, resident, by=insider)
            if kind == 3:
                stays.discharge(stay, outcome="reunified", by=insider)
                first = db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == stay.id)
                                           .order_by(FollowUp.step)).first()
                first.due_on = today - timedelta(days=2)
            db.session.commit()
            made.append(stay)
        return made

    return do
