"""Facilities: the list, a facility's page, and creating, editing, deactivating and reactivating one
(admins only).

A safe house's address is shown only to those who may see it, and every showing of it (the page, or
the edit form that holds it) is audited and committed before the page is rendered.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shelter.access import admin_required, get_facility_or_404
from shelter.extensions import db
from shelter.facilities import forms, queries, service
from shelter.facilities.models import Facility
from shelter.facilities.service import DuplicateFacilityCode
from shelter.facilities.views.common import bp, conflict_message, render_show
from shelter.fragments import UNPROCESSABLE


def code_taken_message(code: str) -> str:
    return _("Another facility already has the code %(code)s. Choose a different code.", code=code)


@bp.get("/")
def index():
    page = queries.facilities_page(current_user, request.args.get("page", 1, type=int))
    return render_template("facilities/index.html", page=page)


@bp.get("/<id:facility_id>")
def show(facility_id: int):
    facility = get_facility_or_404(facility_id)
    return render_show(facility)


def render_facility_form(form, facility: Facility | None, status: int = 200):
    if facility is not None and facility.is_safe_house and form.address.data:
        # The edit form shows the address: that is a view of it too.
        service.record_address_view(facility)
        db.session.commit()
    return render_template("facilities/form.html", form=form, facility=facility), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = forms.FacilityForm()
    if not form.validate_on_submit():
        return render_facility_form(form, None, UNPROCESSABLE if form.is_submitted() else 200)
    try:
        facility = service.create_facility(**form.values())
        db.session.commit()
    except (DuplicateFacilityCode, IntegrityError):
        db.session.rollback()
        if service.code_taken(form.code.data):
            form.code.errors.append(code_taken_message(form.code.data))
        else:
            form.form_errors.append(conflict_message())
        return render_facility_form(form, None, UNPROCESSABLE)
    flash(_("Facility %(name)s created.", name=facility.name), "success")
    return redirect(url_for(".show", facility_id=facility.id))


@bp.route("/<id:facility_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(facility_id: int):
    facility = get_facility_or_404(facility_id)
    form = forms.FacilityForm(obj=facility)
    if not form.validate_on_submit():
        return render_facility_form(form, facility, UNPROCESSABLE if form.is_submitted() else 200)
    try:
        changed = service.update_facility(facility, form.values())
        db.session.commit()
    except (DuplicateFacilityCode, IntegrityError):
        db.session.rollback()
        if service.code_taken(form.code.data, exclude=facility):
            form.code.errors.append(code_taken_message(form.code.data))
        else:
            form.form_errors.append(conflict_message())
        return render_facility_form(form, facility, UNPROCESSABLE)
    if changed:
        flash(_("Facility %(name)s saved.", name=facility.name), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for(".show", facility_id=facility.id))


@bp.post("/<id:facility_id>/deactivate")
@admin_required
def deactivate(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if service.set_facility_active(facility, False):
        db.session.commit()
        flash(_("Facility %(name)s deactivated.", name=facility.name), "success")
    return redirect(url_for(".show", facility_id=facility.id))


@bp.post("/<id:facility_id>/activate")
@admin_required
def activate(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if service.set_facility_active(facility, True):
        db.session.commit()
        flash(_("Facility %(name)s is active again.", name=facility.name), "success")
    return redirect(url_for(".show", facility_id=facility.id))
