"""Issue 9, finding 8, through the API: one-line strings (names, codes) are NFKC-normalised before they
are checked and stored, and refuse hidden characters; multi-line text is kept as typed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.residents.models import Resident
from tests.api.conftest import error_code, fields, row_counts

NIK = "3171011234567890"
FULL_WIDTH_NIK = "".join(chr(0xFF10 + int(d)) for d in NIK)
VALID = {"name": "Dewi Lestari Contoh", "sex": "female", "birth_date": "1990-04-02"}


@pytest.fixture
def panti(make_facility):
    return make_facility(name="Panti A")


@pytest.fixture
def intake(make_user, panti):
    return make_user(roles=("intake_staff",), facilities=[panti])


def test_a_full_width_nik_is_stored_as_ascii_digits(api_as, intake):
    response = api_as(intake).post("residents", json={**VALID, "nik": "１２３４ ５６７８ ９０１２ ３４５６"})
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Resident, response.get_json()["id"]).nik == "1234567890123456"


def test_a_full_width_nik_finds_the_resident_with_the_same_ascii_nik(api_as, intake, panti, make_resident):
    existing = make_resident(panti, full_name="Warga Lama Rekaan", nik=NIK)
    before = row_counts()
    response = api_as(intake).post("residents", json={**VALID, "birth_date": "1975-01-01", "nik": FULL_WIDTH_NIK})
    assert response.status_code == 409 and error_code(response) == "possible_duplicates"
    assert response.get_json()["error"]["duplicates"] == [existing.id]
    assert row_counts() == before


@pytest.mark.parametrize("field", ["name", "alias", "kota_of_origin"])
@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\u2067", "\ufeff"])
def test_hidden_characters_in_a_name_are_refused(api_as, intake, field, hidden):
    before = row_counts()
    response = api_as(intake).post("residents", json={**VALID, field: f"Dewi{hidden}Lestari"})
    assert response.status_code == 422
    assert fields(response) == {field: "hidden_characters"}
    assert row_counts() == before


def test_multi_line_text_is_kept_as_typed(api_as, intake):
    response = api_as(intake).post("residents", json={**VALID, "name": "Ｄｅｗｉ", "disabilities": "½ tuli ﬁ"})
    assert response.status_code == 201
    resident = db.session.get(Resident, response.get_json()["id"])
    assert (resident.full_name, resident.disabilities) == ("Dewi", "½ tuli ﬁ")


def test_facility_codes_and_names(api_as, admin):
    api = api_as(admin)
    body = {"kind": "panti", "kota": "jakarta_barat"}
    response = api.post("facilities", json={**body, "code": "ＰＳＢＫ－０９", "name": "Panti Ｂａｋｔｉ"})
    assert response.status_code == 201, response.get_json()
    facility = db.session.get(Facility, response.get_json()["id"])
    assert (facility.code, facility.name) == ("PSBK-09", "Panti Bakti")
    for change, field in (({"code": "RA-\u200bX", "name": "Kenari"}, "code"),
                          ({"code": "RA-X", "name": "Ken\u202eari"}, "name")):
        refused = api.post("facilities", json={**body, **change})
        assert refused.status_code == 422 and fields(refused)[field] in ("hidden_characters", "invalid_format")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facility)) == 1
