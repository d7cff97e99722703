"""The list behind a count of a report (``/reports/lists/<kind>?figure=…&month=…&facility=…``).

The same scope rule as the report (404 for a report the user may not open, and for any argument
that is not a known figure, id, code or date), then only the rows the user may open (``lists``).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from shelter.reports import lists, scopes
from shelter.reports.figures import report_context

bp = Blueprint("report_lists", __name__, url_prefix="/reports/lists")


def _show(kind: str):
    try:
        scope = scopes.parse_scope(request.args)
        period = scopes.parse_period(request.args)
    except scopes.BadReportRequest:
        abort(404)
    scopes.report_scope_or_404(current_user, scope)
    ctx = report_context(current_user, scope, period)
    try:
        page_number = int(request.args.get("page", "1"))
    except ValueError:
        page_number = 1
    figure = request.args.get("figure", "")
    page = lists.list_page(current_user, ctx, kind, figure, request.args, page_number)
    if page is None:
        abort(404)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(f"reports/lists/{kind}.html", page=page, ctx=ctx, figure=figure, args=args,
                           kind=kind, endpoint=request.endpoint,
                           last_day=period.end - timedelta(days=1))


@bp.get("/stays")
def stays():
    return _show("stays")


@bp.get("/residents")
def residents():
    return _show("residents")


@bp.get("/followups")
def followups():
    return _show("followups")


@bp.get("/referrals")
def referrals():
    return _show("referrals")
