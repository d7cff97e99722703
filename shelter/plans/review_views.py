"""Rehabilitation plan pages for an approved plan: the periodic review (each one a new readable version)
and the print page of the latest version for a case conference. Routes of the ``plans`` blueprint, with
its lookups (``plan_or_404``: scope and role, anything else a 404) and its messages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.db import utcnow
from shelter.extensions import db
from shelter.fragments import error_status
from shelter.plans import forms, queries, service
from shelter.plans.models import GoalStatus, PlanStatus, RehabilitationPlan
from shelter.plans.views import add_problems, bp, commit_or_error, plan_context, plan_error_message, plan_or_404
from shelter.stays.models import Stay


def review_form(plan: RehabilitationPlan, stay: Stay, formdata=None) -> forms.ReviewForm:
    if formdata is not None:
        form = forms.ReviewForm(formdata=formdata)
    else:
        form = forms.ReviewForm(formdata=None, data={
            "reviewed_on": service.local_today(),
            "goals": [{"goal_id": str(g.id), "status": g.status, "note": "", "target_date": g.target_date,
                       "interventions": g.interventions} for g in plan.goals],
            "new_goal": {"status": GoalStatus.PLANNED.value},
        })
    form.new_goal.form.set_workers(service.facility_workers(stay.facility_id))
    return form


@bp.route("/<id:plan_id>/review", methods=["GET", "POST"])
def review(plan_id: int):
    plan = plan_or_404(plan_id, service.may_write)
    stay = db.session.get(Stay, plan.stay_id)
    error = None
    if plan.status != PlanStatus.APPROVED:
        flash(_("Only an approved plan can be reviewed."), "error")
        return redirect(url_for("plans.show", plan_id=plan.id))
    if request.method == "POST":
        form = review_form(plan, stay, formdata=request.form)
        if form.validate_on_submit():
            try:
                version = commit_or_error(lambda: service.record_review(plan, form.review_input(), by=current_user))
            except service.Invalid as problems:
                add_problems(form, problems.problems, plan)
            except service.PlanError as failure:
                error = plan_error_message(failure)
            else:
                flash(_("Review recorded: version %(num)d of the plan.", num=version.number), "success")
                return redirect(url_for("plans.show", plan_id=plan.id))
        status = error_status()
    else:
        form, status = review_form(plan, stay), 200
    goals = {str(g.id): g for g in plan.goals}
    return render_template("plans/review.html", form=form, goals=goals,
                           **plan_context(plan, error=error)), status


# --- print ------------------------------------------------------------------------------------------------------------

@bp.get("/<id:plan_id>/print")
def print_plan(plan_id: int):
    """The latest approved or reviewed version, for a case conference (A4, no navigation)."""
    plan = plan_or_404(plan_id)
    if not plan.versions:
        abort(404)
    version = plan.versions[-1]
    context = plan_context(plan)
    ids = {g.get("responsible_id") for g in version.snapshot.get("goals", [])}
    names = {**context["names"], **queries.user_names(ids - context["names"].keys())}
    context["names"] = names
    return render_template("plans/print.html", version=version, now=utcnow(), **context)


