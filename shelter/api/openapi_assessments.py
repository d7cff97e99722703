"""The OpenAPI schemas and paths of the assessments endpoints, built from ``openapi_parts`` and merged into
``openapi.document()``."""

from __future__ import annotations

from shelter.api.openapi_parts import (DATE, DATE_TIME, ID, enum, id_param, nullable, obj, op, query_param, ref,
                                       responses, text)
from shelter.assessments.models import DOMAINS, FINDING_MAX, NOTE_MAX, NoteKind, Recommendation
from shelter.residents.models import RiskLevel

NOTES_PER_PAGE = 20

READ = ("Admins; caseworkers and case managers of the stay's facility. Others, and stays outside your "
        "facilities, get 404.")
WRITE = ("Caseworkers and case managers of the stay's facility (admins read only). Others, and stays outside "
         "your facilities, get 404.")


def schemas() -> dict:
    findings = {domain: text(FINDING_MAX, multiline=True) for domain in DOMAINS}
    return {
        "Findings": obj(findings, DOMAINS, description="One finding per domain; \"\" for a domain not assessed."),
        "FindingsInput": obj(findings, description="At least one non-blank finding; domains left out are \"\"."),
        "Assessment": obj({
            "id": ID,
            "stay_id": ID,
            "assessed_on": DATE,
            "author_id": nullable(ID),
            "created_at": DATE_TIME,
            "risk_level": enum(RiskLevel),
            "recommendation": enum(Recommendation),
            "findings": ref("Findings"),
        }, ("id", "stay_id", "assessed_on", "author_id", "created_at", "risk_level", "recommendation", "findings")),
        "AssessmentList": obj({
            "stay_id": ID,
            "first_assessment_due_on": {**DATE, "description": "Admission date (WIB) plus ASSESSMENT_DUE_DAYS."},
            "assessments": {"type": "array", "items": ref("Assessment"), "description": "Newest first."},
        }, ("stay_id", "first_assessment_due_on", "assessments")),
        "AssessmentCreate": obj({
            "assessed_on": {**DATE, "description": "Not before the admission (WIB), not in the future, not after "
                                                   "the discharge."},
            "risk_level": enum(RiskLevel),
            "recommendation": enum(Recommendation),
            "findings": ref("FindingsInput"),
        }, ("assessed_on", "risk_level", "recommendation", "findings")),
        "CaseNote": obj({
            "id": ID,
            "stay_id": ID,
            "noted_on": DATE,
            "kind": enum(NoteKind),
            "body": {"type": "string"},
            "author_id": nullable(ID),
            "created_at": DATE_TIME,
            "edited_at": nullable(DATE_TIME),
            "editable_until": {**DATE_TIME, "description": "created_at + 24 hours; only the author may edit."},
            "corrects_id": nullable(ID),
            "revisions": {"type": "integer", "minimum": 0, "description": "How many earlier versions are kept."},
        }, ("id", "stay_id", "noted_on", "kind", "body", "author_id", "created_at", "edited_at", "editable_until",
            "corrects_id", "revisions")),
        "CaseNotePage": obj({
            "notes": {"type": "array", "items": ref("CaseNote"), "description": "Newest first."},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "has_next": {"type": "boolean"},
        }, ("notes", "page", "per_page", "total", "has_next")),
        "CaseNoteCreate": obj({
            "noted_on": {**DATE, "description": "Not before the admission, not in the future."},
            "kind": enum(NoteKind),
            "body": text(NOTE_MAX, min_length=1, multiline=True),
            "corrects_id": nullable({**ID, "description": "The note of this stay that this one corrects."}),
        }, ("noted_on", "kind", "body")),
        "CaseNoteEdit": obj({
            "noted_on": DATE,
            "kind": enum(NoteKind),
            "body": text(NOTE_MAX, min_length=1, multiline=True),
        }, description="The fields to change; the note's earlier version is kept."),
    }


def paths() -> dict:
    page = query_param("page", {"type": "integer", "minimum": 1, "default": 1}, f"From 1; {NOTES_PER_PAGE} a page.")
    return {
        "/stays/{stay_id}/assessments": {
            "get": op("listAssessments", "The assessments of a stay, newest first",
                      responses(200, "AssessmentList", "The assessments", 404), tags=["assessments"],
                      parameters=[id_param("stay_id")], description=READ),
            "post": op("createAssessment", "Record an assessment of a stay",
                       responses(201, "Assessment", "Recorded", 400, 404, 422), tags=["assessments"],
                       body="AssessmentCreate", parameters=[id_param("stay_id")],
                       description=WRITE + " 422 with fields.assessed_on = in_future, before_admission or "
                                           "after_discharge; fields.findings = required (all blank) or too_long."),
        },
        "/assessments/{assessment_id}": {"get": op(
            "getAssessment", "One assessment", responses(200, "Assessment", "The assessment", 404),
            tags=["assessments"], parameters=[id_param("assessment_id")], description=READ,
        )},
        "/stays/{stay_id}/case-notes": {
            "get": op("listCaseNotes", "The case notes of a stay, newest first",
                      responses(200, "CaseNotePage", "One page", 404, 422), tags=["case notes"],
                      parameters=[id_param("stay_id"), page], description=READ),
            "post": op("createCaseNote", "Write a case note",
                       responses(201, "CaseNote", "Written", 400, 404, 422), tags=["case notes"],
                       body="CaseNoteCreate", parameters=[id_param("stay_id")],
                       description=WRITE + f" A body longer than {NOTE_MAX} characters is 422 "
                                           "(fields.body = too_long) and nothing is saved."),
        },
        "/case-notes/{note_id}": {"patch": op(
            "editCaseNote", "Edit a case note (its author, within 24 hours)",
            responses(200, "CaseNote", "Edited", 400, 404, 409, 422), tags=["case notes"], body="CaseNoteEdit",
            parameters=[id_param("note_id")],
            description=WRITE + " 409 not_author for anyone but the author, 409 edit_window_closed 24 hours "
                                "after the note was written: a correction is then a new note with corrects_id. "
                                "The earlier version is kept (revisions).",
        )},
    }
