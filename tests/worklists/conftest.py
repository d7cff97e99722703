"""Two facilities with their staff, and a helper that admits a resident into facility A."""

from __future__ import annotations

import pytest

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
