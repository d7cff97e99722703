"""The OpenAPI schemas and paths of the core: facilities, beds, residents, stays and holds (merged into
``openapi.document()`` with each feature's part)."""

from __future__ import annotations

from shelter.api.openapi_parts import (COUNT, DATE_TIME, ID, ONE_LINE, enum, id_param, nullable, obj, op, query_param,
                                       ref, responses, text)
from shelter.facilities import forms as facility_forms
from shelter.facilities.models import AgeGroup, FacilityKind, Kota, RoomSex
from shelter.residents.models import PROTECTION_CATEGORIES, RiskLevel, Sex
from shelter.residents.service import MAX_AGE, NAME_MAX
from shelter.stays.models import DischargeOutcome
from shelter.stays.queries import CATEGORIES, STATUSES
from shelter.stays.service import ADMIT_ROLES, HOLD_ROLES, MAX_HOLD_HOURS, MOVE_ROLES

PER_PAGE = 50  # residents a page
COUNTS_FIELDS = ("total", "occupied", "held", "out_of_service", "available")


def schemas() -> dict:
    counts = obj({name: COUNT for name in COUNTS_FIELDS}, COUNTS_FIELDS)
    categories = obj({name: ref("Counts") for name in (*CATEGORIES, "accessible")}, (*CATEGORIES, "accessible"),
                     description="Counts per bed category (from the room's rules), and for wheelchair-accessible "
                                 "beds across categories.")
    return {
        "Error": obj({
            "error": obj({
                "code": {"type": "string", "description": "Stable, for programs: not_found, invalid, bed_taken, …"},
                "message": {"type": "string", "description": "For the developer reading the answer (English)."},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "422: {field: code}, e.g. {\"nik\": \"nik_format\"}."},
                "problems": {"type": "array", "items": {"type": "string"},
                             "description": "room_rules: which rules the room breaks "
                                            "(sex, age_adult_in_child_room, …)."},
                "duplicates": {"type": "array", "items": ID,
                               "description": "possible_duplicates: ids of residents (in your scope) who may be "
                                              "this person."},
                "labels": {"type": "array", "items": {"type": "string"},
                           "description": "labels_taken: the labels already used in the room."},
            }, ("code", "message")),
        }, ("error",)),
        "Counts": counts,
        "FacilityAvailability": obj({
            "id": ID,
            "name": {"type": "string", "description": "For a Rumah Aman, its code name."},
            "kind": enum(FacilityKind),
            "kota": enum(Kota),
            **{name: COUNT for name in COUNTS_FIELDS},
            "over_capacity": {**COUNT, "description": "Open over-capacity placements (residents without a bed)."},
            "categories": categories,
        }, ("id", "name", "kind", "kota", *COUNTS_FIELDS, "over_capacity", "categories"),
            description="Counts only: never an address, never a resident."),
        "Availability": obj({
            "facilities": {"type": "array", "items": ref("FacilityAvailability")},
            "generated_at": DATE_TIME,
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {**COUNT, "description": "Facilities matching the filters, on every page."},
            "has_next": {"type": "boolean"},
        }, ("facilities", "generated_at", "page", "per_page", "total", "has_next"),
            description="One page of facilities, the most free beds (of the category asked for, else of "
                        "wheelchair-accessible beds if asked for, else of all beds) first, then by name."),
        "Bed": obj({
            "id": ID,
            "label": {"type": "string"},
            "room": {"type": "string", "description": "The room's name."},
            "room_id": ID,
            "category": enum(CATEGORIES),
            "status": enum(STATUSES),
            "wheelchair_accessible": {"type": "boolean"},
            "has_crib": {"type": "boolean"},
            "stay_id": nullable({**ID, "description": "The open stay in this bed (occupied)."}),
            "hold_id": nullable({**ID, "description": "The active hold on this bed (held)."}),
        }, ("id", "label", "room", "room_id", "category", "status", "wheelchair_accessible", "has_crib",
            "stay_id", "hold_id")),
        "BedList": obj({"facility_id": ID, "beds": {"type": "array", "items": ref("Bed")}},
                       ("facility_id", "beds")),
        "CurrentStay": obj({"id": ID, "facility_id": ID, "bed_id": nullable(ID)}, ("id", "facility_id", "bed_id")),
        "Resident": obj({
            "id": ID,
            "name": {"type": "string"},
            "alias": nullable({"type": "string"}),
            "sex": enum(Sex),
            "birth_date": nullable({"type": "string", "format": "date"}),
            "estimated_age": nullable({"type": "integer"}),
            "risk_level": enum(RiskLevel),
            "registered_facility_id": nullable(ID),
            "current_stay": nullable(ref("CurrentStay")),
        }, ("id", "name", "alias", "sex", "birth_date", "estimated_age", "risk_level", "registered_facility_id",
            "current_stay"), description="The minimal record: never the NIK, contacts or notes."),
        "ResidentPage": obj({
            "residents": {"type": "array", "items": ref("Resident")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "has_next": {"type": "boolean"},
        }, ("residents", "page", "per_page", "has_next")),
        "ResidentCreate": obj({
            "name": text(NAME_MAX, min_length=1, pattern=ONE_LINE),
            "sex": enum(Sex),
            "birth_date": nullable({"type": "string", "format": "date",
                                    "description": "Give birth_date or estimated_age."}),
            "estimated_age": nullable({"type": "integer", "minimum": 0, "maximum": MAX_AGE}),
            "nik": nullable(text(32, pattern=ONE_LINE, description="16 digits; spaces, dots and dashes are ignored.")),
            "alias": nullable(text(60, pattern=ONE_LINE)),
            "kota_of_origin": nullable(text(60, pattern=ONE_LINE)),
            "risk_level": enum(RiskLevel),
            "categories": {"type": "array", "items": enum(PROTECTION_CATEGORIES),
                           "maxItems": len(PROTECTION_CATEGORIES) * 2},
            "disabilities": nullable(text(2000, multiline=True)),
            "guardian_id": nullable({**ID, "description": "The mother (a resident in your scope) of a child."}),
            "facility_id": nullable({**ID, "description": "Where the resident is registered: one of your "
                                                         "facilities; defaults to your only facility."}),
            "allow_duplicates": {"type": "boolean", "default": False,
                                 "description": "Register even when likely duplicates exist (409 otherwise)."},
        }, ("name", "sex")),
        "Stay": obj({
            "id": ID,
            "resident_id": ID,
            "facility_id": ID,
            "bed_id": nullable(ID),
            "admitted_at": DATE_TIME,
            "over_capacity": {"type": "boolean"},
            "previous_stay_id": nullable(ID),
            "discharged_at": nullable(DATE_TIME),
            "discharge_outcome": nullable(enum(DischargeOutcome)),
        }, ("id", "resident_id", "facility_id", "bed_id", "admitted_at", "over_capacity", "previous_stay_id",
            "discharged_at", "discharge_outcome")),
        "StayCreate": obj({
            "resident_id": ID,
            "bed_id": ID,
            "override_reason": nullable(text(500, multiline=True, description=(
                "Needed when the room's rules do not fit the resident; audited."))),
        }, ("resident_id", "bed_id")),
        "Transfer": obj({
            "bed_id": ID,
            "override_reason": nullable(text(500, multiline=True)),
        }, ("bed_id",)),
        "Discharge": obj({
            "outcome": enum(DischargeOutcome),
            "note": nullable(text(2000, multiline=True)),
            "discharged_at": nullable({**DATE_TIME, "description": "ISO 8601 with an offset; defaults to now. "
                                                                    "Not before the admission, not in the future."}),
        }, ("outcome",)),
        "HoldCreate": obj({
            "bed_id": ID,
            "reason": text(200, min_length=1, multiline=True),
            "hours": {"type": "integer", "minimum": 1, "maximum": MAX_HOLD_HOURS, "default": 24},
        }, ("bed_id", "reason")),
        "Hold": obj({
            "id": ID,
            "bed_id": ID,
            "reason": {"type": "string"},
            "created_at": DATE_TIME,
            "expires_at": DATE_TIME,
        }, ("id", "bed_id", "reason", "created_at", "expires_at")),
        "FacilityCreate": obj({
            "kind": enum(FacilityKind),
            "code": text(32, min_length=1, pattern="^" + facility_forms.CODE_PATTERN.pattern + "$",
                         description="Unique; capital letters, digits and single dashes, e.g. PSBK-01."),
            "name": text(120, min_length=1, pattern=ONE_LINE, description="For a Rumah Aman, its code name."),
            "kota": enum(Kota),
            "address": nullable(text(500, multiline=True, description="Stored; never returned by the API.")),
            "phone": nullable(text(32, pattern=ONE_LINE, description="e.g. 0812 5550 199 or +62 21 555 0199.")),
        }, ("kind", "code", "name", "kota")),
        "Facility": obj({
            "id": ID,
            "code": {"type": "string"},
            "name": {"type": "string"},
            "kind": enum(FacilityKind),
            "kota": enum(Kota),
            "is_active": {"type": "boolean"},
        }, ("id", "code", "name", "kind", "kota", "is_active"), description="Never the address."),
        "RoomCreate": obj({
            "name": text(80, min_length=1, pattern=ONE_LINE),
            "sex": enum(RoomSex),
            "age_group": enum(AgeGroup),
        }, ("name", "sex", "age_group")),
        "Room": obj({
            "id": ID,
            "facility_id": ID,
            "name": {"type": "string"},
            "sex": enum(RoomSex),
            "age_group": enum(AgeGroup),
            "category": enum(CATEGORIES),
        }, ("id", "facility_id", "name", "sex", "age_group", "category")),
        "BedsCreate": obj({
            "label": text(facility_forms.LABEL_MAX, min_length=1, pattern=ONE_LINE,
                          description="One bed with this label. Or leave it out and give count (and prefix, "
                                      "first_number, pad_width) for many."),
            "prefix": text(facility_forms.PREFIX_MAX, pattern=ONE_LINE, description="e.g. A- gives A-01, A-02, …"),
            "first_number": {"type": "integer", "minimum": 0, "maximum": facility_forms.FIRST_NUMBER_MAX,
                             "default": 1},
            "count": {"type": "integer", "minimum": 1, "maximum": facility_forms.MAX_BULK_BEDS},
            "pad_width": {"type": "integer", "minimum": 1, "maximum": facility_forms.PAD_WIDTH_MAX, "default": 2},
            "wheelchair_accessible": {"type": "boolean", "default": False},
            "has_crib": {"type": "boolean", "default": False},
        }, description="All the beds or none: a label already in the room refuses the whole request (409)."),
        "BedsCreated": obj({"beds": {"type": "array", "items": ref("Bed")}}, ("beds",)),
        "OpenAPI": {"type": "object", "description": "This document."},
    }


ROLES_NOTE = "Roles: {}. Others get 404."


def _in_facility(roles) -> str:
    return ("Admins anywhere; " + ", ".join(roles) + " in their own facilities (for a transfer, both the stay's "
            "and the new bed's). Others get 404.")


def paths() -> dict:
    return {
        "/availability": {"get": op(
            "getAvailability", "Free beds per facility and category",
            dict(sorted({**responses(200, "Availability", "Counts", 422),
                         "304": {"description": "Not Modified: the If-None-Match ETag is still current; no body."},
                         }.items())),
            tags=["beds"],
            parameters=[query_param("kota", enum(Kota), "Only facilities in this kota."),
                        query_param("kind", enum(FacilityKind), "Only facilities of this kind."),
                        query_param("category", enum(CATEGORIES), "Only facilities with beds for this category; "
                                    "the order and min_free then count its beds."),
                        query_param("accessible", {"type": "boolean", "default": False},
                                    "Only facilities with wheelchair-accessible beds (true or false)."),
                        query_param("min_free", {"type": "integer", "minimum": 0, "maximum": 999, "default": 0},
                                    "At least this many free beds (of the category, if given)."),
                        query_param("page", {"type": "integer", "minimum": 1, "default": 1}, "From 1."),
                        query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                                    "Facilities a page.")],
            description="Active facilities, for any signed-in user: counts only. A Rumah Aman appears under "
                        "its code name; no address and no resident is ever part of this answer. The answer "
                        "carries an ETag from the data's version: send it back in If-None-Match and get 304 "
                        "Not Modified (no body) while nothing changed.",
        )},
        "/facilities/{facility_id}/beds": {"get": op(
            "listBeds", "The beds of one of your facilities, with their state",
            responses(200, "BedList", "The beds, by room and label", 404),
            tags=["beds"], parameters=[id_param("facility_id")],
            description="Facilities you belong to (admins: all); any other id is a 404. Occupied beds carry "
                        "their stay's id, never the resident.",
        )},
        "/residents": {
            "get": op("listResidents", f"Residents in your scope, {PER_PAGE} a page, oldest record first",
                      responses(200, "ResidentPage", "One page", 422), tags=["residents"],
                      parameters=[query_param("page", {"type": "integer", "minimum": 1, "default": 1}, "From 1.")],
                      description="Any signed-in user: the residents registered at, or ever staying in, your "
                                   "facilities (admins: all). current_stay is null when the resident is not "
                                   "admitted, or is admitted in a facility outside yours; registered_facility_id "
                                   "is null when the resident was registered in a facility outside yours."),
            "post": op("createResident", "Register a resident (intake)",
                       responses(201, "Resident", "Registered", 400, 404, 409, 422), tags=["residents"],
                       body="ResidentCreate",
                       description=ROLES_NOTE.format("admin, intake_staff, case_manager, facility_manager")
                       + " Likely duplicates in your scope (same NIK; same name and birth date; similar name "
                         "and age) answer 409 possible_duplicates with their ids, unless allow_duplicates is "
                          "true. An unknown or out-of-scope facility_id or guardian_id is a 404."),
        },
        "/stays": {"post": op(
            "admit", "Admit a resident into a bed",
            responses(201, "Stay", "Admitted", 400, 404, 409, 422), tags=["stays"], body="StayCreate",
            description=_in_facility(ADMIT_ROLES)
            + " 409 bed_taken when someone else has the bed (or it is held by another user), "
              "bed_out_of_service when it is out of service, resident_already_admitted when the resident has "
              "an open stay. 422 room_rules (with problems) when the room's rules do not fit and no "
              "override_reason is given. 404 for a bed or resident outside your scope.",
        )},
        "/stays/{stay_id}/transfer": {"post": op(
            "transfer", "Move the resident to another bed (another facility closes this stay and opens one)",
            responses(200, "Stay", "The open stay after the move", 400, 404, 409, 422), tags=["stays"],
            body="Transfer", parameters=[id_param("stay_id")], description=_in_facility(MOVE_ROLES),
        )},
        "/stays/{stay_id}/discharge": {"post": op(
            "discharge", "Close a stay with an outcome",
            responses(200, "Stay", "The closed stay", 400, 404, 409, 422), tags=["stays"], body="Discharge",
            parameters=[id_param("stay_id")],
            description=_in_facility(MOVE_ROLES)
            + " 422 with fields.discharged_at = before_admission, before_transfer (more than a minute before "
              "the move to the current bed) or in_future; 409 stay_closed.",
        )},
        "/holds": {"post": op(
            "placeHold", "Keep a free bed for an expected arrival",
            responses(201, "Hold", "Held", 400, 404, 409, 422), tags=["beds"], body="HoldCreate",
            description=_in_facility(HOLD_ROLES) + " Only the user who placed a hold can admit into the held bed.",
        )},
        "/holds/{hold_id}": {"delete": op(
            "releaseHold", "Release an active hold",
            responses(204, None, "Released", 400, 404), tags=["beds"], parameters=[id_param("hold_id")],
            description=_in_facility(HOLD_ROLES) + " A released or expired hold is a 404.",
        )},
        "/facilities": {"post": op(
            "createFacility", "Create a facility",
            responses(201, "Facility", "Created", 400, 404, 409, 422), tags=["admin"], body="FacilityCreate",
            description=ROLES_NOTE.format("admin"),
        )},
        "/facilities/{facility_id}/rooms": {"post": op(
            "createRoom", "Add a room",
            responses(201, "Room", "Created", 400, 404, 409, 422), tags=["admin"], body="RoomCreate",
            parameters=[id_param("facility_id")],
            description="Admins, and facility managers in their own facilities (as in the UI). Others get 404.",
        )},
        "/rooms/{room_id}/beds": {"post": op(
            "createBeds", "Add one bed, or many numbered beds at once",
            responses(201, "BedsCreated", "Created", 400, 404, 409, 422), tags=["admin"], body="BedsCreate",
            parameters=[id_param("room_id")],
            description="Admins, and facility managers in their own facilities (as in the UI). Others get 404.",
        )},
        "/openapi.json": {"get": op(
            "openapi", "This document", responses(200, "OpenAPI", "OpenAPI 3.1"), tags=["meta"],
        )},
    }
