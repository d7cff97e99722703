"""GET /availability (counts for everyone, nothing else) and GET /facilities/{id}/beds (in scope only)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shelter.extensions import db
from shelter.stays import service as stays
from tests.api.conftest import error_code, fields

SECRET_ADDRESS = "Jl. Rahasia Merpati No. 7, Cilandak"
SECRET_NAME = "Siti Rahmawati Contoh"


@pytest.fixture
def world(make_facility, make_room, make_bed, make_user, make_resident):
    """Facility A (a panti) and B (a Rumah Aman with a secret address and a resident)."""
    a = make_facility(name="Panti Uji A", kota="jakarta_timur")
    b = make_facility(name="Merpati", kind="rumah_aman", kota="jakarta_selatan", address=SECRET_ADDRESS)
    women = make_room(facility=a, sex="female", age_group="adult")
    girls = make_room(facility=a, sex="female", age_group="child")
    a_beds = [make_bed(room=women, label="W1"), make_bed(room=women, label="W2", wheelchair_accessible=True),
              make_bed(room=women, label="W3", out_of_service_reason="Kasur rusak",
                       out_of_service_since=date(2026, 1, 1)),
              make_bed(room=girls, label="G1")]
    b_room = make_room(facility=b, sex="female", age_group="adult")
    b_beds = [make_bed(room=b_room, label="M1"), make_bed(room=b_room, label="M2")]
    staff_a = make_user(roles=("intake_staff",), facilities=[a])
    staff_b = make_user(roles=("intake_staff",), facilities=[b])
    stays.admit(make_resident(a), a_beds[0], by=staff_a)
    stays.place_hold(a_beds[3], by=staff_a, reason="Rujukan")
    stays.admit(make_resident(b, full_name=SECRET_NAME, nik="3174011234567890"), b_beds[0], by=staff_b)
    db.session.commit()
    return {"a": a, "b": b, "a_beds": a_beds, "b_beds": b_beds, "staff_a": staff_a, "staff_b": staff_b}


def by_id(response, facility):
    return next(f for f in response.get_json()["facilities"] if f["id"] == facility.id)


def test_counts_per_facility_and_category(api_as, world):
    response = api_as(world["staff_a"]).get("availability")
    assert response.status_code == 200
    a = by_id(response, world["a"])
    assert {k: a[k] for k in ("total", "occupied", "held", "out_of_service", "available", "over_capacity")} == {
        "total": 4, "occupied": 1, "held": 1, "out_of_service": 1, "available": 1, "over_capacity": 0}
    assert a["categories"]["women"] == {"total": 3, "occupied": 1, "held": 0, "out_of_service": 1, "available": 1}
    assert a["categories"]["girls"]["held"] == 1
    assert a["categories"]["accessible"] == {"total": 1, "occupied": 0, "held": 0, "out_of_service": 0,
                                             "available": 1}
    assert a["categories"]["men"]["total"] == 0
    assert a["name"] == "Panti Uji A" and a["kind"] == "panti" and a["kota"] == "jakarta_timur"


@pytest.mark.parametrize("role", ["caseworker", "case_manager", "intake_staff"])
def test_other_facility_counts_without_names_or_address(api_as, make_user, world, role):
    """A caseworker of A sees B's counts, under B's code name, and nothing about who is there."""
    user = make_user(roles=(role,), facilities=[world["a"]])
    response = api_as(user).get("availability")
    b = by_id(response, world["b"])
    assert b["name"] == "Merpati" and b["kind"] == "rumah_aman"
    assert (b["total"], b["occupied"], b["available"]) == (2, 1, 1)
    text = response.get_data(as_text=True)
    for secret in (SECRET_ADDRESS, "Rahasia", SECRET_NAME, "Siti", "3174011234567890", "Penghuni Rekaan",
                   world["b"].code):
        assert secret not in text
    assert "address" not in json.loads(text)["facilities"][0]


def test_admin_sees_no_address_either(api_as, admin, world):
    text = api_as(admin).get("availability").get_data(as_text=True)
    assert SECRET_ADDRESS not in text and SECRET_NAME not in text


def test_filters(api_as, world):
    api = api_as(world["staff_a"])
    ids = lambda r: {f["id"] for f in r.get_json()["facilities"]}  # noqa: E731
    assert ids(api.get("availability?kind=rumah_aman")) == {world["b"].id}
    assert ids(api.get("availability?kota=jakarta_timur")) == {world["a"].id}
    assert ids(api.get("availability?kota=jakarta_timur&kind=rumah_aman")) == set()
    response = api.get("availability?kota=bandung&kind=hotel")
    assert response.status_code == 422
    assert fields(response) == {"kota": "invalid_choice", "kind": "invalid_choice"}


def test_inactive_facilities_are_not_listed(api_as, world):
    world["b"].is_active = False
    db.session.commit()
    response = api_as(world["staff_a"]).get("availability")
    assert world["b"].id not in {f["id"] for f in response.get_json()["facilities"]}


def test_beds_of_own_facility(api_as, world):
    response = api_as(world["staff_a"]).get(f"facilities/{world['a'].id}/beds")
    assert response.status_code == 200
    beds = {b["label"]: b for b in response.get_json()["beds"]}
    assert {label: b["status"] for label, b in beds.items()} == {
        "W1": "occupied", "W2": "available", "W3": "out_of_service", "G1": "held"}
    assert beds["W1"]["stay_id"] is not None and beds["W2"]["stay_id"] is None
    assert beds["G1"]["hold_id"] is not None
    assert beds["G1"]["category"] == "girls" and beds["W2"]["wheelchair_accessible"] is True
    assert "Penghuni" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "case_manager", "intake_staff", "facility_manager"])
def test_beds_of_another_facility_are_404(api_as, make_user, world, role):
    user = make_user(roles=(role,), facilities=[world["a"]])
    response = api_as(user).get(f"facilities/{world['b'].id}/beds")
    assert response.status_code == 404 and error_code(response) == "not_found"
    missing = api_as(user).get("facilities/999999/beds")
    assert missing.status_code == 404
    assert missing.get_json() == response.get_json()  # the same answer: existence is not confirmed


def test_admin_sees_any_facility_beds(api_as, admin, world):
    response = api_as(admin).get(f"facilities/{world['b'].id}/beds")
    assert response.status_code == 200 and len(response.get_json()["beds"]) == 2


def test_new_filters_pages_and_bad_values(api_as, world, make_facility, make_room, make_bed):
    many = [make_facility(name=f"Panti Banyak {n}", kota="jakarta_barat") for n in range(3)]
    for n, facility in enumerate(many):
        room = make_room(facility=facility, sex="male", age_group="adult")
        for b in range(n + 1):
            make_bed(room=room, label=f"L{b}")
    api = api_as(world["staff_a"])
    ids = lambda r: [f["id"] for f in r.get_json()["facilities"]]  # noqa: E731
    men = api.get("availability?category=men")
    assert ids(men) == [many[2].id, many[1].id, many[0].id]  # the most free men's beds first
    assert ids(api.get("availability?category=men&min_free=2")) == [many[2].id, many[1].id]
    assert ids(api.get("availability?accessible=true")) == [world["a"].id]
    first = api.get("availability?kota=jakarta_barat&per_page=2").get_json()
    assert (first["page"], first["per_page"], first["total"], first["has_next"]) == (1, 2, 3, True)
    last = api.get("availability?kota=jakarta_barat&per_page=2&page=2").get_json()
    assert [f["id"] for f in last["facilities"]] == [many[0].id] and last["has_next"] is False
    bad = api.get("availability?category=aliens&accessible=maybe&min_free=-1&per_page=1000")
    assert bad.status_code == 422
    assert fields(bad) == {"category": "invalid_choice", "accessible": "invalid_choice", "min_free": "invalid_type",
                           "per_page": "out_of_range"}


def test_etag_and_304_until_something_changes(api_as, world):
    api = api_as(world["staff_a"])
    first = api.get("availability")
    etag = first.headers["ETag"]
    again = api.get("availability", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert api.get("availability?kota=jakarta_timur", headers={"If-None-Match": etag}).status_code == 200
    stays.place_hold(world["a_beds"][1], by=world["staff_a"], reason="Rujukan")
    db.session.commit()
    changed = api.get("availability", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert by_id(changed, world["a"])["held"] == 2
