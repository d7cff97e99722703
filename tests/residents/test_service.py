from datetime import date, timedelta

import pytest

from shelter.db import utcnow
from shelter.extensions import db
from shelter.residents import service
from shelter.residents.service import ResidentInput


@pytest.fixture
def staff(make_user, make_facility):
    facility = make_facility()
    return make_user(roles=("intake_staff",), facilities=[facility])


def register(staff, **overrides):
    values = dict(full_name="Sari Wulandari Rekaan", sex="female", birth_date=date(1990, 5, 1))
    values.update(overrides)
    resident = service.register(ResidentInput(**values), facility_id=staff.facilities[0].id, by=staff)
    db.session.commit()
    return resident


@pytest.mark.parametrize("overrides, problem", [
    ({"nik": "12345"}, ("nik", "nik_format")),
    ({"nik": "31710112345678ab"}, ("nik", "nik_format")),
    ({"birth_date": utcnow().date() + timedelta(days=1)}, ("birth_date", "in_future")),
    ({"birth_date": None, "estimated_age": None}, ("birth_date", "age_required")),
    ({"estimated_age": 400, "birth_date": None}, ("estimated_age", "out_of_range")),
    ({"full_name": "  "}, ("full_name", "required")),
    ({"full_name": "x" * 121}, ("full_name", "too_long")),
    ({"sex": "other"}, ("sex", "invalid_choice")),
])
def test_bad_input_is_refused_and_nothing_is_written(app, staff, overrides, problem):
    from shelter.residents.models import Resident

    with pytest.raises(service.ResidentInvalid) as error:
        register(staff, **overrides)
    db.session.rollback()
    assert error.value.problems[problem[0]] == problem[1]
    assert db.session.query(Resident).count() == 0
    assert "Sari" not in str(error.value)


def test_nik_is_normalised_and_duplicates_are_found(app, staff):
    first = register(staff, nik="3171 0112 3456 7890")
    assert first.nik == "3171011234567890"
    same_nik = ResidentInput(full_name="Orang Lain", sex="male", estimated_age=40, nik="3171011234567890")
    assert service.likely_duplicates(same_nik) == [first]
    same_name_age = ResidentInput(full_name="Sari Wulandari", sex="female", estimated_age=36)
    assert service.likely_duplicates(same_name_age) == [first]
    stranger = ResidentInput(full_name="Budi Hartono", sex="male", estimated_age=12)
    assert service.likely_duplicates(stranger) == []


def test_a_stale_edit_is_refused(app, staff):
    resident = register(staff)
    opened_at = resident.version
    service.update(resident, ResidentInput(full_name="Sari W. Rekaan", sex="female", birth_date=date(1990, 5, 1)),
                   expected_version=opened_at, by=staff)
    db.session.commit()
    with pytest.raises(service.StaleResident):
        service.update(resident, ResidentInput(full_name="Nama Lain", sex="female", birth_date=date(1990, 5, 1)),
                       expected_version=opened_at, by=staff)
    db.session.rollback()
    assert db.session.get(type(resident), resident.id).full_name == "Sari W. Rekaan"
