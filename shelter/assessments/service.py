"""The rules of assessments and case notes. The UI and the API call these functions.

They add to the current transaction and raise ``AssessmentError`` subclasses with a stable ``code``
(and, for invalid input, ``problems``: {field: code}); the caller commits once, or rolls back.
Audit events carry ids and field names only, never a finding or a note's text.

Case notes: the author may edit a note for ``EDIT_WINDOW`` (24 hours) after writing it. Each edit
first copies the note as it was into an append-only revision, so the history stays readable. After
the window, or for anyone but the author, the edit is refused: a correction is a new note, which
may point at the note it corrects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import lazyload

from shelter.access import acts_in, works_in
from shelter.errors import FieldProblems
from shelter.localtime import local_date, zone as local_zone  # noqa: F401 (part of this API)
from shelter.localtime import local_today as today
from shelter.assessments.models import (DOMAINS, FINDING_MAX, NOTE_MAX, Assessment, CaseNote, CaseNoteRevision,
                                        NoteKind, Recommendation)
from shelter.audit import service as audit
from shelter.auth.models import Role
from shelter.db import utcnow
from shelter.extensions import db
from shelter.residents.models import RiskLevel
from shelter.stays.models import Stay
from shelter.text import has_control_characters

EDIT_WINDOW = timedelta(hours=24)

# Who reads and who writes, inside the facilities they belong to (admins read everywhere).
READ_ROLES = (Role.ADMIN, Role.CASE_MANAGER, Role.CASEWORKER)
WRITE_ROLES = (Role.CASE_MANAGER, Role.CASEWORKER)


class AssessmentError(Exception):
    code = "assessment_error"


class Invalid(FieldProblems, AssessmentError):
    """Some fields are not acceptable: ``problems`` maps field → code."""


class NotAuthor(AssessmentError):
    code = "not_author"


class EditWindowClosed(AssessmentError):
    code = "edit_window_closed"


# --- who may ---------------------------------------------------------------------------------------------

def may_read(user, facility_id: int) -> bool:
    return acts_in(user, facility_id, *READ_ROLES)


def may_write(user, facility_id: int) -> bool:
    return works_in(user, facility_id, *WRITE_ROLES)


# --- dates -------------------------------------------------------------------------------------------------



def due_days() -> int:
    return current_app.config["SHELTER"].assessment_due_days


def first_assessment_due_on(stay: Stay) -> date:
    return local_date(stay.admitted_at) + timedelta(days=due_days())


def _check_date(stay: Stay, day: date | None, problems: dict, name: str) -> None:
    if day is None:
        problems[name] = "required"
    elif day > today():
        problems[name] = "in_future"
    elif day < local_date(stay.admitted_at):
        problems[name] = "before_admission"
    elif stay.discharged_at is not None and day > local_date(stay.discharged_at):
        problems[name] = "after_discharge"


def _check_text(value: str, limit: int, problems: dict, name: str, *, required: bool = False) -> None:
    if required and not value:
        problems[name] = "required"
    elif len(value) > limit:
        problems[name] = "too_long"
    elif has_control_characters(value, multiline=True):
        problems[name] = "control_characters"


# --- assessments --------------------------------------------------------------------------------------------

@dataclass
class AssessmentInput:
    assessed_on: date | None
    risk_level: str
    recommendation: str
    findings: dict[str, str] = field(default_factory=dict)


def validate_assessment(stay: Stay, data: AssessmentInput) -> None:
    problems: dict[str, str] = {}
    _check_date(stay, data.assessed_on, problems, "assessed_on")
    if data.risk_level not in {r.value for r in RiskLevel}:
        problems["risk_level"] = "invalid_choice"
    if data.recommendation not in {r.value for r in Recommendation}:
        problems["recommendation"] = "invalid_choice"
    unknown = set(data.findings) - set(DOMAINS)
    for name in sorted(unknown):
        problems[name] = "unknown_field"
    for domain in DOMAINS:
        _check_text((data.findings.get(domain) or "").strip(), FINDING_MAX, problems, domain)
    if not unknown and not any((data.findings.get(d) or "").strip() for d in DOMAINS):
        problems["findings"] = "required"
    if problems:
        raise Invalid(problems)


def record_assessment(stay: Stay, data: AssessmentInput, *, by) -> Assessment:
    validate_assessment(stay, data)
    assessment = Assessment(
        stay_id=stay.id, assessed_on=data.assessed_on, author_id=by.id, risk_level=data.risk_level,
        recommendation=data.recommendation,
        **{domain: (data.findings.get(domain) or "").strip() for domain in DOMAINS},
    )
    db.session.add(assessment)
    db.session.flush()
    audit.record("assessment.created", actor=by, target=assessment, facility_id=stay.facility_id,
                 detail={"stay_id": stay.id, "risk_level": assessment.risk_level,
                         "recommendation": assessment.recommendation,
                         "domains": [d for d in DOMAINS if getattr(assessment, d)]})
    return assessment


# --- case notes --------------------------------------------------------------------------------------------

@dataclass
class NoteInput:
    noted_on: date | None
    kind: str
    body: str
    corrects_id: int | None = None


def validate_note(stay: Stay, data: NoteInput) -> None:
    problems: dict[str, str] = {}
    _check_date(stay, data.noted_on, problems, "noted_on")
    if data.kind not in {k.value for k in NoteKind}:
        problems["kind"] = "invalid_choice"
    _check_text((data.body or "").strip(), NOTE_MAX, problems, "body", required=True)
    if data.corrects_id is not None:
        corrected = db.session.get(CaseNote, data.corrects_id)
        if corrected is None or corrected.stay_id != stay.id:
            problems["corrects_id"] = "not_in_stay"
    if problems:
        raise Invalid(problems)


def add_note(stay: Stay, data: NoteInput, *, by) -> CaseNote:
    validate_note(stay, data)
    note = CaseNote(stay_id=stay.id, noted_on=data.noted_on, kind=data.kind, body=data.body.strip(),
                    author_id=by.id, created_at=utcnow(), corrects_id=data.corrects_id)
    db.session.add(note)
    db.session.flush()
    audit.record("case_note.created", actor=by, target=note, facility_id=stay.facility_id,
                 detail={"stay_id": stay.id, "kind": note.kind, "corrects_id": note.corrects_id})
    return note


def edit_closes_at(note: CaseNote) -> datetime:
    return note.created_at + EDIT_WINDOW


def may_edit(user, note: CaseNote, now: datetime | None = None) -> bool:
    """Whether ``user`` may still edit ``note`` (the author, within 24 hours of writing it)."""
    return note.author_id == user.id and (now or utcnow()) < edit_closes_at(note)


def lock_note(note_id: int) -> CaseNote | None:
    """The note, locked for an edit (two edits at once run one after the other)."""
    return db.session.scalar(sa.select(CaseNote).where(CaseNote.id == note_id)
                             .options(lazyload(CaseNote.author))  # PostgreSQL locks no outer join's side
                             .with_for_update().execution_options(populate_existing=True))


def edit_note(note: CaseNote, data: NoteInput, *, by, stay: Stay) -> bool:
    """Replace the note's date, type and text, keeping the old version; False when nothing changed."""
    if note.author_id != by.id:
        raise NotAuthor()
    now = utcnow()
    if now >= edit_closes_at(note):
        raise EditWindowClosed()
    data.corrects_id = note.corrects_id
    validate_note(stay, data)
    body = data.body.strip()
    changed = [name for name, new in (("noted_on", data.noted_on), ("kind", data.kind), ("body", body))
               if getattr(note, name) != new]
    if not changed:
        return False
    db.session.add(CaseNoteRevision(note_id=note.id, noted_on=note.noted_on, kind=note.kind, body=note.body,
                                    written_at=note.edited_at or note.created_at, replaced_at=now,
                                    replaced_by_id=by.id))
    note.noted_on, note.kind, note.body, note.edited_at = data.noted_on, data.kind, body, now
    db.session.flush()
    audit.record("case_note.edited", actor=by, target=note, facility_id=stay.facility_id,
                 detail={"stay_id": stay.id, "fields": changed})
    return True
