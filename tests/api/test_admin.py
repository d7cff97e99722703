"""Creating facilities (admins), rooms and beds (admins, and facility managers in their own facilities)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.facilities.models import Bed, Facility
from tests.api.conftest import error_code, fields, row_counts

FACILITY = {"kind": "rumah_aman", "code": "RA-KENARI", "name": "Kenari", "kota": "jakarta_barat",
            "address": "Jl. Tersembunyi No. 3\nRT 01/RW 02", "phone": "0812 5550 199"}


def test_admin_creates_a_facility_and_never_sees_the_address_back(api_as, admin):
    response = api_as(admin).post("facilities", json=FACILITY)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["code"] == "RA-KENARI" and body["kind"] == "rumah_aman" and body["is_active"] is True
    assert "Tersembunyi" not in response.get_data(as_text=True)
    facility = db.session.get(Facility, body["id"])
    assert facility.address.startswith("Jl. Tersembunyi") and facility.phone == "+628125550199"


def test_duplicate_code_is_409(api_as, admin, make_facility):
    make_facility(code="RA-KENARI")
    before = row_counts()
    response = api_as(admin).post("facilities", json=FACILITY)
    assert response.status_code == 409 and error_code(response) == "code_taken"
    assert fields(response) == {"code": "taken"}
    assert row_counts() == before


@pytest.mark.parametrize("change, expected", [
    ({"code": "ra kenari"}, {"code": "invalid_format"}),
    ({"code": "RA--1"}, {"code": "invalid_format"}),
    ({"code": ""}, {"code": "required"}),
    ({"phone": "12"}, {"phone": "phone_format"}),
    ({"name": " "}, {"name": "required"}),
    ({"name": "Dua\nBaris"}, {"name": "control_characters"}),
    ({"kota": "bandung"}, {"kota": "invalid_choice"}),
    ({"kind": None}, {"kind": "invalid_type"}),
    ({"address": "x" * 501}, {"address": "too_long"}),
])
def test_facility_bad_input(api_as, admin, change, expected):
    before = row_counts()
    response = api_as(admin).post("facilities", json={**FACILITY, **change})
    assert response.status_code == 422 and fields(response) == expected
    assert row_counts() == before


@pytest.mark.parametrize("role", ["facility_manager", "intake_staff", "case_manager", "caseworker"])
def test_only_admins_create_facilities(api_as, make_user, role):
    response = api_as(make_user(roles=(role,))).post("facilities", json=FACILITY)
    assert response.status_code == 404


def test_rooms(api_as, admin, make_user, make_facility):
    a, b = make_facility(), make_facility()
    manager = make_user(roles=("facility_manager",), facilities=[a])
    body = {"name": "Kamar Melati", "sex": "female", "age_group": "child"}
    response = api_as(manager).post(f"facilities/{a.id}/rooms", json=body)
    assert response.status_code == 201
    assert response.get_json()["category"] == "girls" and response.get_json()["facility_id"] == a.id
    again = api_as(admin).post(f"facilities/{a.id}/rooms", json=body)
    assert again.status_code == 409 and error_code(again) == "room_name_taken"
    assert api_as(manager).post(f"facilities/{b.id}/rooms", json=body).status_code == 404
    assert api_as(manager).post("facilities/999999/rooms", json=body).status_code == 404
    intake = make_user(roles=("intake_staff",), facilities=[a])
    assert api_as(intake).post(f"facilities/{a.id}/rooms", json={**body, "name": "Lain"}).status_code == 404
    assert fields(api_as(admin).post(f"facilities/{a.id}/rooms", json={"name": "X", "sex": "any",
                                                                        "age_group": "child"})) == {
        "sex": "invalid_choice"}
    assert api_as(admin).post(f"facilities/{b.id}/rooms", json=body).status_code == 201


def test_one_bed_by_label(api_as, admin, make_room):
    room = make_room(sex="male", age_group="adult")
    response = api_as(admin).post(f"rooms/{room.id}/beds", json={"label": " A-1 ", "wheelchair_accessible": True})
    assert response.status_code == 201
    [bed] = response.get_json()["beds"]
    assert bed["label"] == "A-1" and bed["status"] == "available" and bed["category"] == "men"
    assert bed["wheelchair_accessible"] is True and bed["room"] == room.name


def test_many_beds_at_once_all_or_nothing(api_as, admin, make_room, make_bed):
    room = make_room()
    api = api_as(admin)
    response = api.post(f"rooms/{room.id}/beds", json={"prefix": "A-", "count": 40})
    assert response.status_code == 201
    labels = [b["label"] for b in response.get_json()["beds"]]
    assert labels[0] == "A-01" and labels[-1] == "A-40" and len(labels) == 40
    before = row_counts()
    clash = api.post(f"rooms/{room.id}/beds", json={"prefix": "A-", "first_number": 39, "count": 5})
    assert clash.status_code == 409 and error_code(clash) == "labels_taken"
    assert clash.get_json()["error"]["labels"] == ["A-39", "A-40"]
    assert row_counts() == before
    wide = api.post(f"rooms/{room.id}/beds", json={"count": 3, "first_number": 7, "pad_width": 4})
    assert [b["label"] for b in wide.get_json()["beds"]] == ["0007", "0008", "0009"]


@pytest.mark.parametrize("body, expected", [
    ({}, {"count": "required"}),
    ({"label": "A", "count": 3}, {"count": "not_with_label"}),
    ({"label": "   "}, {"label": "required"}),
    ({"count": 201}, {"count": "out_of_range"}),
    ({"count": 0}, {"count": "out_of_range"}),
    ({"prefix": "x" * 21, "count": 1}, {"prefix": "too_long"}),
    ({"count": 1, "pad_width": 7}, {"pad_width": "out_of_range"}),
    ({"label": "x" * 33}, {"label": "too_long"}),
    ({"count": 2, "colour": "red"}, {"colour": "unknown_field"}),
    ({"count": 2, "has_crib": "yes"}, {"has_crib": "invalid_type"}),
])
def test_beds_bad_input(api_as, admin, make_room, body, expected):
    room = make_room()
    before = row_counts()
    response = api_as(admin).post(f"rooms/{room.id}/beds", json=body)
    assert response.status_code == 422 and fields(response) == expected
    assert row_counts() == before


def test_beds_scope(api_as, make_user, make_room, make_facility):
    a = make_facility()
    room_a, room_b = make_room(facility=a), make_room()
    manager = make_user(roles=("facility_manager",), facilities=[a])
    assert api_as(manager).post(f"rooms/{room_a.id}/beds", json={"count": 2}).status_code == 201
    assert api_as(manager).post(f"rooms/{room_b.id}/beds", json={"count": 2}).status_code == 404
    assert api_as(manager).post("rooms/999999/beds", json={"count": 2}).status_code == 404
    caseworker = make_user(roles=("caseworker",), facilities=[a])
    assert api_as(caseworker).post(f"rooms/{room_a.id}/beds", json={"count": 2}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bed)) == 2
