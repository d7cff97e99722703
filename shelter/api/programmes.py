"""JSON API v1 routes of programmes (added to the API blueprint; described in ``openapi_programmes``).

The same lookups and services as the UI: each record through a scope-and-role check (404 outside
it), one service call, one commit. Answers carry ids, never a resident's name.
"""

from __future__ import annotations

from datetime import time

from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shelter.access import get_facility_or_404, get_resident_or_404
from shelter.api.errors import ApiError, invalid, not_found
from shelter.api.schema import parse_date
from shelter.api.serialise import iso
from shelter.api.views import bp, json_body
from shelter.extensions import db
from shelter.programmes import queries, service
from shelter.programmes.models import Enrollment, Programme, ProgrammeSession

MESSAGES = {
    "no_open_stay": "Only residents staying in the programme's facility can enrol.",
    "already_enrolled": "This resident is already enrolled in this programme or on its waitlist.",
    "not_eligible": "The programme's restrictions do not fit this resident; send override_reason to enrol anyway.",
    "enrolment_not_active": "This enrolment has already ended.",
    "enrolment_not_enrolled": "Only an enrolment holding a place (status enrolled) can be marked completed; "
                              "this one is waitlisted, already completed, or has ended. Nothing was changed.",
    "not_enrolled": "A mark is for someone not holding a place in this programme; nothing was saved.",
    "session_not_started": "This session is after today; attendance can be taken from its day on.",
}


# --- lookups ------------------------------------------------------------------------------------------------

def programme_or_404(programme_id: int, allowed=None) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise not_found("Programme")
    get_facility_or_404(programme.facility_id)
    if allowed is not None and not allowed(current_user, programme.facility_id):
        raise not_found("Programme")
    return programme


def enrollment_or_404(enrollment_id: int, allowed) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise not_found("Enrolment")
    programme_or_404(enrollment.programme_id, allowed)
    return enrollment


def session_or_404(session_id: int, allowed) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id)
    if session is None:
        raise not_found("Session")
    programme_or_404(session.programme_id, allowed)
    return session


# --- records to JSON ------------------------------------------------------------------------------------------

def programme_json(programme: Programme, enrolled: int, waitlisted: int) -> dict:
    return {
        "id": programme.id, "facility_id": programme.facility_id, "name": programme.name,
        "description": programme.description, "trainer": programme.trainer, "capacity": programme.capacity,
        "starts_on": iso(programme.starts_on), "ends_on": iso(programme.ends_on),
        "weekdays": programme.weekday_numbers, "start_time": programme.start_time.strftime("%H:%M"),
        "duration_minutes": programme.duration_minutes, "eligible_sex": programme.eligible_sex,
        "min_age": programme.min_age, "max_age": programme.max_age, "enrolled": enrolled, "waitlisted": waitlisted,
    }


def programme_detail(programme: Programme) -> dict:
    positions = service.waitlist_positions(programme.id)
    sessions = queries.sessions_of(programme.id)
    return {**programme_json(programme, service.seats_taken(programme.id), len(positions)),
            "sessions": [{"id": s.id, "date": iso(s.session_date), "starts_at": iso(s.starts_at),
                          "ends_at": iso(s.ends_at)} for s in sessions]}


def enrolment_json(enrollment: Enrollment, position: int | None) -> dict:
    return {
        "id": enrollment.id, "programme_id": enrollment.programme_id, "resident_id": enrollment.resident_id,
        "stay_id": enrollment.stay_id, "status": enrollment.status, "waitlist_position": position,
        "requested_at": iso(enrollment.requested_at), "enrolled_at": iso(enrollment.enrolled_at),
        "completed_at": iso(enrollment.completed_at), "ended_at": iso(enrollment.ended_at),
        "end_reason": enrollment.end_reason,
    }


# --- errors -----------------------------------------------------------------------------------------------------

def programme_error(error: service.ProgrammeError) -> ApiError:
    if isinstance(error, service.InvalidProgramme):
        return invalid(error.problems)
    if isinstance(error, service.NotEligible):
        return ApiError(422, "not_eligible", MESSAGES["not_eligible"], problems=list(error.problems),
                        fields={"override_reason": "required"})
    if isinstance(error, service.InvalidAttendance):
        return invalid({"marks": "invalid_choice"})
    return ApiError(409, error.code, MESSAGES.get(error.code))


def commit(action):
    try:
        result = action()
        db.session.commit()
    except service.ProgrammeError as error:
        db.session.rollback()
        raise programme_error(error) from None
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "conflict") from None
    return result


# --- routes ---------------------------------------------------------------------------------------------------------

@bp.get("/facilities/<id:facility_id>/programmes")
def programmes_list(facility_id: int):
    facility = get_facility_or_404(facility_id)
    rows = queries.programme_rows({facility.id})
    return {"facility_id": facility.id,
            "programmes": [programme_json(r.programme, r.enrolled, r.waitlisted) for r in rows]}


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@bp.post("/facilities/<id:facility_id>/programmes")
def programme_create(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if not service.may_manage(current_user, facility.id):
        raise not_found("Facility")
    body = json_body("ProgrammeCreate")
    data = service.ProgrammeInput(
        name=body["name"], description=body.get("description") or "", trainer=body.get("trainer") or "",
        capacity=body["capacity"], starts_on=parse_date(body["starts_on"]), ends_on=parse_date(body["ends_on"]),
        weekdays=list(body["weekdays"]), start_time=_time(body["start_time"]),
        duration_minutes=body["duration_minutes"], eligible_sex=body.get("eligible_sex"),
        min_age=body.get("min_age"), max_age=body.get("max_age"))
    programme = commit(lambda: service.create_programme(facility, data, by=current_user))
    return programme_detail(programme), 201


@bp.get("/programmes/<id:programme_id>")
def programme_get(programme_id: int):
    return programme_detail(programme_or_404(programme_id))


@bp.get("/programmes/<id:programme_id>/enrolments")
def enrolments_list(programme_id: int):
    programme = programme_or_404(programme_id, service.may_manage)
    positions = service.waitlist_positions(programme.id)
    return {"programme_id": programme.id,
            "enrolments": [enrolment_json(e, positions.get(e.id)) for e in queries.enrolments_of(programme.id)]}


@bp.post("/programmes/<id:programme_id>/enrolments")
def enrol(programme_id: int):
    programme = programme_or_404(programme_id, service.may_manage)
    body = json_body("EnrolmentCreate")
    resident = get_resident_or_404(body["resident_id"])
    enrollment = commit(lambda: service.enrol(programme, resident, by=current_user,
                                              override_reason=body.get("override_reason")))
    return enrolment_json(enrollment, service.waitlist_position(enrollment)), 201


@bp.post("/enrolments/<id:enrollment_id>/withdraw")
def withdraw(enrollment_id: int):
    enrollment = enrollment_or_404(enrollment_id, service.may_manage)
    promoted = commit(lambda: service.withdraw(enrollment, by=current_user))
    return {"enrolment": enrolment_json(enrollment, None),
            "promoted": enrolment_json(promoted, None) if promoted is not None else None}


@bp.post("/enrolments/<id:enrollment_id>/complete")
def enrolment_complete(enrollment_id: int):
    enrollment = enrollment_or_404(enrollment_id, service.may_manage)

    def mark_completed():
        try:
            return service.complete(enrollment, by=current_user)
        except service.EnrollmentNotActive:
            # The service's enrolment_not_active also covers the waitlist here: a code of its own, so a
            # partner system can tell "holds no place" from withdraw's "already ended".
            raise ApiError(409, "enrolment_not_enrolled", MESSAGES["enrolment_not_enrolled"]) from None

    return enrolment_json(commit(mark_completed), None)


@bp.post("/programme-sessions/<id:session_id>/attendance")
def attendance_record(session_id: int):
    session = session_or_404(session_id, service.may_take_attendance)
    body = json_body("AttendanceCreate")

    def record():
        saved = []
        for n, mark in enumerate(body["marks"]):
            try:
                saved.append(service.record_attendance(session, mark["enrollment_id"], mark["status"],
                                                       by=current_user))
            except service.NotEnrolled:
                raise ApiError(422, "not_enrolled", MESSAGES["not_enrolled"],
                               fields={f"marks[{n}].enrollment_id": "not_enrolled"}) from None
        return saved

    marks = commit(record)
    return {"session_id": session.id,
            "marks": [{"enrollment_id": m.enrollment_id, "status": m.status, "marked_at": iso(m.marked_at)}
                      for m in marks]}
