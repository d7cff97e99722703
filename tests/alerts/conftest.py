"""Fixtures for the capacity alerts: a facility with one room of beds, its manager with a phone, a rule."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.notifications.models import OutboundMessage


@pytest.fixture
def staff(make_user):
    return make_user(roles=("intake_staff",))


@pytest.fixture
def ward(make_facility, make_room, make_bed):
    """A panti with one women's room of 12 beds."""
    facility = make_facility(name="Panti Rahasia Uji", code="PSBK-UJI", address="Jl. Alamat Rahasia No. 7")
    room = make_room(facility, sex="female", age_group="adult")
    beds = [make_bed(room, label=f"A{n:02d}") for n in range(12)]
    return facility, beds


@pytest.fixture
def make_person(make_user):
    """A user with (optionally) a phone and an SMS opt-out, which create_user does not take."""

    def make(*, phone=None, sms_opt_out=False, **kwargs):
        user = make_user(**kwargs)
        user.phone, user.sms_opt_out = phone, sms_opt_out
        db.session.commit()
        return user

    return make


@pytest.fixture
def manager(make_person, ward):
    facility, _ = ward
    return make_person(roles=("facility_manager",), facilities=[facility], phone="+6281255501101",
                       email="manager@example.org")


def make_rule(facility, recipients, *, by=None, **values):
    from shelter.alerts import service

    values.setdefault("max_free_beds", 2)
    rule = service.create_rule(facility, by=by, recipient_ids=[u.id for u in recipients], **values)
    db.session.commit()
    return rule


def alerts(kind=None):
    from shelter.alerts.models import CapacityAlert

    db.session.expire_all()
    query = sa.select(CapacityAlert).order_by(CapacityAlert.id)
    if kind:
        query = query.where(CapacityAlert.kind == kind)
    return list(db.session.scalars(query).unique())


def messages():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboundMessage).where(OutboundMessage.purpose == "capacity.alert")
                                   .order_by(OutboundMessage.id)))
