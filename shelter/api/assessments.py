"""JSON API v1 routes of assessments and case notes (added to the API blueprint; described in
``openapi_assessments``). The same service as the UI; the same scope: a stay outside the user's
facilities, or a role that does not read case files, is a 404."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from shelter.access import find_stay, roles_required
from shelter.api.errors import ApiError, invalid, not_found
from shelter.api.openapi_assessments import NOTES_PER_PAGE
from shelter.api.schema import parse_date
from shelter.api.serialise import iso
from shelter.api.views import bp, json_body, page_number
from shelter.assessments import queries, service
from shelter.assessments.models import DOMAINS, Assessment, CaseNote, CaseNoteRevision
from shelter.extensions import db
from shelter.stays.models import Stay

NOT_AUTHOR = "Only the author can edit this note; write a new note (corrects_id) to correct it."
WINDOW_CLOSED = "A note can be edited for 24 hours after it was written; write a new note (corrects_id) to correct it."


# --- lookups: scope and role first ------------------------------------------------------------------------

def stay_or_404(stay_id: int, *, write: bool = False) -> Stay:
    stay = find_stay(stay_id, service.may_write if write else service.may_read)
    if stay is None:
        raise not_found("Stay")
    return stay


def assessment_or_404(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise not_found("Assessment")
    try:
        stay_or_404(assessment.stay_id)
    except ApiError:
        raise not_found("Assessment") from None
    return assessment


def note_or_404(note_id: int, *, write: bool = False) -> tuple[CaseNote, Stay]:
    note = db.session.get(CaseNote, note_id)
    if note is None:
        raise not_found("Case note")
    try:
        return note, stay_or_404(note.stay_id, write=write)
    except ApiError:
        raise not_found("Case note") from None


# --- JSON ----------------------------------------------------------------------------------------------------

def assessment_json(a: Assessment) -> dict:
    return {"id": a.id, "stay_id": a.stay_id, "assessed_on": iso(a.assessed_on), "author_id": a.author_id,
            "created_at": iso(a.created_at), "risk_level": a.risk_level, "recommendation": a.recommendation,
            "findings": a.findings()}


def note_json(n: CaseNote, revisions: int) -> dict:
    return {"id": n.id, "stay_id": n.stay_id, "noted_on": iso(n.noted_on), "kind": n.kind, "body": n.body,
            "author_id": n.author_id, "created_at": iso(n.created_at), "edited_at": iso(n.edited_at),
            "editable_until": iso(service.edit_closes_at(n)), "corrects_id": n.corrects_id, "revisions": revisions}


def revision_counts(note_ids: list[int]) -> dict[int, int]:
    if not note_ids:
        return {}
    rows = db.session.execute(sa.select(CaseNoteRevision.note_id, sa.func.count())
                              .where(CaseNoteRevision.note_id.in_(note_ids)).group_by(CaseNoteRevision.note_id))
    return dict(rows.all())


def _api_problems(problems: dict[str, str]) -> dict[str, str]:
    """The service's field names as the API's: a finding's problem is under ``findings``."""
    fields: dict[str, str] = {}
    for name, code in problems.items():
        fields.setdefault("findings" if name in DOMAINS else name, code)
    return fields


def _commit(action):
    try:
        result = action()
        db.session.commit()
    except service.Invalid as error:
        db.session.rollback()
        raise invalid(_api_problems(error.problems)) from None
    except service.NotAuthor:
        db.session.rollback()
        raise ApiError(409, "not_author", NOT_AUTHOR) from None
    except service.EditWindowClosed:
        db.session.rollback()
        raise ApiError(409, "edit_window_closed", WINDOW_CLOSED) from None
    return result


# --- assessments -------------------------------------------------------------------------------------------

@bp.get("/stays/<id:stay_id>/assessments")
@roles_required(*service.READ_ROLES)
def assessments_list(stay_id: int):
    stay = stay_or_404(stay_id)
    return {"stay_id": stay.id, "first_assessment_due_on": iso(service.first_assessment_due_on(stay)),
            "assessments": [assessment_json(a) for a in queries.assessments_of(stay)]}


@bp.post("/stays/<id:stay_id>/assessments")
@roles_required(*service.WRITE_ROLES)
def assessment_create(stay_id: int):
    stay = stay_or_404(stay_id, write=True)  # scope first: outside it, a 404 whatever the body
    body = json_body("AssessmentCreate")
    data = service.AssessmentInput(assessed_on=parse_date(body["assessed_on"]), risk_level=body["risk_level"],
                                   recommendation=body["recommendation"], findings=dict(body["findings"]))
    assessment = _commit(lambda: service.record_assessment(stay, data, by=current_user))
    return assessment_json(assessment), 201


@bp.get("/assessments/<id:assessment_id>")
@roles_required(*service.READ_ROLES)
def assessment_get(assessment_id: int):
    return assessment_json(assessment_or_404(assessment_id))


# --- case notes ----------------------------------------------------------------------------------------------

@bp.get("/stays/<id:stay_id>/case-notes")
@roles_required(*service.READ_ROLES)
def case_notes_list(stay_id: int):
    stay = stay_or_404(stay_id)
    page = page_number()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(CaseNote).where(CaseNote.stay_id == stay.id))
    notes = list(db.session.scalars(
        sa.select(CaseNote).where(CaseNote.stay_id == stay.id).order_by(CaseNote.noted_on.desc(), CaseNote.id.desc())
        .offset((page - 1) * NOTES_PER_PAGE).limit(NOTES_PER_PAGE)))
    counts = revision_counts([n.id for n in notes])
    return {"notes": [note_json(n, counts.get(n.id, 0)) for n in notes], "page": page, "per_page": NOTES_PER_PAGE,
            "total": total, "has_next": page * NOTES_PER_PAGE < total}


@bp.post("/stays/<id:stay_id>/case-notes")
@roles_required(*service.WRITE_ROLES)
def case_note_create(stay_id: int):
    stay = stay_or_404(stay_id, write=True)
    body = json_body("CaseNoteCreate")
    data = service.NoteInput(noted_on=parse_date(body["noted_on"]), kind=body["kind"], body=body["body"],
                             corrects_id=body.get("corrects_id"))
    note = _commit(lambda: service.add_note(stay, data, by=current_user))
    return note_json(note, 0), 201


@bp.patch("/case-notes/<id:note_id>")
@roles_required(*service.WRITE_ROLES)
def case_note_edit(note_id: int):
    note, stay = note_or_404(note_id, write=True)
    body = json_body("CaseNoteEdit")
    note = service.lock_note(note.id)
    data = service.NoteInput(
        noted_on=parse_date(body["noted_on"]) if "noted_on" in body else note.noted_on,
        kind=body.get("kind", note.kind), body=body.get("body", note.body))
    _commit(lambda: service.edit_note(note, data, by=current_user, stay=stay))
    return note_json(note, revision_counts([note.id]).get(note.id, 0))
