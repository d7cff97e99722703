"""JSON API v1: the same services as the UI, bearer tokens or the browser session.

Every view: check the role (``roles_required``: 404 otherwise, like the UI), check the body against
the schema the OpenAPI document publishes, look each record up through a scope check (404 outside
it, never 403), call one service function, commit once. Domain errors become status codes here;
``ApiError``'s handler rolls back, so a refused request writes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError

from shelter.access import (can_manage_facility, episode_clause, find_stay, get_facility_or_404, get_resident_or_404,
                            resident_scope_clause, roles_required, sees_episode, visible_facility_ids)
from shelter.api import serialise
from shelter.api.errors import ApiError, handle, invalid, not_found
from shelter.api.openapi import PER_PAGE, document
from shelter.api.schema import normalised, parse_date, parse_date_time, request_problems
from shelter.auth.models import Role
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, FacilityKind, Kota, Room
from shelter.residents import service as residents
from shelter.residents.models import Resident
from shelter.stays import queries
from shelter.stays import service as stays
from shelter.stays.models import BedAssignment, BedHold, Stay

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, handle)

# Ids in URLs stop at the INTEGER column's range: a larger number is a 404 from the router.

INTAKE_ROLES = (Role.ADMIN, Role.INTAKE_STAFF, Role.CASE_MANAGER, Role.FACILITY_MANAGER)
# Stays and holds: the roles that may act somewhere; the stays service says where (per facility),
# the same answer the UI gets.
ADMIT_ROLES = (Role.ADMIN, *(Role(r) for r in stays.ADMIT_ROLES))
MOVE_ROLES = (Role.ADMIN, *(Role(r) for r in stays.MOVE_ROLES))
HOLD_ROLES = (Role.ADMIN, *(Role(r) for r in stays.HOLD_ROLES))

# SQLSTATEs of a transaction PostgreSQL gave up on because of another one: the client may retry.
RETRYABLE = {"40001", "40P01", "55P03"}


# --- input ----------------------------------------------------------------------------------------------

def json_body(schema: str) -> dict:
    """The body as a dict that satisfies the named component schema; 400 or 422 otherwise."""
    try:
        body = request.get_json(force=True, silent=True)
    except RecursionError:  # absurdly nested arrays: not a ValueError, so not silenced
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request")
    # Names and codes as they are checked and stored (NFKC, shelter.text); notes as typed.
    body = normalised(body, {"$ref": f"#/components/schemas/{schema}"})
    problems = request_problems(body, schema)
    if problems:
        raise invalid(problems)
    return body


def stripped(body: dict, name: str, problems: dict) -> str:
    """A required text field without surrounding spaces; blank is ``required``."""
    value = (body.get(name) or "").strip()
    if not value:
        problems[name] = "required"
    return value


def page_number() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) >= 1):
        raise invalid({"page": "out_of_range" if raw.isascii() and raw.isdigit() else "invalid_type"})
    return int(raw)


# --- lookups: scope first; anything outside it is a 404 --------------------------------------------------

def _in_scope(query, facility_column):
    return query.where(episode_clause(current_user, facility_column))


def bed_or_404(bed_id: int, allowed) -> Bed:
    """A bed of an active facility where ``allowed(user, facility_id)`` (stays.may_admit, …)."""
    row = db.session.execute(_in_scope(
        sa.select(Bed, Facility.id).join(Room, Bed.room_id == Room.id).join(Facility, Room.facility_id == Facility.id)
        .where(Bed.id == bed_id, Facility.is_active.is_(True)), Room.facility_id)).first()
    if row is None or not allowed(current_user, row[1]):
        raise not_found("Bed")
    return row[0]


def stay_or_404(stay_id: int, allowed) -> Stay:
    stay = find_stay(stay_id, allowed)
    if stay is None:
        raise not_found("Stay")
    get_resident_or_404(stay.resident_id)
    return stay


def active_hold_or_404(hold_id: int) -> BedHold:
    query = (sa.select(BedHold, Room.facility_id).join(Bed, BedHold.bed_id == Bed.id).join(Room)
             .where(BedHold.id == hold_id, BedHold.released_at.is_(None), BedHold.expires_at > utcnow()))
    row = db.session.execute(_in_scope(query, Room.facility_id)).first()
    if row is None or not stays.may_hold(current_user, row[1]):
        raise not_found("Hold")
    return row[0]


def managed_facility_or_404(facility_id: int) -> Facility:
    facility = get_facility_or_404(facility_id)
    if not can_manage_facility(current_user, facility):
        raise not_found("Facility")
    return facility


def registration_facility(facility_id: int | None) -> int:
    ids = visible_facility_ids(current_user)
    if facility_id is None:
        if ids is not None and len(ids) == 1:
            return next(iter(ids))
        raise invalid({"facility_id": "required"})
    if ids is not None and facility_id not in ids:
        raise not_found("Facility")
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise not_found("Facility")
    if not facility.is_active:
        raise invalid({"facility_id": "inactive"})
    return facility.id


# --- mapping service errors -------------------------------------------------------------------------------

def stay_error(error: stays.StayError) -> ApiError:
    if isinstance(error, stays.RoomRulesViolated):
        return ApiError(422, "room_rules", problems=list(error.problems), fields={"override_reason": "required"})
    if isinstance(error, stays.InvalidDischarge):
        reason = str(error)
        if reason == "outcome":
            return invalid({"outcome": "invalid_choice"})
        return invalid({"discharged_at": reason})
    if isinstance(error, stays.HoldNotFound):
        return not_found("Hold")
    if isinstance(error, stays.ReasonRequired):
        return invalid({"reason": "required"})
    if isinstance(error, stays.InvalidHold):
        return invalid({"hours": "out_of_range"})
    if isinstance(error, (stays.BedNotAvailable, stays.BedOutOfService, stays.ResidentAlreadyAdmitted,
                          stays.StayClosed)):
        return ApiError(409, error.code)
    return ApiError(409, error.code, str(error) or None)


def run_and_commit(action, domain_error=None):
    """Run one service call and commit, mapping what can go wrong to an ApiError. ``domain_error(error)``
    turns a feature's domain error into an ApiError (None: not one of its errors, raised as it is); by
    default the stays' errors are mapped. Every API module's writes go through here."""
    try:
        result = action()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # a guard in the database said no; nothing was written
        raise ApiError(409, "conflict") from None
    except OperationalError as error:
        db.session.rollback()
        if getattr(error.orig, "sqlstate", None) in RETRYABLE:
            raise ApiError(409, "conflict") from None
        raise
    except Exception as error:
        mapped = (domain_error or _stay_error)(error)
        db.session.rollback()
        if mapped is None:
            raise
        raise mapped from None
    return result


def _stay_error(error: Exception) -> ApiError | None:
    return stay_error(error) if isinstance(error, stays.StayError) else None


# --- beds and availability ----------------------------------------------------------------------------------

@bp.get("/facilities/<id:facility_id>/beds")
def facility_beds(facility_id: int):
    facility = get_facility_or_404(facility_id)
    return {"facility_id": facility.id,
            "beds": [serialise.bed_state(state) for state in queries.bed_states([facility.id])]}


@bp.post("/holds")
@roles_required(*HOLD_ROLES)
def hold_create():
    body = json_body("HoldCreate")
    problems: dict[str, str] = {}
    reason = stripped(body, "reason", problems)
    if problems:
        raise invalid(problems)
    bed = bed_or_404(body["bed_id"], stays.may_hold)
    hold = run_and_commit(lambda: stays.place_hold(bed, by=current_user, reason=reason,
                                                   hours=body.get("hours", 24)))
    return serialise.hold(hold), 201


@bp.delete("/holds/<id:hold_id>")
@roles_required(*HOLD_ROLES)
def hold_release(hold_id: int):
    hold = active_hold_or_404(hold_id)
    run_and_commit(lambda: stays.release_hold(hold, by=current_user))
    return "", 204


# --- residents ----------------------------------------------------------------------------------------------

def current_stays(resident_ids: list[int]) -> dict[int, dict]:
    """Open stays of these residents that are the user's episodes (``episode_clause``: a stay elsewhere
    would tell where the person is). One statement."""
    if not resident_ids:
        return {}
    query = (sa.select(Stay.resident_id, Stay.id, Stay.facility_id, BedAssignment.bed_id)
             .outerjoin(BedAssignment, sa.and_(BedAssignment.stay_id == Stay.id, BedAssignment.ended_at.is_(None)))
             .where(Stay.resident_id.in_(resident_ids), Stay.discharged_at.is_(None)))
    rows = db.session.execute(_in_scope(query, Stay.facility_id)).all()
    return {rid: {"id": sid, "facility_id": fid, "bed_id": bid} for rid, sid, fid, bid in rows}


@bp.get("/residents")
def residents_list():
    page = page_number()
    rows = list(db.session.scalars(
        sa.select(Resident).where(resident_scope_clause(current_user))
        .order_by(Resident.id).offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
    ))
    shown = rows[:PER_PAGE]
    at, user = current_stays([r.id for r in shown]), current_user
    return {"residents": [serialise.resident(r, at.get(r.id), sees_episode(user, r.registered_facility_id))
                          for r in shown],
            "page": page, "per_page": PER_PAGE, "has_next": len(rows) > PER_PAGE}


def _api_fields(problems: dict[str, str]) -> dict[str, str]:
    return {("name" if key == "full_name" else key): code for key, code in problems.items()}


@bp.post("/residents")
@roles_required(*INTAKE_ROLES)
def resident_create():
    body = json_body("ResidentCreate")
    facility_id = registration_facility(body.get("facility_id"))
    guardian_id = body.get("guardian_id")
    if guardian_id is not None:
        get_resident_or_404(guardian_id)
    data = residents.ResidentInput(
        full_name=body["name"], sex=body["sex"],
        birth_date=parse_date(body["birth_date"]) if body.get("birth_date") is not None else None,
        estimated_age=body.get("estimated_age"), alias=body.get("alias"), nik=body.get("nik"),
        kota_of_origin=body.get("kota_of_origin"), risk_level=body.get("risk_level") or "low",
        disabilities=body.get("disabilities") or "", categories=list(body.get("categories") or []),
        guardian_id=guardian_id,
    )
    try:
        residents.validate(data)
    except residents.ResidentInvalid as error:
        raise invalid(_api_fields(error.problems)) from None
    if not body.get("allow_duplicates"):
        duplicates = residents.likely_duplicates(data, scope_clause=resident_scope_clause(current_user))
        if duplicates:
            raise ApiError(409, "possible_duplicates", duplicates=[r.id for r in duplicates])
    try:
        resident = run_and_commit(lambda: residents.register(
            data, facility_id=facility_id, by=current_user, scope_clause=resident_scope_clause(current_user)))
    except residents.ResidentInvalid as error:
        db.session.rollback()
        raise invalid(_api_fields(error.problems)) from None
    return serialise.resident(resident, None), 201


# --- stays ----------------------------------------------------------------------------------------------------

@bp.post("/stays")
@roles_required(*ADMIT_ROLES)
def stay_create():
    body = json_body("StayCreate")
    resident = get_resident_or_404(body["resident_id"])
    bed = bed_or_404(body["bed_id"], stays.may_admit)
    bed_id = bed.id
    stay = run_and_commit(lambda: stays.admit(resident, bed, by=current_user,
                                              override_reason=body.get("override_reason")))
    return serialise.stay(stay, bed_id), 201


@bp.post("/stays/<id:stay_id>/transfer")
@roles_required(*MOVE_ROLES)
def stay_transfer(stay_id: int):
    stay = stay_or_404(stay_id, stays.may_move)  # before the body: a stay elsewhere is a 404, never a 422
    body = json_body("Transfer")
    bed = bed_or_404(body["bed_id"], stays.may_move)
    bed_id = bed.id
    new_stay = run_and_commit(lambda: stays.transfer(stay, bed, by=current_user,
                                                     override_reason=body.get("override_reason")))
    return serialise.stay(new_stay, bed_id), 200


@bp.post("/stays/<id:stay_id>/discharge")
@roles_required(*MOVE_ROLES)
def stay_discharge(stay_id: int):
    stay = stay_or_404(stay_id, stays.may_move)  # before the body, as in stay_transfer
    body = json_body("Discharge")
    at = parse_date_time(body["discharged_at"]) if body.get("discharged_at") is not None else None
    run_and_commit(lambda: stays.discharge(stay, outcome=body["outcome"], note=body.get("note") or "",
                                           by=current_user, at=at))
    return serialise.stay(stay, None), 200


# --- the document -----------------------------------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    return document()
