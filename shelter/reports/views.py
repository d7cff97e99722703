"""The reports' pages: the index of reports a user may open, and one dashboard per scope.

The dashboard shows a report (``figures.build_report``) for a facility, a kota or the province and a
period: its charts (server-drawn SVG, ``charts``) each with its table for screen readers, then every
table, each count linking to the list behind it. The URL carries the scope and period as query
arguments (``facility=12&month=2026-11``: ids and codes only), so a switched period can be
bookmarked; htmx swaps only the dashboard's body (``_dashboard_body.html``). The monthly report's
pages live in ``monthly_views`` on this blueprint.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from shelter import access, labels
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.fragments import error_status, wants_fragment
from shelter.localtime import local_today
from shelter.reports import common, figures, present, scopes, signoff
from shelter.reports.model import ReportScope, ScopeLevel

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.record_once(present.init_app_globals)
bp.add_app_template_global(scopes.scope_args, "report_scope_args")
bp.add_app_template_global(scopes.period_args, "report_period_args")
bp.add_app_template_global(common.period_label, "report_period_label")
bp.add_app_template_global(common.report_args, "report_args")

# More facilities than this: the index offers a list to choose from instead of a link each.
LINK_LIMIT = 20


@bp.get("/")
def index():
    user = current_user
    facilities = [f for f in db.session.scalars(access.scoped_facilities_query(user))
                  if access.sees_report(user, ReportScope(ScopeLevel.facility, facility_id=f.id))]
    wide = access.sees_report(user, ReportScope(ScopeLevel.province))
    return render_template("reports/index.html", facilities=facilities, wide=wide, kotas=labels.KOTA,
                           period=scopes.default_period(local_today()), link_limit=LINK_LIMIT)


@bp.get("/dashboard")
def dashboard():
    scope = common.scope_or_404()
    context = {"scope": scope, "problems": {}, "report": None, "typed": request.args.get("month", "")}
    try:
        period = scopes.parse_period(request.args, today_wib=local_today())
    except scopes.BadReportRequest as error:
        context["problems"] = {field: common.PERIOD_PROBLEMS.get(code, common.PERIOD_PROBLEMS["invalid"])
                               for field, code in error.problems.items()}
        status = error_status()
    else:
        report = figures.build_report(current_user, scope, period)
        context.update(report=report, period=period, empty=present.is_empty(report),
                       months=common.neighbour_months(period), monthly=signoff.is_month(period),
                       typed=scopes.period_args(period).get("month", ""))
        status = 200
    if wants_fragment():
        return render_template("reports/_dashboard_body.html", **context), status
    return render_template("reports/dashboard.html", scope_title=_scope_title(scope), **context), status


def _scope_title(scope: ReportScope) -> str:
    """The heading above the period switch (the report carries its own, but a bad period has none)."""
    if scope.level is ScopeLevel.facility:
        return db.session.scalar(sa.select(Facility.name).where(Facility.id == scope.facility_id)) or ""
    if scope.level is ScopeLevel.kota:
        return labels.kota_label(scope.kota)
    return ""
