"""Rehabilitation plan pages: the resident page's plan section (loaded lazily), the plan page with its
goals edited inline (htmx), submission, approval and the history of versions. The reviews of an approved
plan and its print page are in ``plans.review_views``, on the same blueprint.

Every record is looked up through ``plan_or_404`` / ``stay_or_404`` (scope and role: anything else is
a 404, never a 403), one service call, one commit. Bad input re-renders the form with the messages
next to the fields and what was typed; nothing is written.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shelter.access import get_resident_or_404, get_stay_or_404, roles_required
from shelter.extensions import db
from shelter.i18n import date_filter
from shelter.fragments import error_status, flash_oob, wants_fragment
from shelter.plans import forms, queries, service
from shelter.plans.models import PlanGoal, PlanStatus, RehabilitationPlan
from shelter.residents.models import Resident
from shelter.stays.models import Stay

bp = Blueprint("plans", __name__, url_prefix="/plans")

read_roles = roles_required(*service.READ_ROLES)


# --- lookups: scope and role first; anything else is a 404 ------------------------------------------------------

def stay_or_404(stay_id: int, allowed=service.may_read) -> Stay:
    return get_stay_or_404(stay_id, allowed)


def plan_or_404(plan_id: int, allowed=service.may_read) -> RehabilitationPlan:
    plan = queries.load_plan(plan_id)
    if plan is None:
        abort(404)
    stay_or_404(plan.stay_id, allowed)
    return plan


def goal_or_404(plan: RehabilitationPlan, goal_id: int) -> PlanGoal:
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        abort(404)
    return goal


# --- messages ---------------------------------------------------------------------------------------------------

def problem_message(name: str, code: str, plan: RehabilitationPlan | None = None) -> str:
    field = name.rsplit("-", 1)[-1]
    if code == "in_past":
        return _("The target date cannot be in the past.")
    if code == "in_future":
        return _("The review date cannot be in the future.")
    if code == "before_plan_start" and plan is not None:
        started = service.plan_started_on(plan)
        return _("The review cannot be dated before the plan was approved (%(date)s).",
                 date=date_filter(started))
    if code == "before_last_review" and plan is not None:
        last = plan.versions[-1].effective_on if plan.versions else None
        return _("The review cannot be dated before the previous version (%(date)s).",
                 date=date_filter(last))
    if code == "not_in_facility":
        return _("Choose a worker of this facility.")
    if code == "too_long":
        return _("This is too long.")
    if code == "required":
        return {"description": _("Describe the goal."), "reviewed_on": _("Enter the date of the review."),
                "note": _("Say what needs to change.")}.get(field, _("Fill in this field."))
    if code == "invalid_choice":
        return _("Choose from the list.")
    if code == "unknown_goal":
        return _("This goal is not part of the plan any more: reload the page.")
    return _("Check this field.")


def add_problems(form, problems: dict[str, str], plan=None, prefix: str = "") -> None:
    """Service problems ({field name: code}) as messages next to the form's fields."""
    fields = {f.name: f for f in _all_fields(form)}
    for name, code in problems.items():
        field = fields.get(prefix + name)
        message = problem_message(name, code, plan)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)


def _all_fields(form):
    for field in form:
        if hasattr(field, "entries"):
            for entry in field.entries:
                yield from _all_fields(entry.form) if hasattr(entry, "form") else [entry]
        elif hasattr(field, "form") and field.type == "FormField":
            yield from _all_fields(field.form)
        else:
            yield field


def plan_error_message(error: service.PlanError) -> str:
    return {
        "plan_exists": _("This stay already has a rehabilitation plan."),
        "stay_closed": _("This stay has ended: its plan can no longer change."),
        "plan_closed": _("This plan is closed and can no longer change."),
        "wrong_status": _("Someone changed this plan a moment ago: look at it again."),
        "no_goals": _("Add at least one goal before submitting the plan."),
        "too_many_goals": _("A plan can have at most %(num)d goals.", num=service.MAX_GOALS),
        "conflict": _("Someone else changed this plan at the same time; nothing was saved. Try again."),
    }.get(error.code, _("This cannot be done now."))


class Conflict(service.PlanError):
    code = "conflict"


def commit_or_error(action):
    """Run one service call and commit. PlanError (and a lost race) roll back and are raised."""
    try:
        result = action()
        db.session.commit()
        return result
    except service.NotAllowed:
        db.session.rollback()
        abort(404)
    except service.PlanError:
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        raise Conflict() from None


# --- rendering ------------------------------------------------------------------------------------------------

def plan_context(plan: RehabilitationPlan, **extra) -> dict:
    stay = db.session.get(Stay, plan.stay_id)
    resident = db.session.get(Resident, stay.resident_id)
    names = queries.plan_names(plan)
    versions = list(plan.versions)
    history = [(v, service.changes(versions[i - 1].snapshot if i else None, v.snapshot))
               for i, v in enumerate(versions)]
    context = dict(
        plan=plan, stay=stay, resident=resident, names=names, history=list(reversed(history)),
        can_write=service.may_write(current_user, stay.facility_id) and plan.is_active and stay.is_open,
        can_approve=service.may_approve(current_user, stay.facility_id) and plan.status == PlanStatus.SUBMITTED,
        review_due_on=service.review_due_on(plan), today=service.local_today(),
    )
    context.update(extra)
    return context


def goal_form(plan: RehabilitationPlan, stay: Stay, goal: PlanGoal | None = None, formdata=None) -> forms.GoalForm:
    form = forms.GoalForm(formdata=formdata, obj=goal, prefix=f"goal-{goal.id}" if goal else "new")
    form.set_workers(service.facility_workers(stay.facility_id))
    if goal is not None and formdata is None:
        form.responsible_id.data = str(goal.responsible_id) if goal.responsible_id else ""
    return form


def status_oob(plan: RehabilitationPlan) -> str:
    return render_template("plans/_status.html", oob=True, **plan_context(plan))


# --- the resident page's section --------------------------------------------------------------------------------

@bp.get("/residents/<id:resident_id>/section")
@read_roles
def resident_section(resident_id: int):
    resident = get_resident_or_404(resident_id)
    if not wants_fragment():  # the section lives in the resident page
        return redirect(url_for("residents.show", resident_id=resident.id))
    entries = queries.resident_plans(current_user, resident.id)
    return render_template("plans/_section.html", resident=resident, entries=entries,
                           may_write=lambda stay: service.may_write(current_user, stay.facility_id))


@bp.post("/stays/<id:stay_id>/start")
def start(stay_id: int):
    stay = stay_or_404(stay_id, service.may_write)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        plan = commit_or_error(lambda: service.create_plan(stay, by=current_user))
    except service.PlanError as error:
        flash(plan_error_message(error), "error")
        existing = service.active_plan(stay.id)
        target = url_for("plans.show", plan_id=existing.id) if existing else url_for(
            "residents.show", resident_id=stay.resident_id)
        return _redirect(target)
    flash(_("Rehabilitation plan started: add its goals."), "success")
    return _redirect(url_for("plans.show", plan_id=plan.id))


def _redirect(target: str):
    if request.htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


# --- the plan page ----------------------------------------------------------------------------------------------

@bp.get("/<id:plan_id>")
def show(plan_id: int):
    plan = plan_or_404(plan_id)
    context = plan_context(plan)
    return render_template("plans/show.html", new_goal_form=goal_form(plan, context["stay"]),
                           send_back_form=forms.SendBackForm(), **context)


@bp.post("/<id:plan_id>/goals")
def goal_add(plan_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    stay = db.session.get(Stay, plan.stay_id)
    form = goal_form(plan, stay, formdata=request.form)
    error = None
    if form.validate_on_submit():
        try:
            commit_or_error(lambda: service.add_goal(plan, form.goal_input(), by=current_user))
        except service.Invalid as problems:
            add_problems(form, problems.problems, plan, prefix="new-")
        except service.PlanError as failure:
            error = plan_error_message(failure)
        else:
            plan = plan_or_404(plan_id)
            flash(_("Goal added."), "success")
            if wants_fragment():
                return (render_template("plans/_goal_add.html", form=goal_form(plan, stay), keep_open=True,
                                        **plan_context(plan))
                        + render_template("plans/_goal_list.html", oob=True, **plan_context(plan))
                        + status_oob(plan) + flash_oob())
            return redirect(url_for("plans.show", plan_id=plan.id))
    context = plan_context(plan, error=error)
    if wants_fragment():
        return render_template("plans/_goal_add.html", form=form, **context), error_status()
    return render_template("plans/show.html", new_goal_form=form, send_back_form=forms.SendBackForm(),
                           **context), error_status()


@bp.get("/<id:plan_id>/goals/<id:goal_id>")
def goal(plan_id: int, goal_id: int):
    plan = plan_or_404(plan_id)
    goal = goal_or_404(plan, goal_id)
    if not wants_fragment():
        return redirect(url_for("plans.show", plan_id=plan.id, _anchor=f"goal-{goal.id}"))
    return render_template("plans/_goal.html", goal=goal, **plan_context(plan))


@bp.route("/<id:plan_id>/goals/<id:goal_id>/edit", methods=["GET", "POST"])
def goal_edit(plan_id: int, goal_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    goal = goal_or_404(plan, goal_id)
    stay = db.session.get(Stay, plan.stay_id)
    if request.method == "GET":
        form = goal_form(plan, stay, goal)
        return _edit_response(plan, goal, form)
    form = goal_form(plan, stay, goal, formdata=request.form)
    error = None
    if form.validate_on_submit():
        try:
            changed = commit_or_error(lambda: service.update_goal(plan, goal, form.goal_input(), by=current_user))
        except service.Invalid as problems:
            add_problems(form, problems.problems, plan, prefix=f"goal-{goal.id}-")
        except service.PlanError as failure:
            error = plan_error_message(failure)
        else:
            plan = plan_or_404(plan_id)
            goal = goal_or_404(plan, goal_id)
            flash(_("Goal saved.") if changed else _("Nothing changed."), "success")
            if wants_fragment():
                return (render_template("plans/_goal.html", goal=goal, **plan_context(plan))
                        + status_oob(plan) + flash_oob())
            return redirect(url_for("plans.show", plan_id=plan.id))
    return _edit_response(plan, goal, form, error=error, status=error_status())


def _edit_response(plan, goal, form, *, error=None, status=200):
    context = plan_context(plan, error=error)
    if wants_fragment():
        return render_template("plans/_goal_edit.html", goal=goal, form=form, **context), status
    return render_template("plans/goal_edit.html", goal=goal, form=form, **context), status


# --- submission and approval ------------------------------------------------------------------------------------

def _transition(plan_id: int, allowed, action, done_message: str):
    plan = plan_or_404(plan_id, allowed)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        commit_or_error(lambda: action(plan))
    except service.PlanError as error:
        flash(plan_error_message(error), "error")
    else:
        flash(done_message, "success")
    return _redirect(url_for("plans.show", plan_id=plan_id))


@bp.post("/<id:plan_id>/submit")
def submit(plan_id: int):
    return _transition(plan_id, service.may_write, lambda plan: service.submit(plan, by=current_user),
                       _("Plan submitted: a case manager will approve it."))


@bp.post("/<id:plan_id>/approve")
def approve(plan_id: int):
    return _transition(plan_id, service.may_approve, lambda plan: service.approve(plan, by=current_user),
                       _("Plan approved."))


@bp.post("/<id:plan_id>/close")
def close(plan_id: int):
    allowed = lambda user, fid: service.may_write(user, fid) or service.may_approve(user, fid)  # noqa: E731
    return _transition(plan_id, allowed, lambda plan: service.close(plan, by=current_user),
                       _("Plan closed."))


@bp.post("/<id:plan_id>/send-back")
def send_back(plan_id: int):
    plan = plan_or_404(plan_id, service.may_approve)
    form = forms.SendBackForm()
    error = None
    if form.validate_on_submit():
        try:
            commit_or_error(lambda: service.send_back(plan, by=current_user, note=form.note.data))
        except service.Invalid as problems:
            add_problems(form, problems.problems, plan)
        except service.PlanError as failure:
            error = plan_error_message(failure)
        else:
            flash(_("Plan sent back to the caseworker."), "success")
            return _redirect(url_for("plans.show", plan_id=plan_id))
    context = plan_context(plan, error=error)
    return render_template("plans/show.html", new_goal_form=goal_form(plan, context["stay"]),
                           send_back_form=form, **context), error_status()


@bp.context_processor
def _labels():
    return {"domain_label": forms.domain_label, "goal_status_label": forms.goal_status_label,
            "plan_status_label": forms.plan_status_label, "domains": forms.DOMAINS,
            "goal_statuses": forms.GOAL_STATUSES, "change_value": change_value, "field_label": field_label,
            "snapshot_date": snapshot_date}


def snapshot_date(value):
    return date.fromisoformat(value) if value else None


def change_value(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "status":
        return forms.goal_status_label(value)
    if name == "domain":
        return forms.domain_label(value)
    if name == "target_date":
        return date_filter(date.fromisoformat(value))
    return str(value)


def field_label(name: str) -> str:
    return {"status": _("status"), "target_date": _("target date"), "domain": _("domain"),
            "description": _("goal"), "interventions": _("interventions"),
            "responsible_name": _("responsible worker")}.get(name, name)
