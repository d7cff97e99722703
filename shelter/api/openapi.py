"""The OpenAPI 3.1 document of the JSON API, served at ``/api/v1/openapi.json``.

The request schemas here are the ones the views check bodies against (``shelter.api.schema``), and
the tests check every live response against the response schemas, so the document is the contract
and not a description written after the fact. Response schemas forbid properties they do not list:
an address or a NIK cannot slip into an answer without a test failing.
"""

from __future__ import annotations

from functools import cache

from shelter.access import MAX_ID
from shelter.facilities import forms as facility_forms
from shelter.facilities.models import AgeGroup, FacilityKind, Kota, RoomSex
from shelter.residents.models import PROTECTION_CATEGORIES, RiskLevel, Sex
from shelter.residents.service import MAX_AGE, NAME_MAX
from shelter.stays.models import DischargeOutcome
from shelter.stays.queries import CATEGORIES, STATUSES
from shelter.stays.service import ADMIT_ROLES, HOLD_ROLES, MAX_HOLD_HOURS, MOVE_ROLES

PER_PAGE = 50
# A name, a code, a label: one line. Multi-line fields (notes, reasons, addresses) say x-multiline.
ONE_LINE = "^[^\\n\\r\\t]*$"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    if "type" in schema and "$ref" not in schema:
        schema = {**schema, "type": [schema["type"], "null"]}
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def text(max_length: int, *, min_length: int = 0, multiline: bool = False, **more) -> dict:
    schema = {"type": "string", "maxLength": max_length, **more}
    if min_length:
        schema["minLength"] = min_length
    if multiline:
        schema["x-multiline"] = True
    return schema


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
COUNT = {"type": "integer", "minimum": 0}
DATE_TIME = {"type": "string", "format": "date-time"}


def obj(properties: dict, required=(), *, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}
    if description:
        schema["description"] = description
    return schema


def enum(values) -> dict:
    return {"type": "string", "enum": [str(v) for v in values]}


COUNTS_FIELDS = ("total", "occupied", "held", "out_of_service", "available")


def _schemas() -> dict:
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
        }, ("facilities", "generated_at")),
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


ERRORS = {
    400: "The body is not a JSON object (or, with a session cookie, the X-CSRFToken header is missing).",
    401: "No token, or the token is unknown or revoked.",
    404: "Not found, outside your facilities, or not allowed for your roles.",
    409: "Conflicts with the current state (bed taken, resident already admitted, duplicate, …).",
    422: "Invalid fields: see error.fields.",
}


def _responses(ok: int, schema: str | None, description: str, *errors: int) -> dict:
    responses = {str(ok): {"description": description}}
    if schema is not None:
        responses[str(ok)]["content"] = {"application/json": {"schema": ref(schema)}}
    for status in (401, *errors):
        responses[str(status)] = {"description": ERRORS[status],
                                  "content": {"application/json": {"schema": ref("Error")}}}
    return dict(sorted(responses.items()))


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _op(operation_id: str, summary: str, responses: dict, *, tags, body: str | None = None,
        parameters=(), description: str = "") -> dict:
    op = {"operationId": operation_id, "summary": summary, "tags": list(tags), "responses": responses}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = list(parameters)
    if body:
        op["requestBody"] = _body(body)
    return op


ROLES_NOTE = "Roles: {}. Others get 404."


def _in_facility(roles) -> str:
    return ("Admins anywhere; " + ", ".join(roles) + " in their own facilities (for a transfer, both the stay's "
            "and the new bed's). Others get 404.")


def _paths() -> dict:
    return {
        "/availability": {"get": _op(
            "getAvailability", "Free beds per facility and category", _responses(200, "Availability", "Counts", 422),
            tags=["beds"],
            parameters=[_query("kota", enum(Kota), "Only facilities in this kota."),
                        _query("kind", enum(FacilityKind), "Only facilities of this kind.")],
            description="Every active facility, for any signed-in user: counts only. A Rumah Aman appears under "
                        "its code name; no address and no resident is ever part of this answer.",
        )},
        "/facilities/{facility_id}/beds": {"get": _op(
            "listBeds", "The beds of one of your facilities, with their state",
            _responses(200, "BedList", "The beds, by room and label", 404),
            tags=["beds"], parameters=[_id_param("facility_id")],
            description="Facilities you belong to (admins: all); any other id is a 404. Occupied beds carry "
                        "their stay's id, never the resident.",
        )},
        "/residents": {
            "get": _op("listResidents", "Residents in your scope, 50 a page, oldest record first",
                       _responses(200, "ResidentPage", "One page", 422), tags=["residents"],
                       parameters=[_query("page", {"type": "integer", "minimum": 1, "default": 1}, "From 1.")],
                       description="Any signed-in user: the residents registered at, or ever staying in, your "
                                   "facilities (admins: all). current_stay is null when the resident is not "
                                   "admitted, or is admitted in a facility outside yours; registered_facility_id "
                                   "is null when the resident was registered in a facility outside yours."),
            "post": _op("createResident", "Register a resident (intake)",
                        _responses(201, "Resident", "Registered", 400, 404, 409, 422), tags=["residents"],
                        body="ResidentCreate",
                        description=ROLES_NOTE.format("admin, intake_staff, case_manager, facility_manager")
                        + " Likely duplicates in your scope (same NIK; same name and birth date; similar name "
                          "and age) answer 409 possible_duplicates with their ids, unless allow_duplicates is "
                          "true. An unknown or out-of-scope facility_id or guardian_id is a 404."),
        },
        "/stays": {"post": _op(
            "admit", "Admit a resident into a bed",
            _responses(201, "Stay", "Admitted", 400, 404, 409, 422), tags=["stays"], body="StayCreate",
            description=_in_facility(ADMIT_ROLES)
            + " 409 bed_taken when someone else has the bed (or it is held by another user), "
              "bed_out_of_service when it is out of service, resident_already_admitted when the resident has "
              "an open stay. 422 room_rules (with problems) when the room's rules do not fit and no "
              "override_reason is given. 404 for a bed or resident outside your scope.",
        )},
        "/stays/{stay_id}/transfer": {"post": _op(
            "transfer", "Move the resident to another bed (another facility closes this stay and opens one)",
            _responses(200, "Stay", "The open stay after the move", 400, 404, 409, 422), tags=["stays"],
            body="Transfer", parameters=[_id_param("stay_id")], description=_in_facility(MOVE_ROLES),
        )},
        "/stays/{stay_id}/discharge": {"post": _op(
            "discharge", "Close a stay with an outcome",
            _responses(200, "Stay", "The closed stay", 400, 404, 409, 422), tags=["stays"], body="Discharge",
            parameters=[_id_param("stay_id")],
            description=_in_facility(MOVE_ROLES)
            + " 422 with fields.discharged_at = before_admission, before_transfer (more than a minute before "
              "the move to the current bed) or in_future; 409 stay_closed.",
        )},
        "/holds": {"post": _op(
            "placeHold", "Keep a free bed for an expected arrival",
            _responses(201, "Hold", "Held", 400, 404, 409, 422), tags=["beds"], body="HoldCreate",
            description=_in_facility(HOLD_ROLES) + " Only the user who placed a hold can admit into the held bed.",
        )},
        "/holds/{hold_id}": {"delete": _op(
            "releaseHold", "Release an active hold",
            _responses(204, None, "Released", 400, 404), tags=["beds"], parameters=[_id_param("hold_id")],
            description=_in_facility(HOLD_ROLES) + " A released or expired hold is a 404.",
        )},
        "/facilities": {"post": _op(
            "createFacility", "Create a facility",
            _responses(201, "Facility", "Created", 400, 404, 409, 422), tags=["admin"], body="FacilityCreate",
            description=ROLES_NOTE.format("admin"),
        )},
        "/facilities/{facility_id}/rooms": {"post": _op(
            "createRoom", "Add a room",
            _responses(201, "Room", "Created", 400, 404, 409, 422), tags=["admin"], body="RoomCreate",
            parameters=[_id_param("facility_id")],
            description="Admins, and facility managers in their own facilities (as in the UI). Others get 404.",
        )},
        "/rooms/{room_id}/beds": {"post": _op(
            "createBeds", "Add one bed, or many numbered beds at once",
            _responses(201, "BedsCreated", "Created", 400, 404, 409, 422), tags=["admin"], body="BedsCreate",
            parameters=[_id_param("room_id")],
            description="Admins, and facility managers in their own facilities (as in the UI). Others get 404.",
        )},
        "/openapi.json": {"get": _op(
            "openapi", "This document", _responses(200, "OpenAPI", "OpenAPI 3.1"), tags=["meta"],
        )},
    }


def _merged(part: str) -> dict:
    """The core's schemas or paths plus each feature module's, refusing a name defined twice."""
    from shelter.api import openapi_assessments, openapi_plans, openapi_programmes

    merged = _schemas() if part == "schemas" else _paths()
    for module in (openapi_assessments, openapi_plans, openapi_programmes):
        extra = getattr(module, part)()
        clash = merged.keys() & extra.keys()
        if clash:
            raise RuntimeError(f"OpenAPI {part} defined twice: {sorted(clash)}")
        merged.update(extra)
    return merged


@cache
def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shelter API",
            "version": "1",
            "description": (
                "Beds, residents and stays of Jakarta's social-service shelters. Send a token from "
                "`flask tokens create EMAIL` as `Authorization: Bearer …`; it acts as its user, with the "
                "user's roles and facilities. A browser session works too, with the X-CSRFToken header on "
                "changes. Records outside your facilities are 404, never 403. Errors are "
                "`{\"error\": {\"code\", \"message\"}}`; 422 adds `fields` ({field: code}: required, "
                "invalid_type, invalid_choice, out_of_range, too_long, invalid_format, control_characters, "
                "hidden_characters, unknown_field, …). Text may not hold control characters (multi-line fields "
                "may hold tabs and line breaks); one-line text (names, codes) is NFKC-normalised and may not "
                "hold hidden characters (bidi controls, zero-width spaces). Messages are in English; codes are "
                "stable."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": _merged("paths"),
        "components": {
            "schemas": _merged("schemas"),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "shelter_session"},
            },
        },
    }
