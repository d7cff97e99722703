"""Outgoing referrals on the resident's page: the section (loaded by htmx after the page), the form
to refer the resident of a stay to a service, the status updates, and the timeline's entries.

Per episode: only the stay's facility's staff and admins see and change them; anyone else gets the
404 of a missing record (``get_stay_or_404`` with ``outgoing.may_refer``). Every htmx action answers
with the whole section re-rendered (a form with its problems, or the list with the change) and the
flash messages out of band; without htmx the forms are pages of their own (422 with problems).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import get_resident_or_404, get_stay_or_404
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment
from shelter.localtime import zone
from shelter.referrals import outgoing, partner_labels, partners, queries_outgoing
from shelter.referrals.forms_outgoing import MESSAGES, REQUIRED, OutgoingForm, StatusForm
from shelter.referrals.forms_partners import show_problems
from shelter.referrals.models import OutgoingReferral
from shelter.referrals.partner_labels import OUTGOING_STATUSES
from shelter.stays.models import Stay

bp = Blueprint("outgoing", __name__, url_prefix="/referrals/outgoing")


@bp.record_once
def _labels(state) -> None:
    partner_labels.register(state.app)


def outgoing_or_404(outgoing_id: int) -> OutgoingReferral:
    row = queries_outgoing.find_outgoing(outgoing_id)
    if row is None or not outgoing.may_refer(current_user, row.facility_id):
        abort(404)
    return row


def _to_resident(resident_id: int):
    return redirect(url_for("residents.show", resident_id=resident_id, _anchor="outgoing-section"))


def section(resident_id: int, *, status: int = 200, oob_flash: bool = False, **context):
    body = render_template("referrals/_outgoing_section.html", resident_id=resident_id,
                           entries=queries_outgoing.resident_outgoing(current_user, resident_id), **context)
    if oob_flash:
        body += flash_oob()
    return make_response(body, status)


def _new_form(formdata=None) -> OutgoingForm:
    form = OutgoingForm(formdata=formdata) if formdata is not None else OutgoingForm()
    form.set_partner_choices(partners.active_partners())
    return form


def _status_form(row: OutgoingReferral, *, filled: bool) -> StatusForm:
    if filled:
        local = row.appointment_at.astimezone(zone()).strftime("%Y-%m-%dT%H:%M") if row.appointment_at else ""
        form = StatusForm(formdata=None, data={"status": row.status, "appointment_at": local, "result": row.result})
    else:
        form = StatusForm()
    allowed = outgoing.TRANSITIONS.get(row.status, set())
    form.status.choices = [(code, label) for code, label in OUTGOING_STATUSES.items() if code in allowed]
    return form


# --- the section and the timeline -------------------------------------------------------------------

@bp.get("/residents/<id:resident_id>")
def resident_section(resident_id: int):
    resident = get_resident_or_404(resident_id)
    if not wants_fragment():  # a section of the resident's page, not a page of its own
        return _to_resident(resident.id)
    return section(resident.id)


@bp.get("/residents/<id:resident_id>/timeline")
def timeline(resident_id: int):
    """The outgoing referrals of each stay on the resident's timeline, swapped out of band into the
    stays the timeline shows (only the user's episodes: the same rule as the timeline's)."""
    resident = get_resident_or_404(resident_id)
    if not wants_fragment():
        return redirect(url_for("residents.show", resident_id=resident.id, _anchor="timeline"))
    return render_template("referrals/_outgoing_timeline.html",
                           by_stay=queries_outgoing.timeline_entries(current_user, resident.id))


# --- refer the resident of a stay -----------------------------------------------------------------------

@bp.route("/stays/<id:stay_id>/new", methods=["GET", "POST"])
def create(stay_id: int):
    stay: Stay = get_stay_or_404(stay_id, outgoing.may_refer)
    if request.method == "GET":
        form = _new_form(formdata=None)
        if wants_fragment():
            return section(stay.resident_id, new_for=stay.id, new_form=form)
        return render_template("referrals/outgoing_new.html", stay=stay, form=form)
    form = _new_form()
    if form.validate_on_submit():
        data = outgoing.OutgoingInput(service_kind=form.service_kind.data or "", reason=form.reason.data or "",
                                      partner_id=form.partner_id.data or None)
        try:
            outgoing.create(stay, data, by=current_user)
        except outgoing.OutgoingInvalid as problems:
            db.session.rollback()
            show_problems(form, problems.problems, MESSAGES, REQUIRED)
        else:
            db.session.commit()
            flash(_("Referral recorded."), "success")
            if wants_fragment():
                return section(stay.resident_id, oob_flash=True)
            return _to_resident(stay.resident_id)
    if wants_fragment():
        return section(stay.resident_id, status=error_status(), new_for=stay.id, new_form=form)
    return make_response(render_template("referrals/outgoing_new.html", stay=stay, form=form), error_status())


# --- status ------------------------------------------------------------------------------------------------

@bp.route("/<id:outgoing_id>/status", methods=["GET", "POST"])
def update_status(outgoing_id: int):
    row = outgoing_or_404(outgoing_id)
    if request.method == "GET":
        form = _status_form(row, filled=True)
        if wants_fragment():
            return section(row.resident_id, edit_id=row.id, status_form=form)
        return render_template("referrals/outgoing_status.html", row=row, form=form)
    form = _status_form(row, filled=False)
    if row.closed_at is not None:  # a second tab, or a stale page: nothing to change any more
        flash(str(MESSAGES["closed"]), "error")
        if wants_fragment():
            return section(row.resident_id, oob_flash=True)
        return _to_resident(row.resident_id)
    if form.validate_on_submit():
        data = outgoing.StatusInput(status=form.status.data or "", appointment_at=form.appointment_at.data,
                                    result=form.result.data or "")
        try:
            changed = outgoing.update_status(row, data, by=current_user)
        except outgoing.OutgoingInvalid as problems:
            db.session.rollback()
            row = outgoing_or_404(outgoing_id)
            show_problems(form, problems.problems, MESSAGES, REQUIRED)
        else:
            db.session.commit()
            flash(_("Referral updated.") if changed else _("Nothing was changed."), "success" if changed else "info")
            if wants_fragment():
                return section(row.resident_id, oob_flash=True)
            return _to_resident(row.resident_id)
    if wants_fragment():
        return section(row.resident_id, status=error_status(), edit_id=row.id, status_form=form)
    return make_response(render_template("referrals/outgoing_status.html", row=row, form=form), error_status())
