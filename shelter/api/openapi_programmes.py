"""The OpenAPI schemas and paths of the programmes endpoints, built from ``openapi_parts`` and merged into
``openapi.document()``."""

from __future__ import annotations

from shelter.api.openapi_parts import (COUNT, DATE, DATE_TIME, ID, ONE_LINE, enum, id_param, nullable, obj, op, ref,
                                       responses, text)
from shelter.programmes import service
from shelter.programmes.models import AttendanceStatus, EnrollmentStatus

TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "HH:MM, local time (WIB)."}
WEEKDAYS = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 7}, "minItems": 1, "maxItems": 7,
            "description": "ISO weekdays: 1 = Monday … 7 = Sunday."}
AGE = {"type": "integer", "minimum": 0, "maximum": service.MAX_AGE}
SEX = enum(("female", "male"))

PROGRAMME_FIELDS = ("id", "facility_id", "name", "description", "trainer", "capacity", "starts_on", "ends_on",
                    "weekdays", "start_time", "duration_minutes", "eligible_sex", "min_age", "max_age", "enrolled",
                    "waitlisted")
ENROLMENT_FIELDS = ("id", "programme_id", "resident_id", "stay_id", "status", "waitlist_position", "requested_at",
                    "enrolled_at", "completed_at", "ended_at", "end_reason")

MANAGE = ("Admins anywhere; facility_manager, case_manager and caseworker in their own facilities. "
          "Others get 404.")
ATTEND = ("Admins anywhere; caseworker, intake_staff, facility_manager and case_manager in their own "
          "facilities. Others get 404.")


def schemas() -> dict:
    programme_properties = {
        "id": ID,
        "facility_id": ID,
        "name": {"type": "string"},
        "description": {"type": "string"},
        "trainer": {"type": "string"},
        "capacity": {"type": "integer", "minimum": 1},
        "starts_on": DATE,
        "ends_on": DATE,
        "weekdays": WEEKDAYS,
        "start_time": TIME,
        "duration_minutes": {"type": "integer", "minimum": 1},
        "eligible_sex": nullable(SEX),
        "min_age": nullable(AGE),
        "max_age": nullable(AGE),
        "enrolled": {**COUNT, "description": "Places taken (enrolled or completed)."},
        "waitlisted": COUNT,
    }
    return {
        "Programme": obj(programme_properties, PROGRAMME_FIELDS),
        "ProgrammeList": obj({"facility_id": ID, "programmes": {"type": "array", "items": ref("Programme")}},
                             ("facility_id", "programmes")),
        "ProgrammeSession": obj({"id": ID, "date": {**DATE, "description": "The local (WIB) date."},
                                 "starts_at": DATE_TIME, "ends_at": DATE_TIME}, ("id", "date", "starts_at", "ends_at")),
        "ProgrammeDetail": obj({**programme_properties,
                                "sessions": {"type": "array", "items": ref("ProgrammeSession")}},
                               (*PROGRAMME_FIELDS, "sessions")),
        "ProgrammeCreate": obj({
            "name": text(service.NAME_MAX, min_length=1, pattern=ONE_LINE),
            "description": nullable(text(service.DESCRIPTION_MAX, multiline=True)),
            "trainer": nullable(text(service.TRAINER_MAX, pattern=ONE_LINE)),
            "capacity": {"type": "integer", "minimum": 1, "maximum": service.MAX_CAPACITY},
            "starts_on": DATE,
            "ends_on": {**DATE, "description": "Not before starts_on; at most two years later."},
            "weekdays": WEEKDAYS,
            "start_time": TIME,
            "duration_minutes": {"type": "integer", "minimum": 1, "maximum": service.MAX_DURATION},
            "eligible_sex": nullable(SEX),
            "min_age": nullable(AGE),
            "max_age": nullable(AGE),
        }, ("name", "capacity", "starts_on", "ends_on", "weekdays", "start_time", "duration_minutes"),
            description="The weekly schedule generates the sessions between starts_on and ends_on."),
        "Enrolment": obj({
            "id": ID,
            "programme_id": ID,
            "resident_id": ID,
            "stay_id": ID,
            "status": enum(EnrollmentStatus),
            "waitlist_position": nullable({"type": "integer", "minimum": 1,
                                           "description": "1 = next in line; null unless waitlisted."}),
            "requested_at": DATE_TIME,
            "enrolled_at": nullable(DATE_TIME),
            "completed_at": nullable(DATE_TIME),
            "ended_at": nullable(DATE_TIME),
            "end_reason": nullable({"type": "string", "description": "withdrawn, or the discharge outcome."}),
        }, ENROLMENT_FIELDS, description="Ids only: never the resident's name."),
        "EnrolmentList": obj({"programme_id": ID, "enrolments": {"type": "array", "items": ref("Enrolment")}},
                             ("programme_id", "enrolments")),
        "EnrolmentCreate": obj({
            "resident_id": {**ID, "description": "A resident with an open stay in the programme's facility."},
            "override_reason": nullable(text(service.REASON_MAX, multiline=True, description=(
                "Needed when the programme's restrictions (sex, age) do not fit the resident; audited."))),
        }, ("resident_id",)),
        "Withdrawal": obj({"enrolment": ref("Enrolment"), "promoted": nullable(ref("Enrolment"))},
                          ("enrolment", "promoted"),
                          description="promoted: the first on the waitlist, who now has the freed place."),
        "AttendanceMark": obj({"enrollment_id": ID, "status": enum(AttendanceStatus)}, ("enrollment_id", "status")),
        "AttendanceCreate": obj({"marks": {"type": "array", "items": ref("AttendanceMark"), "minItems": 1,
                                           "maxItems": service.MAX_CAPACITY}}, ("marks",)),
        "AttendanceSaved": obj({
            "session_id": ID,
            "marks": {"type": "array", "items": obj({"enrollment_id": ID, "status": enum(AttendanceStatus),
                                                     "marked_at": DATE_TIME},
                                                    ("enrollment_id", "status", "marked_at"))},
        }, ("session_id", "marks")),
    }


def paths() -> dict:
    return {
        "/facilities/{facility_id}/programmes": {
            "get": op("listProgrammes", "The skills programmes of one of your facilities",
                      responses(200, "ProgrammeList", "Newest first, with places taken and waitlisted", 404),
                      tags=["programmes"], parameters=[id_param("facility_id")],
                      description="Facilities you belong to (admins: all); any other id is a 404."),
            "post": op("createProgramme", "Create a programme; its weekly schedule generates the sessions",
                       responses(201, "ProgrammeDetail", "Created, with its sessions", 400, 404, 422),
                       tags=["programmes"], body="ProgrammeCreate", parameters=[id_param("facility_id")],
                       description=MANAGE + " 422 with fields.ends_on = before_start, fields.max_age = "
                                            "below_min_age, …"),
        },
        "/programmes/{programme_id}": {"get": op(
            "getProgramme", "A programme with its sessions", responses(200, "ProgrammeDetail", "The programme", 404),
            tags=["programmes"], parameters=[id_param("programme_id")],
            description="Programmes of your facilities (admins: all); any other id is a 404.",
        )},
        "/programmes/{programme_id}/enrolments": {
            "get": op("listEnrolments", "Everyone who enrolled: places, then the waitlist in order, then the rest",
                      responses(200, "EnrolmentList", "The enrolments", 404), tags=["programmes"],
                      parameters=[id_param("programme_id")], description=MANAGE),
            "post": op("enrol", "Enrol a resident: a place, or the waitlist when the programme is full",
                       responses(201, "Enrolment", "status enrolled, or waitlisted with waitlist_position",
                                 400, 404, 409, 422),
                       tags=["programmes"], body="EnrolmentCreate", parameters=[id_param("programme_id")],
                       description=MANAGE + " Capacity is enforced in the database: when two enrolments race for "
                                            "the last place, one gets it and the other is waitlisted. 409 "
                                             "no_open_stay (not staying in the programme's facility), "
                                             "already_enrolled. 422 not_eligible (with problems: sex, too_young, "
                                             "too_old) when the restrictions do not fit and no override_reason "
                                             "is given."),
        },
        "/enrolments/{enrollment_id}/withdraw": {"post": op(
            "withdraw", "Withdraw an enrolled or waitlisted resident",
            responses(200, "Withdrawal", "Withdrawn; promoted is who took the freed place", 400, 404, 409),
            tags=["programmes"], parameters=[id_param("enrollment_id")],
            description=MANAGE + " The first on the waitlist is promoted into the freed place at once (no offer "
                                 "step). 409 enrolment_not_active when it already ended.",
        )},
        "/enrolments/{enrollment_id}/complete": {"post": op(
            "completeEnrolment", "Mark an enrolled resident as having completed the programme",
            responses(200, "Enrolment", "status completed, with completed_at; the place stays taken", 404, 409),
            tags=["programmes"], parameters=[id_param("enrollment_id")],
            description=MANAGE + " The completion certificate page opens from then on. 409 "
                                 "enrolment_not_enrolled when the enrolment holds no place: waitlisted, "
                                 "already completed, withdrawn or ended at discharge.",
        )},
        "/programme-sessions/{session_id}/attendance": {"post": op(
            "recordAttendance", "Record attendance marks for one session",
            responses(200, "AttendanceSaved", "Saved; a second mark for the same resident replaces the first",
                      400, 404, 409, 422),
            tags=["programmes"], body="AttendanceCreate", parameters=[id_param("session_id")],
            description=ATTEND + " All marks or none: 422 not_enrolled (fields: marks[i].enrollment_id) when one "
                                 "is not an enrolment holding a place in this session's programme; 409 "
                                 "session_not_started for a session after today (WIB).",
        )},
    }
