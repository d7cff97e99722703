"""Assessments and case notes of a stay: the stay's page, the resident page's section, the forms.

Every record is looked up through ``get_stay_or_404`` (directly, or through the assessment's or
note's stay): a role that does not read case files, or a stay outside the user's facilities, is a
404. Writing needs a caseworker or case manager of the stay's facility (admins read only).
Case notes are added with htmx without a reload: the answer is the notes area (form and first page
of the list) with the flash message out of band; an invalid note comes back with its text kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter import access
from shelter.access import get_resident_or_404
from shelter.assessments import forms, queries, service
from shelter.assessments.models import FINDING_MAX, Assessment, CaseNote
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment
from shelter.stays.forms import parse_id
from shelter.stays.models import Stay

bp = Blueprint("assessments", __name__, url_prefix="/assessments")

CONFLICT = 409


@bp.record_once
def _register_labels(state):
    state.app.jinja_env.globals.update(forms.TEMPLATE_GLOBALS)


# --- lookups: role and scope first; anything else is a 404 --------------------------------------------

def _reader_or_404() -> None:
    if not current_user.has_role(*service.READ_ROLES):
        abort(404)


def get_stay_or_404(stay_id: int, *, write: bool = False) -> Stay:
    """The stay, if the user reads case files in its facility (and, with ``write``, may write there)."""
    _reader_or_404()
    stay = access.get_stay_or_404(stay_id, service.may_read)
    if write and not service.may_write(current_user, stay.facility_id):
        abort(404)
    return stay


def get_assessment_or_404(assessment_id: int) -> tuple[Assessment, Stay]:
    _reader_or_404()
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    return assessment, get_stay_or_404(assessment.stay_id)


def get_note_or_404(note_id: int, *, write: bool = False) -> tuple[CaseNote, Stay]:
    _reader_or_404()
    note = queries.note_with_history(note_id)
    if note is None:
        abort(404)
    return note, get_stay_or_404(note.stay_id, write=write)


def _viewed(stay: Stay, part: str) -> None:
    """Case files are read like the resident's record: each view is audited (ids only), then committed."""
    from shelter.residents import service as residents

    residents.record_view(stay.resident, by=current_user._get_current_object(), facility_id=stay.facility_id,
                          part=part)
    db.session.commit()


def _page_arg() -> int:
    return parse_id(request.args.get("page")) or 1


# --- the stay's case file --------------------------------------------------------------------------------

def _note_form(stay: Stay, corrects: int | None = None) -> forms.NoteForm:
    form = forms.NoteForm(formdata=None, noted_on=service.today(), kind="visit")
    if corrects is not None:
        form.corrects.data = str(corrects)
    return form


def section_context(stay: Stay | None, *, note_form=None, page: int = 1) -> dict:
    if stay is None:
        return {"stay": None}
    assessments = queries.assessments_of(stay)
    can_write = service.may_write(current_user, stay.facility_id)
    return {
        "stay": stay,
        "assessments": assessments,
        "status": queries.assessment_status(stay, assessments),
        "notes": queries.notes_page(stay, page),
        "note_form": note_form or (_note_form(stay) if can_write else None),
        "can_write": can_write,
        "may_edit": service.may_edit,
    }


@bp.get("/residents/<id:resident_id>/section")
def resident_section(resident_id: int):
    """The resident page's section (loaded by htmx after the page): the current stay's case file."""
    _reader_or_404()
    resident = get_resident_or_404(resident_id)
    stay = queries.stay_for_resident(current_user, resident)
    if not wants_fragment():
        if stay is None:
            return redirect(url_for("residents.show", resident_id=resident.id))
        return redirect(url_for(".stay", stay_id=stay.id))
    html = render_template("assessments/_section.html", resident=resident, **section_context(stay))
    if stay is not None:
        _viewed(stay, "case_file")
    return html


@bp.get("/stays/<id:stay_id>")
def stay(stay_id: int):
    stay = get_stay_or_404(stay_id)
    corrects = parse_id(request.args.get("corrects"))
    note_form = None
    if corrects is not None and service.may_write(current_user, stay.facility_id):
        note_form = _note_form(stay, corrects)
    html = render_template("assessments/page.html", **section_context(stay, note_form=note_form, page=_page_arg()))
    _viewed(stay, "case_file")
    return html


# --- assessments ------------------------------------------------------------------------------------------

@bp.route("/stays/<id:stay_id>/new", methods=["GET", "POST"])
def new(stay_id: int):
    stay = get_stay_or_404(stay_id, write=True)
    if request.method == "GET":
        form = forms.AssessmentForm(formdata=None, assessed_on=service.today(), risk_level="low",
                                    recommendation="rehabilitation")
        return render_template("assessments/new.html", stay=stay, form=form, finding_max=FINDING_MAX)
    form = forms.AssessmentForm()
    if form.validate_on_submit():
        data = service.AssessmentInput(assessed_on=form.assessed_on.data, risk_level=form.risk_level.data,
                                       recommendation=form.recommendation.data, findings=form.findings())
        try:
            assessment = service.record_assessment(stay, data, by=current_user)
        except service.Invalid as error:
            db.session.rollback()
            forms.apply_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("Assessment saved."), "success")
            return redirect(url_for(".show", assessment_id=assessment.id))
    return render_template("assessments/new.html", stay=stay, form=form, finding_max=FINDING_MAX), error_status()


@bp.get("/<id:assessment_id>")
def show(assessment_id: int):
    assessment, stay = get_assessment_or_404(assessment_id)
    html = render_template("assessments/show.html", assessment=assessment, stay=stay)
    _viewed(stay, "assessment")
    return html


# --- case notes -------------------------------------------------------------------------------------------

@bp.get("/stays/<id:stay_id>/notes")
def notes(stay_id: int):
    """One page of the notes list (htmx); a plain request goes to the stay's page at that page."""
    stay = get_stay_or_404(stay_id)
    if not wants_fragment():
        return redirect(url_for(".stay", stay_id=stay.id, page=_page_arg(), _anchor="case-notes"))
    return render_template("assessments/_note_list.html", stay=stay, notes=queries.notes_page(stay, _page_arg()),
                           may_edit=service.may_edit, can_write=service.may_write(current_user, stay.facility_id))


@bp.post("/stays/<id:stay_id>/notes")
def note_create(stay_id: int):
    stay = get_stay_or_404(stay_id, write=True)
    form = forms.NoteForm()
    if form.validate_on_submit():
        data = service.NoteInput(noted_on=form.noted_on.data, kind=form.kind.data, body=form.body.data,
                                 corrects_id=form.corrects_id)
        try:
            service.add_note(stay, data, by=current_user)
        except service.Invalid as error:
            db.session.rollback()
            forms.apply_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("Note saved."), "success")
            if not wants_fragment():
                return redirect(url_for(".stay", stay_id=stay.id, _anchor="case-notes"))
            return render_template("assessments/_notes.html", **section_context(stay)) + flash_oob()
    if wants_fragment():
        return render_template("assessments/_notes.html", **section_context(stay, note_form=form)), error_status()
    return (render_template("assessments/page.html", **section_context(stay, note_form=form)), error_status())


@bp.get("/notes/<id:note_id>")
def note(note_id: int):
    note, stay = get_note_or_404(note_id)
    html = render_template("assessments/note.html", note=note, stay=stay,
                           can_edit=service.may_edit(current_user, note))
    _viewed(stay, "case_note")
    return html


@bp.route("/notes/<id:note_id>/edit", methods=["GET", "POST"])
def note_edit(note_id: int):
    note, stay = get_note_or_404(note_id, write=True)
    if request.method == "GET":
        form = forms.NoteForm(formdata=None, obj=note)
        return _edit_page(note, stay, form)
    form = forms.NoteForm()
    if form.validate_on_submit():
        locked = service.lock_note(note.id)
        data = service.NoteInput(noted_on=form.noted_on.data, kind=form.kind.data, body=form.body.data)
        try:
            changed = service.edit_note(locked, data, by=current_user, stay=stay)
        except service.Invalid as error:
            db.session.rollback()
            forms.apply_problems(form, error.problems)
        except (service.NotAuthor, service.EditWindowClosed) as error:
            db.session.rollback()
            form.form_errors.append(_edit_refused(error))
            return _edit_page(note, stay, form, status=error_status(CONFLICT))
        else:
            db.session.commit()
            flash(_("Note changed. The earlier text is kept in its history.") if changed else _("Nothing changed."),
                  "success")
            return redirect(url_for(".note", note_id=note.id))
    return _edit_page(note, stay, form, status=error_status())


def _edit_refused(error: service.AssessmentError) -> str:
    if isinstance(error, service.NotAuthor):
        return _("Only the author can edit this note. To correct it, write a new note.")
    return _("This note can no longer be edited (24 hours have passed). To correct it, write a new note.")


def _edit_page(note: CaseNote, stay: Stay, form, status: int = 200):
    refused = None
    if not service.may_edit(current_user, note):
        refused = _edit_refused(service.NotAuthor() if note.author_id != current_user.id
                                else service.EditWindowClosed())
    return render_template("assessments/note_edit.html", note=note, stay=stay, form=form, refused=refused,
                           closes_at=service.edit_closes_at(note)), status
