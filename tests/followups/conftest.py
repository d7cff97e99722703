"""Fixtures for the follow-up tests: a panti with its staff, a resident staying there, and helpers to
discharge and to read the outbox. Users see English, so tests read English messages."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.followups.models import FollowUp
from shelter.notifications.models import OutboundMessage


@pytest.fixture
def login_as(login_in_english, client):
    def do(user, password=None):
        client.post("/logout")
        return login_in_english(user) if password is None else login_in_english(user, password)

    return do


@pytest.fixture
def make_user(make_user):
    """The root factory, plus ``phone`` and ``sms_opt_out`` (set after the account is created)."""

    def make(*, phone=None, sms_opt_out=False, **kwargs):
        user = make_user(**kwargs)
        user.phone, user.sms_opt_out = phone, sms_opt_out
        db.session.commit()
        return user

    return make


@pytest.fixture
def world(make_facility, make_room, make_bed, make_user, make_resident):
    a = make_facility(name="Panti Bakti Uji")
    b = make_facility(name="Rumah Aman Cemara", kind="rumah_aman", code="RA-CEMARA", address="Jl. Rahasia Cemara 9")
    room = make_room(facility=a)
    beds = [make_bed(room=room) for _ in range(4)]
    b_bed = make_bed(room=make_room(facility=b))
    return dict(
        a=a, b=b, beds=beds, b_bed=b_bed,
        intake=make_user(roles=("intake_staff",), facilities=[a], email="intake@example.org"),
        caseworker=make_user(roles=("caseworker",), facilities=[a], email="peksos@example.org",
                             full_name="Sri Peksos", phone="+6281255501001"),
        caseworker2=make_user(roles=("caseworker",), facilities=[a], email="peksos2@example.org",
                              full_name="Tono Peksos", phone="+6281255501002"),
        manager=make_user(roles=("case_manager",), facilities=[a], email="mk@example.org",
                          full_name="Mira Manajer", phone="+6281255501003"),
        b_caseworker=make_user(roles=("caseworker",), facilities=[b], email="peksos.b@example.org",
                               phone="+6281255501004"),
        b_manager=make_user(roles=("case_manager",), facilities=[b], email="mk.b@example.org"),
        resident=make_resident(a, full_name="Siti Rahmawati Contoh", nik="3171234567890001"),
        b_resident=make_resident(b, full_name="Dewi Anggraini Contoh"),
    )


def admit_and_discharge(resident, bed, *, intake, outcome="reunified", caseworker=None, at=None):
    """Admit now (or at ``at`` minus a day) and discharge with ``outcome``; returns the stay."""
    from datetime import timedelta

    from shelter.stays import service as stays

    stay = stays.admit(resident, bed, by=intake)
    if at is not None:
        stay.admitted_at = at - timedelta(days=1)
        stay.assignments[0].started_at = at - timedelta(days=1)
    if caseworker is not None:
        stays.assign_caseworker(stay, caseworker, by=intake)
    db.session.flush()
    stays.discharge(stay, outcome=outcome, by=intake, at=at)
    db.session.commit()
    return stay


def schedule(stay) -> list[FollowUp]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == stay.id).order_by(FollowUp.step)))


def outbox(purpose: str | None = None) -> list[OutboundMessage]:
    db.session.expire_all()
    query = sa.select(OutboundMessage).order_by(OutboundMessage.id)
    if purpose:
        query = query.where(OutboundMessage.purpose == purpose)
    return list(db.session.scalars(query))


def wib(year, month, day, hour=0, minute=0) -> datetime:
    """A WIB wall-clock time as an aware UTC datetime."""
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(timezone.utc)
