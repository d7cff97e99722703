"""Follow-up pages: "My follow-ups" (a caseworker's day), the facility list (case managers, facility
managers, admins), the follow-ups section of a resident's page (loaded by htmx), recording a follow-up
inline, assigning, acknowledging a flag, the policy editor (admins) and the reunification plan form.

Everything is scoped: a follow-up, resident or facility outside the user's facilities is a 404. The
reunification plan is the person's shared data (the episode rule, ``shelter.access``): only the
facility responsible for the resident reads and writes it; for anyone else the section leaves it out
and the form is a 404.
htmx requests get the fragment alone; a form with errors answers htmx with 200 and a plain post with 422.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import admin_required, can_change_person, get_resident_or_404, responsible_facility_id
from shelter.extensions import db
from shelter.followups import forms, labels, queries, reunification, service
from shelter.fragments import error_status, flash_oob, wants_fragment

bp = Blueprint("followups", __name__, url_prefix="/follow-ups")

VIEWS = ("mine", "list", "resident")


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(labels.TEMPLATE_GLOBALS)


def acting_user():
    return current_user._get_current_object()


def _view_name(value) -> str:
    return value if value in VIEWS else "list"


# --- one follow-up, as the same item everywhere -------------------------------------------------------------

def item_context(items, *, view: str) -> dict:
    """What ``followups/_item.html`` needs for these follow-ups (choices loaded once for all of them)."""
    user = current_user
    today = service.local_today()
    managed = {f.facility_id for f in items if service.may_manage(user, f.facility_id)}
    return {
        "view": view,
        "today": today,
        "record_form": lambda f: forms.record_form(f, today=today),
        "may_record": lambda f: service.may_record(user, f.facility_id),
        "may_manage": lambda f: f.facility_id in managed,
        "caseworker_choices": queries.caseworker_choices(managed),
        "user_names": queries.user_names([f.recorded_by_id for f in items] + [f.acknowledged_by_id for f in items]),
        "record_forms": {},
    }


def render_item(followup, *, view: str, form=None, status: int = 200):
    db.session.expire(followup)
    followup = queries.followup_or_404(current_user, followup.id)
    context = item_context([followup], view=view)
    if form is not None:
        context["record_forms"][followup.id] = form
    html = render_template("followups/_item.html", f=followup, **context).strip()
    return make_response(html + flash_oob(), status)


def back_to(view: str, followup):
    if view == "resident":
        return redirect(url_for("residents.show", resident_id=followup.resident_id, _anchor="followups"))
    if view == "mine":
        return redirect(url_for(".mine"))
    return redirect(url_for(".index"))


def _after_change(followup, view: str):
    if wants_fragment():
        return render_item(followup, view=view)
    return back_to(view, followup)


# --- pages ---------------------------------------------------------------------------------------------------

@bp.get("/mine")
def mine():
    today = service.local_today()
    mine = queries.my_followups(current_user, today)
    items = mine.overdue + mine.due_today + mine.this_week
    return render_template("followups/mine.html", mine=mine, **item_context(items, view="mine"))


@bp.get("/")
def index():
    form = forms.FilterForm(formdata=request.args)
    facilities = queries.facility_choices(current_user)
    caseworkers = sorted({c for choices in queries.caseworker_choices([i for i, _n in facilities]).values()
                          for c in choices}, key=lambda c: (c[1], c[0]))
    form.set_choices(facilities, caseworkers)
    today = service.local_today()
    page = queries.followups_page(current_user, form.filters(), today, request.args.get("page", 1, type=int))
    context = dict(form=form, page=page, filter_args=form.query_args(),
                   waiting=service.unacknowledged_flags([i for i, _n in facilities]),
                   **item_context(page.items, view="list"))
    template = "followups/_list.html" if wants_fragment() else "followups/index.html"
    return render_template(template, **context)


@bp.get("/resident/<id:resident_id>")
def resident_section(resident_id: int):
    """The follow-ups and the reunification plan on a resident's page (loaded by htmx after the page)."""
    resident = get_resident_or_404(resident_id)
    if not wants_fragment():
        return redirect(url_for("residents.show", resident_id=resident.id, _anchor="followups"))
    items = queries.resident_followups(current_user, resident.id)
    responsible = responsible_facility_id(resident)
    shows_plan = can_change_person(current_user, resident, facility_id=responsible)
    plan = reunification.plan_of(resident.id) if shows_plan else None
    from shelter.residents import service as residents

    residents.record_view(resident, by=acting_user(), part="followups")
    html = render_template("followups/_resident_followups.html", resident=resident, items=items, plan=plan,
                           shows_plan=shows_plan, may_edit_plan=service.may_edit_plan(current_user, responsible),
                           plan_names=queries.user_names([plan.updated_by_id] if plan else []),
                           **item_context(items, view="resident"))
    db.session.commit()
    return html


# --- actions on one follow-up ---------------------------------------------------------------------------------

@bp.post("/<id:followup_id>/record")
def record(followup_id: int):
    followup = queries.followup_or_404(current_user, followup_id)
    view = _view_name(request.form.get(f"f{followup.id}-view"))
    if not service.may_record(current_user, followup.facility_id):
        abort(404)
    form = forms.record_form(followup, formdata=request.form)
    form.validate()
    try:
        service.record(followup, form.to_input(), by=acting_user())
        db.session.commit()
    except service.FollowUpInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return _record_failed(followup, view, form)
    except service.AlreadyRecorded:
        db.session.rollback()
        flash(_("This follow-up was already recorded by someone else."), "error")
        return _after_change(followup, view) if wants_fragment() else back_to(view, followup)
    if followup.flagged_at is not None:
        flash(_("Follow-up recorded. The case managers have been alerted."), "success")
    else:
        flash(_("Follow-up recorded."), "success")
    return _after_change(followup, view)


def _record_failed(followup, view, form):
    if wants_fragment():
        return render_item(followup, view=view, form=form, status=error_status())
    followup = queries.followup_or_404(current_user, followup.id)
    context = item_context([followup], view=view)
    context["record_forms"][followup.id] = form
    return make_response(render_template("followups/record.html", f=followup, **context), error_status())


@bp.post("/<id:followup_id>/assign")
def assign(followup_id: int):
    followup = queries.followup_or_404(current_user, followup_id)
    if not service.may_manage(current_user, followup.facility_id):
        abort(404)
    view = _view_name(request.form.get("view"))
    raw = request.form.get("caseworker_id", "")
    caseworker = None
    if raw:
        choices = {str(i): i for i, _n in queries.caseworker_choices([followup.facility_id])[followup.facility_id]}
        if raw not in choices:
            flash(_("Choose a caseworker of this facility."), "error")
            return _after_change(followup, view)
        from shelter.auth.models import User

        caseworker = db.session.get(User, choices[raw])
    try:
        changed = service.assign(followup, caseworker, by=acting_user())
        db.session.commit()
    except service.NotACaseworker:
        db.session.rollback()
        flash(_("Choose a caseworker of this facility."), "error")
        return _after_change(followup, view)
    if changed:
        flash(_("Caseworker assigned to this and the later open follow-ups of the same discharge."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return _after_change(followup, view)


@bp.post("/<id:followup_id>/acknowledge")
def acknowledge(followup_id: int):
    followup = queries.followup_or_404(current_user, followup_id)
    if not service.may_manage(current_user, followup.facility_id):
        abort(404)
    view = _view_name(request.form.get("view"))
    if service.acknowledge(followup, by=acting_user()):
        db.session.commit()
        flash(_("Flag acknowledged."), "success")
    else:
        db.session.rollback()
        flash(_("This flag was already acknowledged."), "info")
    return _after_change(followup, view)


# --- the reunification plan --------------------------------------------------------------------------------

@bp.route("/resident/<id:resident_id>/plan", methods=["GET", "POST"])
def plan(resident_id: int):
    resident = get_resident_or_404(resident_id, change=True)
    if not service.may_edit_plan(current_user, responsible_facility_id(resident)):
        abort(404)
    existing = reunification.plan_of(resident.id)
    contacts = sorted(resident.family_contacts, key=lambda c: c.id)
    if request.method == "GET":
        form = forms.PlanForm(formdata=None, obj=existing)
        form.set_contacts(contacts)
        if existing is not None:
            form.family_contact_id.data = str(existing.family_contact_id or "")
            form.version.data = str(existing.version)
        return render_template("followups/plan.html", form=form, resident=resident, plan=existing)
    form = forms.PlanForm()
    form.set_contacts(contacts)
    form.validate()
    try:
        reunification.save_plan(resident, form.to_input(), by=acting_user(),
                          expected_version=form.expected_version() if existing is not None else None)
        db.session.commit()
    except reunification.PlanInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return make_response(render_template("followups/plan.html", form=form, resident=resident, plan=existing),
                             error_status())
    except reunification.StalePlan:
        db.session.rollback()
        form.form_errors.append(_("The plan was changed by someone else since you opened it. Reload to see "
                                  "their changes; your edits were not saved."))
        return make_response(render_template("followups/plan.html", form=form, resident=resident, plan=existing),
                             error_status(409))
    flash(_("Reunification plan saved."), "success")
    url = url_for("residents.show", resident_id=resident.id, _anchor="followups")
    if wants_fragment():
        return "", 200, {"HX-Redirect": url}
    return redirect(url)


# --- the policy (admins) ------------------------------------------------------------------------------------

def render_policy(*, new_form=None, edit_forms=None, status=200):
    steps = service.policy_steps()
    db.session.commit()  # the defaults, when this is the first use
    edit_forms = edit_forms or {}
    forms_by_step = {}
    for step in steps:
        forms_by_step[step.id] = edit_forms.get(step.id) or forms.StepForm(formdata=None, obj=step,
                                                                           prefix=f"s{step.id}")
    new_form = new_form or forms.StepForm(formdata=None, prefix="new")
    return make_response(render_template("followups/policy.html", steps=steps, forms_by_step=forms_by_step,
                                         new_form=new_form), status)


@bp.get("/policy")
@admin_required
def policy():
    return render_policy()


@bp.post("/policy")
@admin_required
def policy_add():
    form = forms.StepForm(prefix="new")
    form.validate()
    try:
        service.add_step(form.offset_days.data, form.method.data, by=acting_user())
        db.session.commit()
    except service.PolicyInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_policy(new_form=form, status=error_status())
    flash(_("Step added. It applies to discharges from now on."), "success")
    return redirect(url_for(".policy"))


@bp.post("/policy/<id:step_id>")
@admin_required
def policy_update(step_id: int):
    step = queries.step_or_404(step_id)
    form = forms.StepForm(prefix=f"s{step.id}")
    form.validate()
    try:
        changed = service.update_step(step, form.offset_days.data, form.method.data, by=acting_user())
        db.session.commit()
    except service.PolicyInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_policy(edit_forms={step_id: form}, status=error_status())
    flash(_("Step saved. It applies to discharges from now on.") if changed else _("Nothing was changed."),
          "success" if changed else "info")
    return redirect(url_for(".policy"))


@bp.post("/policy/<id:step_id>/delete")
@admin_required
def policy_delete(step_id: int):
    step = queries.step_or_404(step_id)
    try:
        service.remove_step(step, by=acting_user())
        db.session.commit()
        flash(_("Step removed. Follow-ups already planned stay as they are."), "success")
    except service.PolicyInvalid:
        db.session.rollback()
        flash(_("The policy needs at least one step."), "error")
    if wants_fragment():
        return "", 200, {"HX-Redirect": url_for(".policy")}
    return redirect(url_for(".policy"))
