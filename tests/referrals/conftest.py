"""Factories for the referral tests: partners, referrals, and a panti with a family room."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from shelter.db import utcnow
from shelter.extensions import db

_seq = itertools.count(1)


@pytest.fixture
def make_partner(app):
    from shelter.referrals.models import Partner

    def make(**overrides):
        n = next(_seq)
        values = dict(name=f"Unit PPA Polres Rekaan {n}", kind="police_ppa", kota="jakarta_timur",
                      contact_name=f"Bripka Rekaan {n}", contact_phone="+628125550101")
        values.update(overrides)
        partner = Partner(**values)
        db.session.add(partner)
        db.session.commit()
        return partner

    return make


@pytest.fixture
def partner(make_partner):
    return make_partner()


def referral_input(partner_id, **overrides):
    from shelter.referrals.rules import ChildInput, ReferralInput

    children = overrides.pop("children", [])
    values = dict(partner_id=partner_id, urgency="emergency", sex="female", age=29, consent_by="person",
                  consent_method="verbal", summary="Korban KDRT, perlu tempat malam ini.",
                  officer_name="Bripka Sari Rekaan", officer_phone="0812-5550-1234", partner_reference="LP/123/XII")
    values.update(overrides)
    data = ReferralInput(**values)
    data.children = [c if isinstance(c, ChildInput) else ChildInput(age=c[0], sex=c[1]) for c in children]
    return data


@pytest.fixture
def make_referral(app, partner):
    from shelter.referrals import service

    def make(by=None, **overrides):
        referral = service.create(referral_input(overrides.pop("partner_id", partner.id), **overrides), by=by)
        db.session.commit()
        return referral

    return make


@pytest.fixture
def case_manager(make_user, make_facility):
    home = make_facility(name="Kantor Dinas Rekaan", code="DINAS-1")
    user = make_user(roles=("case_manager",), facilities=[home], full_name="Manajer Kasus Uji")
    user.phone = "+628125550111"
    db.session.commit()
    return user


@pytest.fixture
def family_panti(make_facility, make_room, make_bed):
    """A panti with a family room of three beds (two with cribs) and a women's room of one bed."""
    panti = make_facility(name="Panti Bakti Rekaan", code="PBR-1")
    family = make_room(panti, name="Kamar Keluarga", sex="mixed_family", age_group="mother_with_children")
    beds = [make_bed(family, label="K1"), make_bed(family, label="K2", has_crib=True),
            make_bed(family, label="K3", has_crib=True)]
    women = make_room(panti, name="Kamar Perempuan", sex="female", age_group="adult")
    beds.append(make_bed(women, label="P1"))
    panti.test_beds = beds
    return panti


@pytest.fixture
def intake_of(make_user):
    def make(facility, **overrides):
        return make_user(roles=("intake_staff",), facilities=[facility], **overrides)
    return make


def deadline(hours=4):
    return utcnow() + timedelta(hours=hours)
