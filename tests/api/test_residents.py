"""GET /residents (scoped, paged, minimal) and POST /residents (intake, with the service's rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from shelter.localtime import local_today
from shelter.residents.models import Resident
from shelter.stays import service as stays
from tests.api.conftest import error_code, fields, row_counts

VALID = {"name": "Dewi Lestari Contoh", "sex": "female", "birth_date": "1990-04-02"}


@pytest.fixture
def places(make_facility, make_room, make_bed):
    a, b = make_facility(name="Panti A"), make_facility(name="Panti B")
    return {"a": a, "b": b, "bed_a": make_bed(room=make_room(facility=a)),
            "bed_b": make_bed(room=make_room(facility=b))}


# --- list --------------------------------------------------------------------------------------------------

def test_list_is_scoped_and_minimal(api_as, make_user, make_resident, places):
    mine = make_resident(places["a"], full_name="Ani Contoh", nik="3174011234567890")
    make_resident(places["b"], full_name="Budi Lain")
    user = make_user(roles=("caseworker",), facilities=[places["a"]])
    response = api_as(user).get("residents")
    assert response.status_code == 200
    body = response.get_json()
    assert [r["id"] for r in body["residents"]] == [mine.id]
    assert body["residents"][0]["name"] == "Ani Contoh"
    text = response.get_data(as_text=True)
    assert "Budi" not in text and "3174011234567890" not in text
    assert body["page"] == 1 and body["has_next"] is False


def test_list_shows_current_stay_only_in_scope(api_as, make_user, make_resident, places):
    here = make_resident(places["a"])
    moved = make_resident(places["a"])
    staff_a = make_user(roles=("intake_staff",), facilities=[places["a"]])
    staff_b = make_user(roles=("intake_staff",), facilities=[places["b"]])
    stay = stays.admit(here, places["bed_a"], by=staff_a)
    stays.admit(moved, places["bed_b"], by=staff_b)  # registered at A, now staying at B
    db.session.commit()
    residents = {r["id"]: r for r in api_as(staff_a).get("residents").get_json()["residents"]}
    assert residents[here.id]["current_stay"] == {"id": stay.id, "facility_id": places["a"].id,
                                                  "bed_id": places["bed_a"].id}
    assert residents[moved.id]["current_stay"] is None  # where they are now is not A's to know


def test_list_pages(api_as, admin, make_resident, places):
    ids = [make_resident(places["a"]).id for _ in range(52)]
    api = api_as(admin)
    first = api.get("residents").get_json()
    assert [r["id"] for r in first["residents"]] == ids[:50] and first["has_next"] is True
    second = api.get("residents?page=2").get_json()
    assert [r["id"] for r in second["residents"]] == ids[50:] and second["has_next"] is False
    assert api.get("residents?page=9").get_json()["residents"] == []
    for bad in ("0", "-1", "abc", "1.5", "9999999", "٣"):
        response = api.get(f"residents?page={bad}")
        assert response.status_code == 422 and "page" in fields(response), bad


def test_list_without_facilities_is_empty(api_as, make_user, make_resident, places):
    make_resident(places["a"])
    assert api_as(make_user(roles=("caseworker",))).get("residents").get_json()["residents"] == []


# --- create ------------------------------------------------------------------------------------------------

def test_intake_registers_in_the_only_facility(api_as, make_user, places):
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    response = api_as(user).post("residents", json={**VALID, "alias": "Dewi", "nik": "3174 0112 3456 7890",
                                                    "categories": ["adult_domestic_violence"],
                                                    "risk_level": "high", "kota_of_origin": "Bekasi"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "Dewi Lestari Contoh" and body["registered_facility_id"] == places["a"].id
    assert body["risk_level"] == "high" and body["current_stay"] is None
    assert "nik" not in body
    resident = db.session.get(Resident, body["id"])
    assert resident.nik == "3174011234567890" and resident.registered_by_id == user.id
    assert [c.category for c in resident.category_rows] == ["adult_domestic_violence"]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "resident.registered"))
    assert event.target_id == resident.id and event.actor_id == user.id


def test_estimated_age_is_enough(api_as, make_user, places):
    user = make_user(roles=("case_manager",), facilities=[places["a"]])
    response = api_as(user).post("residents", json={"name": "Anak Tanpa Akta", "sex": "male", "estimated_age": 9})
    assert response.status_code == 201
    assert response.get_json()["estimated_age"] == 9 and response.get_json()["birth_date"] is None


def test_facility_choice(api_as, make_user, admin, places):
    both = make_user(roles=("facility_manager",), facilities=[places["a"], places["b"]])
    assert fields(api_as(both).post("residents", json=VALID)) == {"facility_id": "required"}
    assert fields(api_as(admin).post("residents", json=VALID)) == {"facility_id": "required"}
    response = api_as(both).post("residents", json={**VALID, "facility_id": places["b"].id})
    assert response.status_code == 201 and response.get_json()["registered_facility_id"] == places["b"].id


def test_facility_outside_scope_is_404(api_as, make_user, places):
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    before = row_counts()
    for facility_id in (places["b"].id, 99999):
        response = api_as(user).post("residents", json={**VALID, "facility_id": facility_id})
        assert response.status_code == 404 and error_code(response) == "not_found"
    assert row_counts() == before


def test_caseworker_cannot_register(api_as, make_user, places):
    user = make_user(roles=("caseworker",), facilities=[places["a"]])
    response = api_as(user).post("residents", json=VALID)
    assert response.status_code == 404


@pytest.mark.parametrize("change, expected", [
    ({"nik": "12345"}, {"nik": "nik_format"}),
    ({"nik": "31740112345678901"}, {"nik": "nik_format"}),
    ({"birth_date": (local_today() + timedelta(days=2)).isoformat()}, {"birth_date": "in_future"}),
    ({"birth_date": "1890-01-01"}, {"birth_date": "too_old"}),
    ({"birth_date": "2024-13-01"}, {"birth_date": "invalid_format"}),
    ({"birth_date": None}, {"birth_date": "age_required"}),
    ({"estimated_age": 121, "birth_date": None}, {"estimated_age": "out_of_range"}),
    ({"sex": "other"}, {"sex": "invalid_choice"}),
    ({"name": "   "}, {"name": "required"}),
    ({"name": ""}, {"name": "required"}),
    ({"name": "x" * 121}, {"name": "too_long"}),
    ({"name": "Ani\x00"}, {"name": "control_characters"}),
    ({"name": 12}, {"name": "invalid_type"}),
    ({"categories": ["not_a_category"]}, {"categories": "invalid_choice"}),
    ({"categories": "adult_trafficking"}, {"categories": "invalid_type"}),
    ({"risk_level": None}, {"risk_level": "invalid_type"}),
    ({"full_name": "Dewi"}, {"full_name": "unknown_field"}),
    ({"facility_id": 0}, {"facility_id": "out_of_range"}),
    ({"facility_id": True}, {"facility_id": "invalid_type"}),
])
def test_invalid_input_is_422_and_writes_nothing(api_as, make_user, places, change, expected):
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    body = {k: v for k, v in {**VALID, **change}.items() if not (v is None and k == "birth_date")}
    before = row_counts()
    response = api_as(user).post("residents", json=body)
    assert response.status_code == 422, response.get_json()
    assert error_code(response) == "invalid"
    assert fields(response) == expected
    assert row_counts() == before


def test_missing_required_fields(api_as, make_user, places):
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    response = api_as(user).post("residents", json={})
    assert fields(response) == {"name": "required", "sex": "required"}


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"x"', b"null", b"\xff\xfe", b"[" * 100000, b"1" * 5000, b""])
def test_malformed_json_is_400(api_as, make_user, places, raw):
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    response = api_as(user).post("residents", data=raw)
    assert response.status_code == 400 and error_code(response) == "bad_request"


def test_likely_duplicates_are_409_unless_allowed(api_as, make_user, make_resident, places):
    first = make_resident(places["a"], full_name="Dewi Lestari Contoh", birth_date=date(1990, 4, 2),
                          nik="3174011234567890")
    elsewhere = make_resident(places["b"], full_name="Dewi Lestari Contoh", birth_date=date(1990, 4, 2))
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    api = api_as(user)
    before = row_counts()
    response = api.post("residents", json=VALID)
    assert response.status_code == 409 and error_code(response) == "possible_duplicates"
    assert response.get_json()["error"]["duplicates"] == [first.id]  # not the one outside A
    assert elsewhere.id not in response.get_json()["error"]["duplicates"]
    assert row_counts() == before
    response = api.post("residents", json={**VALID, "allow_duplicates": True})
    assert response.status_code == 201


def test_guardian_must_be_in_scope(api_as, make_user, make_resident, places):
    mother = make_resident(places["a"])
    other = make_resident(places["b"])
    user = make_user(roles=("intake_staff",), facilities=[places["a"]])
    child = {"name": "Anak Contoh", "sex": "male", "estimated_age": 4}
    assert api_as(user).post("residents", json={**child, "guardian_id": other.id}).status_code == 404
    response = api_as(user).post("residents", json={**child, "guardian_id": mother.id})
    assert response.status_code == 201
    assert db.session.get(Resident, response.get_json()["id"]).guardian_id == mother.id
