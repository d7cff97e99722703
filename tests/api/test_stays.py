"""Admission, transfer, discharge and holds through the API: status codes for every refusal, nothing
half-written, and scope (404) for beds, residents and stays of other facilities."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from shelter.stays import service as stays
from shelter.stays.models import BedAssignment, BedHold, Stay
from tests.api.conftest import error_code, fields, row_counts


@pytest.fixture
def ward(make_facility, make_room, make_bed, make_user, make_resident):
    a, b = make_facility(name="Panti A"), make_facility(name="Panti B")
    women = make_room(facility=a, sex="female", age_group="adult")
    men = make_room(facility=a, sex="male", age_group="adult")
    b_room = make_room(facility=b, sex="female", age_group="adult")
    return {
        "a": a, "b": b,
        "beds": [make_bed(room=women, label=f"W{i}") for i in range(1, 4)],
        "men_bed": make_bed(room=men, label="M1"),
        "broken": make_bed(room=women, label="W9", out_of_service_reason="Atap bocor",
                           out_of_service_since=date(2026, 1, 1)),
        "b_bed": make_bed(room=b_room, label="B1"),
        "staff": make_user(roles=("intake_staff",), facilities=[a]),
        "both": make_user(roles=("intake_staff",), facilities=[a, b]),
        "staff_b": make_user(roles=("intake_staff",), facilities=[b]),
        "resident": make_resident(a),
        "other": make_resident(a),
        "b_resident": make_resident(b),
    }


def open_assignments(bed_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BedAssignment)
                             .where(BedAssignment.bed_id == bed_id, BedAssignment.ended_at.is_(None)))


def admit(api, resident, bed, **more):
    return api.post("stays", json={"resident_id": resident.id, "bed_id": bed.id, **more})


# --- admit -------------------------------------------------------------------------------------------------

def test_admit(api_as, ward):
    response = admit(api_as(ward["staff"]), ward["resident"], ward["beds"][0])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["resident_id"] == ward["resident"].id and body["bed_id"] == ward["beds"][0].id
    assert body["facility_id"] == ward["a"].id and body["discharged_at"] is None
    assert datetime.fromisoformat(body["admitted_at"]) <= datetime.now(timezone.utc)
    assert open_assignments(ward["beds"][0].id) == 1
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "stay.admitted")).target_id == body["id"]


def test_bed_taken_is_409_with_the_message(api_as, ward):
    api = api_as(ward["staff"])
    assert admit(api, ward["resident"], ward["beds"][0]).status_code == 201
    before = row_counts()
    response = admit(api, ward["other"], ward["beds"][0])
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": "bed_taken", "message": "This bed was just taken — choose another"}
    assert row_counts() == before


def test_resident_already_admitted_is_409(api_as, ward):
    api = api_as(ward["staff"])
    assert admit(api, ward["resident"], ward["beds"][0]).status_code == 201
    response = admit(api, ward["resident"], ward["beds"][1])
    assert response.status_code == 409 and error_code(response) == "resident_already_admitted"
    assert open_assignments(ward["beds"][1].id) == 0


def test_out_of_service_bed_is_409(api_as, ward):
    before = row_counts()
    response = admit(api_as(ward["staff"]), ward["resident"], ward["broken"])
    assert response.status_code == 409 and error_code(response) == "bed_out_of_service"
    assert row_counts() == before


def test_room_rules_need_an_override(api_as, ward):
    api = api_as(ward["staff"])
    before = row_counts()
    response = admit(api, ward["resident"], ward["men_bed"])
    assert response.status_code == 422 and error_code(response) == "room_rules"
    assert response.get_json()["error"]["problems"] == ["sex"]
    assert fields(response) == {"override_reason": "required"}
    assert row_counts() == before
    assert admit(api, ward["resident"], ward["men_bed"], override_reason="  ").status_code == 422
    response = admit(api, ward["resident"], ward["men_bed"], override_reason="Satu-satunya kasur kosong malam ini")
    assert response.status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "stay.room_rules_overridden")) == 1


def test_unknown_or_out_of_scope_bed_and_resident_are_404(api_as, ward):
    api = api_as(ward["staff"])
    before = row_counts()
    for resident_id, bed_id in [(ward["resident"].id, ward["b_bed"].id), (ward["resident"].id, 999999),
                                (ward["b_resident"].id, ward["beds"][0].id), (999999, ward["beds"][0].id)]:
        response = api.post("stays", json={"resident_id": resident_id, "bed_id": bed_id})
        assert response.status_code == 404, (resident_id, bed_id)
        assert error_code(response) == "not_found"
    assert row_counts() == before


def test_bad_bodies(api_as, ward):
    api = api_as(ward["staff"])
    assert fields(api.post("stays", json={})) == {"resident_id": "required", "bed_id": "required"}
    assert fields(api.post("stays", json={"resident_id": "1", "bed_id": 1.0})) == {
        "resident_id": "invalid_type", "bed_id": "invalid_type"}
    assert fields(api.post("stays", json={"resident_id": 2**31, "bed_id": 1})) == {"resident_id": "out_of_range"}
    assert api.post("stays", data=b"not json").status_code == 400


@pytest.mark.parametrize("role", ["caseworker"])
def test_roles_without_admission_get_404(api_as, make_user, ward, role):
    user = make_user(roles=(role,), facilities=[ward["a"]])
    assert admit(api_as(user), ward["resident"], ward["beds"][0]).status_code == 404
    assert open_assignments(ward["beds"][0].id) == 0


@pytest.mark.parametrize("role", ["admin", "facility_manager", "intake_staff", "case_manager"])
def test_roles_with_admission(api_as, make_user, ward, role):
    user = make_user(roles=(role,), facilities=[ward["a"]])
    assert admit(api_as(user), ward["resident"], ward["beds"][0]).status_code == 201


def test_case_managers_place_but_do_not_move(api_as, make_user, ward):
    """The stays service decides who acts where; the API and the UI ask it the same question."""
    case_manager = api_as(make_user(roles=("case_manager",), facilities=[ward["a"]]))
    stay_id = admit(case_manager, ward["resident"], ward["beds"][0]).get_json()["id"]
    assert case_manager.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["beds"][1].id}).status_code == 404
    assert case_manager.post(f"stays/{stay_id}/discharge", json={"outcome": "referred"}).status_code == 404
    assert case_manager.post("holds", json={"bed_id": ward["beds"][1].id, "reason": "Rujukan"}).status_code == 201


def test_beds_of_an_inactive_facility_are_404(api_as, ward):
    ward["a"].is_active = False
    db.session.commit()
    api = api_as(ward["staff"])
    assert admit(api, ward["resident"], ward["beds"][0]).status_code == 404
    assert api.post("holds", json={"bed_id": ward["beds"][0].id, "reason": "Rujukan"}).status_code == 404


# --- holds -------------------------------------------------------------------------------------------------

def test_hold_keeps_the_bed_for_its_owner(api_as, ward):
    owner, other = api_as(ward["staff"]), api_as(ward["both"])
    response = owner.post("holds", json={"bed_id": ward["beds"][0].id, "reason": "Rujukan P2TP2A", "hours": 6})
    assert response.status_code == 201
    hold = response.get_json()
    expires = datetime.fromisoformat(hold["expires_at"]) - datetime.fromisoformat(hold["created_at"])
    assert expires == timedelta(hours=6)
    beds = {b["id"]: b for b in owner.get(f"facilities/{ward['a'].id}/beds").get_json()["beds"]}
    assert beds[ward["beds"][0].id]["status"] == "held" and beds[ward["beds"][0].id]["hold_id"] == hold["id"]
    assert error_code(admit(other, ward["other"], ward["beds"][0])) == "bed_taken"
    assert error_code(other.post("holds", json={"bed_id": ward["beds"][0].id, "reason": "x"})) == "bed_taken"
    assert admit(owner, ward["resident"], ward["beds"][0]).status_code == 201
    assert db.session.get(BedHold, hold["id"]).release_reason == "used"


def test_hold_release(api_as, ward):
    api = api_as(ward["staff"])
    hold_id = api.post("holds", json={"bed_id": ward["beds"][0].id, "reason": "Rujukan"}).get_json()["id"]
    assert api_as(ward["staff_b"]).delete(f"holds/{hold_id}").status_code == 404  # not B's bed
    response = api.delete(f"holds/{hold_id}")
    assert response.status_code == 204 and response.data == b""
    assert db.session.get(BedHold, hold_id).release_reason == "cancelled"
    assert api.delete(f"holds/{hold_id}").status_code == 404
    assert api.delete("holds/999999").status_code == 404


def test_expired_hold_cannot_be_released(api_as, ward):
    api = api_as(ward["staff"])
    hold_id = api.post("holds", json={"bed_id": ward["beds"][0].id, "reason": "Rujukan"}).get_json()["id"]
    hold = db.session.get(BedHold, hold_id)
    hold.created_at -= timedelta(hours=30)
    hold.expires_at -= timedelta(hours=30)
    db.session.commit()
    assert api.delete(f"holds/{hold_id}").status_code == 404


@pytest.mark.parametrize("body, expected", [
    ({"reason": "x", "hours": 0}, {"hours": "out_of_range"}),
    ({"reason": "x", "hours": 73}, {"hours": "out_of_range"}),
    ({"reason": "x", "hours": 1.5}, {"hours": "invalid_type"}),
    ({"reason": "   "}, {"reason": "required"}),
    ({"reason": "x" * 201}, {"reason": "too_long"}),
    ({}, {"reason": "required"}),
])
def test_hold_bad_input(api_as, ward, body, expected):
    before = row_counts()
    response = api_as(ward["staff"]).post("holds", json={"bed_id": ward["beds"][0].id, **body})
    assert response.status_code == 422 and fields(response) == expected
    assert row_counts() == before


def test_hold_scope_and_state(api_as, make_user, ward):
    api = api_as(ward["staff"])
    assert api.post("holds", json={"bed_id": ward["b_bed"].id, "reason": "x"}).status_code == 404
    assert error_code(api.post("holds", json={"bed_id": ward["broken"].id, "reason": "x"})) == "bed_out_of_service"
    caseworker = api_as(make_user(roles=("caseworker",), facilities=[ward["a"]]))
    assert caseworker.post("holds", json={"bed_id": ward["beds"][0].id, "reason": "x"}).status_code == 404


# --- transfer ----------------------------------------------------------------------------------------------

def test_transfer_within_the_facility_keeps_the_stay(api_as, ward):
    api = api_as(ward["staff"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    response = api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["beds"][1].id})
    assert response.status_code == 200
    assert response.get_json()["id"] == stay_id and response.get_json()["bed_id"] == ward["beds"][1].id
    assert open_assignments(ward["beds"][0].id) == 0 and open_assignments(ward["beds"][1].id) == 1


def test_transfer_to_another_facility_opens_a_new_stay(api_as, ward):
    api = api_as(ward["both"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    response = api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["b_bed"].id})
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] != stay_id and body["previous_stay_id"] == stay_id and body["facility_id"] == ward["b"].id
    assert db.session.get(Stay, stay_id).discharge_outcome == "moved_facility"


def test_transfer_refusals(api_as, ward):
    api = api_as(ward["staff"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    assert admit(api, ward["other"], ward["beds"][1]).status_code == 201
    before = row_counts()
    assert error_code(api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["beds"][1].id})) == "bed_taken"
    assert error_code(api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["beds"][0].id})) == "bed_taken"
    assert error_code(api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["broken"].id})) == \
        "bed_out_of_service"
    assert api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["b_bed"].id}).status_code == 404
    assert error_code(api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["men_bed"].id})) == "room_rules"
    assert api.post("stays/999999/transfer", json={"bed_id": ward["beds"][2].id}).status_code == 404
    assert row_counts() == before
    assert api_as(ward["staff_b"]).post(f"stays/{stay_id}/transfer",
                                        json={"bed_id": ward["b_bed"].id}).status_code == 404


# --- discharge ---------------------------------------------------------------------------------------------

def test_discharge(api_as, ward):
    api = api_as(ward["staff"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    response = api.post(f"stays/{stay_id}/discharge", json={"outcome": "reunified", "note": "Kembali ke\nkeluarga"})
    assert response.status_code == 200
    assert response.get_json()["discharge_outcome"] == "reunified"
    assert response.get_json()["discharged_at"] is not None
    assert open_assignments(ward["beds"][0].id) == 0
    assert db.session.get(Stay, stay_id).discharge_note == "Kembali ke\nkeluarga"
    again = api.post(f"stays/{stay_id}/discharge", json={"outcome": "reunified"})
    assert again.status_code == 409 and error_code(again) == "stay_closed"
    closed = api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["beds"][1].id})
    assert closed.status_code == 409 and error_code(closed) == "stay_closed"


def test_discharge_with_a_time(api_as, ward):
    api = api_as(ward["staff"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    stay = db.session.get(Stay, stay_id)
    stay.admitted_at -= timedelta(days=3)
    db.session.query(BedAssignment).filter_by(stay_id=stay_id).update(
        {"started_at": stay.admitted_at})
    db.session.commit()
    when = (datetime.now(timezone.utc) - timedelta(days=1)).astimezone(timezone(timedelta(hours=7)))
    response = api.post(f"stays/{stay_id}/discharge", json={"outcome": "independent",
                                                            "discharged_at": when.isoformat()})
    assert response.status_code == 200
    assert datetime.fromisoformat(response.get_json()["discharged_at"]) == when


@pytest.mark.parametrize("discharged_at, expected", [
    ("2000-01-01T00:00:00+07:00", "before_admission"),
    ("in two days", "in_future"),  # computed in the test: parameters must be the same in every xdist worker
    ("2024-05-01T10:00:00", "invalid_format"),
    ("yesterday", "invalid_format"),
])
def test_discharge_bad_times_change_nothing(api_as, ward, discharged_at, expected):
    api = api_as(ward["staff"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    if discharged_at == "in two days":
        discharged_at = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
    before = row_counts()
    response = api.post(f"stays/{stay_id}/discharge", json={"outcome": "reunified", "discharged_at": discharged_at})
    assert response.status_code == 422 and fields(response) == {"discharged_at": expected}
    assert row_counts() == before
    assert db.session.get(Stay, stay_id).discharged_at is None


def test_discharge_before_the_current_bed_began(api_as, ward):
    api = api_as(ward["staff"])
    stay_id = admit(api, ward["resident"], ward["beds"][0]).get_json()["id"]
    stay = db.session.get(Stay, stay_id)
    stay.admitted_at -= timedelta(days=3)
    db.session.query(BedAssignment).filter_by(stay_id=stay_id).update({"started_at": stay.admitted_at})
    db.session.commit()
    assert api.post(f"stays/{stay_id}/transfer", json={"bed_id": ward["beds"][1].id}).status_code == 200
    when = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    response = api.post(f"stays/{stay_id}/discharge", json={"outcome": "reunified", "discharged_at": when})
    assert response.status_code == 422 and fields(response) == {"discharged_at": "before_transfer"}


def test_discharge_roles_and_scope(api_as, make_user, ward):
    stay_id = admit(api_as(ward["staff"]), ward["resident"], ward["beds"][0]).get_json()["id"]
    body = {"outcome": "reunified"}
    assert api_as(ward["staff_b"]).post(f"stays/{stay_id}/discharge", json=body).status_code == 404
    case_manager = make_user(roles=("case_manager",), facilities=[ward["a"]])
    assert api_as(case_manager).post(f"stays/{stay_id}/discharge", json=body).status_code == 404
    assert fields(api_as(ward["staff"]).post(f"stays/{stay_id}/discharge", json={"outcome": "vanished"})) == {
        "outcome": "invalid_choice"}
    assert api_as(ward["staff"]).post(f"stays/{stay_id}/discharge", json=body).status_code == 200


def test_stays_of_other_facilities_answer_like_missing_ones(api_as, ward):
    stay = stays.admit(ward["b_resident"], ward["b_bed"], by=ward["staff_b"])
    db.session.commit()
    api = api_as(ward["staff"])
    theirs = api.post(f"stays/{stay.id}/discharge", json={"outcome": "reunified"})
    missing = api.post("stays/999999/discharge", json={"outcome": "reunified"})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.get_json() == missing.get_json()
