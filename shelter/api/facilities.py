"""JSON API v1: facilities, rooms and beds (admins; rooms and beds also the facilities' managers, as in
the UI). The routes join the API blueprint of ``api.views``, with its lookups and error handling."""

from __future__ import annotations

from shelter.access import roles_required
from shelter.api import serialise
from shelter.api.errors import ApiError, invalid, not_found
from shelter.api.views import bp, json_body, managed_facility_or_404, run_and_commit, stripped
from shelter.auth.models import Role
from shelter.extensions import db
from shelter.facilities import service as facilities
from shelter.facilities.forms import LABEL_MAX
from shelter.facilities.models import Room
from shelter.phones import InvalidPhone, to_e164


def _phone(raw: str | None, problems: dict) -> str | None:
    try:
        return to_e164(raw)
    except InvalidPhone:
        problems["phone"] = "phone_format"
        return None


@bp.post("/facilities")
@roles_required(Role.ADMIN)
def facility_create():
    body = json_body("FacilityCreate")
    problems: dict[str, str] = {}
    name = stripped(body, "name", problems)
    phone = _phone(body.get("phone"), problems)
    if problems:
        raise invalid(problems)
    code = body["code"]
    try:
        facility = run_and_commit(lambda: facilities.create_facility(
            kind=body["kind"], code=code, name=name, kota=body["kota"],
            address=(body.get("address") or "").strip(), phone=phone))
    except facilities.DuplicateFacilityCode:
        db.session.rollback()
        raise ApiError(409, "code_taken", fields={"code": "taken"}) from None
    except ApiError as error:
        if error.code == "conflict" and facilities.code_taken(code):
            raise ApiError(409, "code_taken", fields={"code": "taken"}) from None
        raise
    return serialise.facility(facility), 201


@bp.post("/facilities/<id:facility_id>/rooms")
def room_create(facility_id: int):
    facility = managed_facility_or_404(facility_id)
    body = json_body("RoomCreate")
    problems: dict[str, str] = {}
    name = stripped(body, "name", problems)
    if problems:
        raise invalid(problems)
    try:
        room = run_and_commit(lambda: facilities.create_room(facility, name=name, sex=body["sex"],
                                                             age_group=body["age_group"]))
    except facilities.DuplicateRoomName:
        db.session.rollback()
        raise ApiError(409, "room_name_taken", fields={"name": "taken"}) from None
    except ApiError as error:
        if error.code == "conflict" and facilities.room_name_taken(facility, name):
            raise ApiError(409, "room_name_taken", fields={"name": "taken"}) from None
        raise
    return serialise.room(room), 201


def bed_labels(body: dict) -> list[str]:
    bulk = [name for name in ("prefix", "first_number", "count", "pad_width") if name in body]
    if "label" in body:
        if bulk:
            raise invalid({bulk[0]: "not_with_label"})
        label = body["label"].strip()
        if not label:
            raise invalid({"label": "required"})
        return [label]
    if "count" not in body:
        raise invalid({"count": "required"})
    prefix, first, width = body.get("prefix", ""), body.get("first_number", 1), body.get("pad_width", 2)
    labels = [f"{prefix}{n:0{width}d}" for n in range(first, first + body["count"])]
    if len(labels[-1]) > LABEL_MAX:
        raise invalid({"prefix": "too_long"})
    return labels


@bp.post("/rooms/<id:room_id>/beds")
def beds_create(room_id: int):
    room = db.session.get(Room, room_id)
    if room is None:
        raise not_found("Room")
    managed_facility_or_404(room.facility_id)
    body = json_body("BedsCreate")
    labels = bed_labels(body)
    try:
        beds = run_and_commit(lambda: facilities.add_beds(
            room, labels, wheelchair_accessible=body.get("wheelchair_accessible", False),
            has_crib=body.get("has_crib", False)))
    except facilities.DuplicateBedLabels as error:
        db.session.rollback()
        raise ApiError(409, "labels_taken", labels=error.labels[:50]) from None
    except ApiError as error:
        clash = facilities.existing_labels(room, labels) if error.code == "conflict" else []
        if clash:
            raise ApiError(409, "labels_taken", labels=clash[:50]) from None
        raise
    return {"beds": [serialise.new_bed(bed, room) for bed in beds]}, 201


