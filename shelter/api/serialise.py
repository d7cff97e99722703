"""Records to JSON, one function per schema of ``openapi.py``.

Each function names the fields it returns; nothing is dumped wholesale, so an address, a NIK or a
contact can only reach an answer by being written here (and the response schemas would refuse it).
"""

from __future__ import annotations

from datetime import date, datetime

from shelter.access import find_stay
from shelter.facilities.models import Bed, Facility, Room
from shelter.residents.models import Resident
from shelter.stays.models import BedHold, Stay
from shelter.stays.queries import CATEGORIES, BedState, FacilityAvailability, bed_category


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def availability(entry: FacilityAvailability) -> dict:
    facility = entry.facility
    return {
        "id": facility.id,
        "name": facility.name,  # a Rumah Aman's name is its code name
        "kind": facility.kind,
        "kota": facility.kota,
        **entry.counts.as_dict(),
        "over_capacity": entry.over_capacity,
        "categories": {**{c: entry.categories[c].as_dict() for c in CATEGORIES},
                       "accessible": entry.accessible.as_dict()},
    }


def bed_state(state: BedState) -> dict:
    return {
        "id": state.bed_id,
        "label": state.label,
        "room": state.room_name,
        "room_id": state.room_id,
        "category": state.category,
        "status": state.status,
        "wheelchair_accessible": bool(state.wheelchair_accessible),
        "has_crib": bool(state.has_crib),
        "stay_id": state.stay_id if state.status == "occupied" else None,
        "hold_id": state.hold_id if state.status == "held" else None,
    }


def new_bed(bed: Bed, room: Room) -> dict:
    return {
        "id": bed.id,
        "label": bed.label,
        "room": room.name,
        "room_id": room.id,
        "category": bed_category(room),
        "status": "out_of_service" if bed.is_out_of_service else "available",
        "wheelchair_accessible": bool(bed.wheelchair_accessible),
        "has_crib": bool(bed.has_crib),
        "stay_id": None,
        "hold_id": None,
    }


def resident(resident: Resident, current_stay: dict | None, registered_here: bool = True) -> dict:
    """``registered_here``: the registering facility is one of the user's; if not, it is not named
    (it may be a Rumah Aman: the episode rule of ``shelter.access``)."""
    return {
        "id": resident.id,
        "name": resident.full_name,
        "alias": resident.alias,
        "sex": resident.sex,
        "birth_date": iso(resident.birth_date),
        "estimated_age": resident.estimated_age,
        "risk_level": resident.risk_level,
        "registered_facility_id": resident.registered_facility_id if registered_here else None,
        "current_stay": current_stay,
    }


def stay(stay: Stay, bed_id: int | None) -> dict:
    return {
        "id": stay.id,
        "resident_id": stay.resident_id,
        "facility_id": stay.facility_id,
        "bed_id": bed_id,
        "admitted_at": iso(stay.admitted_at),
        "over_capacity": bool(stay.over_capacity),
        # The stay this one continues, only if it is the user's too (never a link to a Rumah Aman's).
        "previous_stay_id": getattr(find_stay(stay.previous_stay_id), "id", None),
        "discharged_at": iso(stay.discharged_at),
        "discharge_outcome": stay.discharge_outcome,
    }


def hold(hold: BedHold) -> dict:
    return {
        "id": hold.id,
        "bed_id": hold.bed_id,
        "reason": hold.reason,
        "created_at": iso(hold.created_at),
        "expires_at": iso(hold.expires_at),
    }


def facility(facility: Facility) -> dict:
    return {
        "id": facility.id,
        "code": facility.code,
        "name": facility.name,
        "kind": facility.kind,
        "kota": facility.kota,
        "is_active": bool(facility.is_active),
    }


def room(room: Room) -> dict:
    return {
        "id": room.id,
        "facility_id": room.facility_id,
        "name": room.name,
        "sex": room.sex,
        "age_group": room.age_group,
        "category": bed_category(room),
    }
