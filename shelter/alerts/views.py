"""Capacity alerts: rules per facility, their state, and the alert history.

Admins manage rules everywhere, facility managers in their own facilities; anyone else gets a 404,
as does a facility or rule outside the user's scope. htmx requests get fragments (``_rules.html``,
``_rule_form.html``, ``_history.html``); plain requests get pages, so everything works without JS.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import can_manage_facility, get_facility_or_404, roles_required, scoped_facilities_query
from shelter.alerts import forms, service, thresholds
from shelter.alerts.models import CapacityAlert, CapacityRule
from shelter.auth.models import Role
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

PER_PAGE = 20
ROLES = (Role.ADMIN, Role.FACILITY_MANAGER)


@bp.app_template_global("alert_category_label")
def category_label(code: str | None) -> str:
    return service.category_label(code) if code else _("All beds")


bp.add_app_template_global(thresholds.alert_due_at, "alert_due_at")


@bp.app_template_global("alert_sms_problem")
def sms_problem(user) -> str:
    """Why this user gets no SMS ("" when they do): shown next to recipients."""
    if not user.active:
        return _("inactive: no SMS")
    if user.sms_opt_out:
        return _("opted out of SMS")
    if not user.phone:
        return _("no phone number: no SMS")
    return ""


# --- scope -------------------------------------------------------------------------------------------------

def managed_facilities() -> list:
    """Facilities whose rules the current user manages: all for an admin, their own for a manager."""
    facilities = db.session.scalars(scoped_facilities_query(current_user)).all()
    return [f for f in facilities if can_manage_facility(current_user, f)]


def facility_or_404(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if not can_manage_facility(current_user, facility):
        abort(404)
    return facility


def rule_or_404(rule_id: int) -> CapacityRule:
    rule = db.session.get(CapacityRule, rule_id)
    if rule is None:
        abort(404)
    facility_or_404(rule.facility_id)
    return rule


# --- rendering -----------------------------------------------------------------------------------------------

def requested_page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


def new_form(facility, formdata=None):
    return forms.rule_form(service.candidate_recipients(facility.id), category_label, formdata=formdata)


def facility_context(facility, *, form=None, page=1) -> dict:
    candidates = service.candidate_recipients(facility.id)
    return {
        "facility": facility,
        "rules": service.rules_of(facility.id),
        "form": form or forms.rule_form(candidates, category_label),
        "candidates": candidates,
        "history": service.history_page(facility.id, page, PER_PAGE),
        "low": service.low_rules([facility.id]),
    }


def rules_fragment(facility, *, oob: bool = False) -> str:
    """The rules table (in place, or out of band), with the low banner and flash messages out of band."""
    return (render_template("alerts/_rules.html", facility=facility, rules=service.rules_of(facility.id), oob=oob)
            + render_template("alerts/_low_banner.html", low=service.low_rules([facility.id]), oob=True,
                              single_facility=True)
            + flash_oob())


# --- pages ---------------------------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*ROLES)
def index():
    facilities = managed_facilities()
    ids = [f.id for f in facilities]
    summary = {}
    if ids:
        rows = db.session.execute(
            sa.select(CapacityRule.facility_id,
                      sa.func.sum(sa.case((CapacityRule.active.is_(True), 1), else_=0)),
                      sa.func.sum(sa.case((sa.and_(CapacityRule.active.is_(True), CapacityRule.is_low.is_(True)), 1),
                                          else_=0)))
            .where(CapacityRule.facility_id.in_(ids)).group_by(CapacityRule.facility_id)
        ).all()
        last = dict(db.session.execute(
            sa.select(CapacityAlert.facility_id, sa.func.max(CapacityAlert.created_at))
            .where(CapacityAlert.facility_id.in_(ids)).group_by(CapacityAlert.facility_id)
        ).all())
        summary = {fid: {"active": int(active or 0), "low": int(low or 0), "last": last.get(fid)}
                   for fid, active, low in rows}
    low = service.low_rules(None if current_user.is_admin else ids)
    names = {f.id: f for f in facilities}
    return render_template("alerts/index.html", facilities=facilities, summary=summary, low=low, names=names)


@bp.get("/facilities/<id:facility_id>")
@roles_required(*ROLES)
def facility(facility_id: int):
    facility = facility_or_404(facility_id)
    return render_template("alerts/facility.html", **facility_context(facility, page=requested_page()))


@bp.get("/facilities/<id:facility_id>/history")
@roles_required(*ROLES)
def history(facility_id: int):
    facility = facility_or_404(facility_id)
    page = requested_page()
    if not wants_fragment():
        return redirect(url_for("alerts.facility", facility_id=facility.id, page=page))
    return render_template("alerts/_history.html", facility=facility,
                           history=service.history_page(facility.id, page, PER_PAGE))


@bp.post("/facilities/<id:facility_id>/rules")
@roles_required(*ROLES)
def create_rule(facility_id: int):
    facility = facility_or_404(facility_id)
    form = new_form(facility, request.form)
    if form.validate_on_submit():
        try:
            service.create_rule(facility, by=current_user, **form.values())
        except service.RecipientNotAllowed:
            db.session.rollback()
            form.recipients.errors = [_("Choose from the list.")]
        except service.InvalidRule as error:
            db.session.rollback()
            getattr(form, error.field, form.max_free_beds).errors = [_("Check the thresholds.")]
        else:
            db.session.commit()
            flash(_("Capacity rule saved."), "success")
            if wants_fragment():
                # The form is the target: a fresh one replaces it; the rules table updates out of band.
                return render_template("alerts/_rule_form.html", facility=facility,
                                       form=new_form(facility)) + rules_fragment(facility, oob=True)
            return redirect(url_for("alerts.facility", facility_id=facility.id))
    if wants_fragment():
        return render_template("alerts/_rule_form.html", facility=facility, form=form), error_status()
    return render_template("alerts/facility.html", **facility_context(facility, form=form)), error_status()


@bp.route("/rules/<id:rule_id>/edit", methods=["GET", "POST"])
@roles_required(*ROLES)
def edit_rule(rule_id: int):
    rule = rule_or_404(rule_id)
    facility = rule.facility
    candidates = service.candidate_recipients(facility.id)
    form = forms.rule_form(candidates, category_label, rule=rule,
                           formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            changed = service.update_rule(rule, by=current_user, **form.values())
        except service.RecipientNotAllowed:
            db.session.rollback()
            form.recipients.errors = [_("Choose from the list.")]
        except service.InvalidRule as error:
            db.session.rollback()
            getattr(form, error.field, form.max_free_beds).errors = [_("Check the thresholds.")]
        else:
            db.session.commit()
            flash(_("Capacity rule saved.") if changed else _("Nothing changed."), "success")
            target = url_for("alerts.facility", facility_id=facility.id)
            if wants_fragment():
                return "", 204, {"HX-Redirect": target}
            return redirect(target)
        status = error_status()
    elif request.method == "POST":
        status = error_status()
    else:
        status = 200
    if wants_fragment():
        return render_template("alerts/_rule_form.html", facility=facility, form=form, rule=rule), status
    return render_template("alerts/rule_edit.html", facility=facility, form=form, rule=rule), status


def _set_active(rule_id: int, active: bool):
    rule = rule_or_404(rule_id)
    facility = rule.facility
    if service.set_rule_active(rule, active, by=current_user):
        db.session.commit()
        flash(_("Capacity rule switched on.") if active else _("Capacity rule switched off."), "success")
    if wants_fragment():
        return rules_fragment(facility)
    return redirect(url_for("alerts.facility", facility_id=facility.id))


@bp.post("/rules/<id:rule_id>/deactivate")
@roles_required(*ROLES)
def deactivate_rule(rule_id: int):
    return _set_active(rule_id, False)


@bp.post("/rules/<id:rule_id>/activate")
@roles_required(*ROLES)
def activate_rule(rule_id: int):
    return _set_active(rule_id, True)
