"""Facilities, rooms and beds: the changes, their rules and their audit trail.

Services add to the current transaction and raise domain errors; they never commit and never build
responses. The caller (a view, the CLI, the API) commits once per user action or rolls back.
Audit details hold field names and counts, never an address.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter import events
from shelter.audit import service as audit
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room

FACILITY_FIELDS = ("kind", "code", "name", "kota", "address", "phone")
ROOM_FIELDS = ("name", "sex", "age_group")
BED_FIELDS = ("label", "wheelchair_accessible", "has_crib", "out_of_service_reason",
              "out_of_service_since", "out_of_service_until")


class FacilityError(Exception):
    """Base of the domain errors of this feature."""


class DuplicateFacilityCode(FacilityError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class DuplicateRoomName(FacilityError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class DuplicateBedLabels(FacilityError):
    def __init__(self, labels):
        self.labels = sorted(labels)
        super().__init__(", ".join(self.labels))


class BedInUse(FacilityError):
    """The bed has a history (assignments, holds) that the database keeps; it cannot be deleted."""

    def __init__(self, label: str):
        super().__init__(label)
        self.label = label


class RoomInUse(FacilityError):
    """One of the room's beds has a history, so the room cannot be deleted."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _capacity_changed(facility_id: int) -> None:
    """Beds added, removed, or in or out of service: the listeners of ``beds_changed`` (capacity rules)
    run in this transaction."""
    events.facilities_changed([facility_id])


def _delete_or_raise(obj, error: FacilityError) -> None:
    # Stays and holds refer to beds with ON DELETE RESTRICT: the database is the one that knows
    # (and it also wins a race with an admission), so try in a savepoint and name the problem.
    try:
        with db.session.begin_nested():
            db.session.delete(obj)
    except IntegrityError:
        raise error from None


# --- checks, also used after a lost race (IntegrityError) to name the clash -------------------------

def code_taken(code: str, *, exclude: Facility | None = None) -> bool:
    query = sa.select(Facility.id).where(Facility.code == code)
    if exclude is not None and exclude.id is not None:
        query = query.where(Facility.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


def room_name_taken(facility: Facility, name: str, *, exclude: Room | None = None) -> bool:
    query = sa.select(Room.id).where(Room.facility_id == facility.id, Room.name == name)
    if exclude is not None and exclude.id is not None:
        query = query.where(Room.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


def existing_labels(room: Room, labels, *, exclude: Bed | None = None) -> list[str]:
    labels = list(labels)
    if not labels:
        return []
    query = sa.select(Bed.label).where(Bed.room_id == room.id, Bed.label.in_(labels))
    if exclude is not None:
        query = query.where(Bed.id != exclude.id)
    return sorted(db.session.scalars(query))


def _changed(obj, values: dict, fields) -> list[str]:
    changed = [name for name in fields if name in values and getattr(obj, name) != values[name]]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


# --- facilities (admins only; the view checks) ---------------------------------------------------------

def create_facility(*, kind: str, code: str, name: str, kota: str, address: str = "",
                    phone: str | None = None) -> Facility:
    if code_taken(code):
        raise DuplicateFacilityCode(code)
    facility = Facility(kind=kind, code=code, name=name, kota=kota, address=address or "", phone=phone,
                        is_active=True)
    db.session.add(facility)
    db.session.flush()
    audit.record("facility.created", target=facility, detail={"code": code, "kind": kind})
    return facility


def update_facility(facility: Facility, values: dict) -> list[str]:
    """Apply ``values``; returns the names of the fields that changed (audited, never their values)."""
    if "code" in values and values["code"] != facility.code and code_taken(values["code"], exclude=facility):
        raise DuplicateFacilityCode(values["code"])
    changed = _changed(facility, values, FACILITY_FIELDS)
    if changed:
        audit.record("facility.updated", target=facility, detail={"fields": changed})
    return changed


def set_facility_active(facility: Facility, active: bool) -> bool:
    """Returns whether anything changed."""
    if facility.is_active == active:
        return False
    facility.is_active = active
    audit.record("facility.activated" if active else "facility.deactivated", target=facility)
    return True


def record_address_view(facility: Facility) -> None:
    """Every time a safe house's address is put on a screen, it is audited."""
    if facility.is_safe_house:
        audit.record("facility.address_viewed", target=facility)


# --- rooms -----------------------------------------------------------------------------------------------

def create_room(facility: Facility, *, name: str, sex: str, age_group: str) -> Room:
    if room_name_taken(facility, name):
        raise DuplicateRoomName(name)
    room = Room(facility_id=facility.id, name=name, sex=sex, age_group=age_group)
    db.session.add(room)
    db.session.flush()
    audit.record("room.created", target=room, facility_id=facility.id)
    return room


def update_room(room: Room, values: dict) -> list[str]:
    if "name" in values and values["name"] != room.name and room_name_taken(room.facility, values["name"],
                                                                            exclude=room):
        raise DuplicateRoomName(values["name"])
    changed = _changed(room, values, ROOM_FIELDS)
    if changed:
        audit.record("room.updated", target=room, facility_id=room.facility_id, detail={"fields": changed})
    if {"sex", "age_group"} & set(changed):  # its beds are now for someone else: counts per category change
        _capacity_changed(room.facility_id)
    return changed


def delete_room(room: Room) -> None:
    """Delete a room with its beds; RoomInUse when any bed was ever assigned or held."""
    facility_id, beds = room.facility_id, len(room.beds)
    _delete_or_raise(room, RoomInUse(room.name))
    audit.record("room.deleted", target=room, facility_id=facility_id, detail={"beds": beds})
    if beds:
        _capacity_changed(facility_id)


# --- beds --------------------------------------------------------------------------------------------------

def add_beds(room: Room, labels: list[str], *, wheelchair_accessible: bool = False,
             has_crib: bool = False) -> list[Bed]:
    """Add all the beds or none: any label already in the room raises DuplicateBedLabels."""
    labels = list(labels)
    seen: set[str] = set()
    repeated = {label for label in labels if label in seen or seen.add(label)}
    clash = set(existing_labels(room, labels)) | repeated
    if clash:
        raise DuplicateBedLabels(clash)
    beds = [Bed(room_id=room.id, label=label, wheelchair_accessible=wheelchair_accessible,
                has_crib=has_crib) for label in labels]
    db.session.add_all(beds)
    db.session.flush()
    audit.record("beds.created", target=room, facility_id=room.facility_id,
                 detail={"count": len(beds), "first": labels[0], "last": labels[-1]})
    _capacity_changed(room.facility_id)
    return beds


def update_bed(bed: Bed, values: dict) -> list[str]:
    if "label" in values and values["label"] != bed.label and existing_labels(bed.room, [values["label"]],
                                                                              exclude=bed):
        raise DuplicateBedLabels([values["label"]])
    changed = _changed(bed, values, BED_FIELDS)
    if changed:
        audit.record("bed.updated", target=bed, facility_id=bed.room.facility_id, detail={"fields": changed})
    if "out_of_service_reason" in changed:
        _capacity_changed(bed.room.facility_id)
    return changed


def return_bed_to_service(bed: Bed) -> bool:
    if not bed.is_out_of_service:
        return False
    update_bed(bed, {"out_of_service_reason": None, "out_of_service_since": None,
                     "out_of_service_until": None})
    return True


def delete_bed(bed: Bed) -> None:
    """Delete a bed; BedInUse when it was ever assigned or held (put it out of service instead)."""
    facility_id = bed.room.facility_id
    _delete_or_raise(bed, BedInUse(bed.label))
    audit.record("bed.deleted", target=bed, facility_id=facility_id, detail={"label": bed.label})
    _capacity_changed(facility_id)
