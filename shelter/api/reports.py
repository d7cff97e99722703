"""JSON API v1: GET /reports/province, /reports/kota/<kota>, /reports/facility/<id>: the figures of a
report (``reports.figures.build_report``) for ``?month=YYYY-MM`` or ``?start=…&end=…`` (inclusive days;
default: the last full month in WIB). Who may read which report is ``access.sees_report`` (others:
the API's one 404). Counts of 1–2 are always suppressed here, whoever asks: an answer leaves the
facility's scope the moment it reaches another system."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from shelter.api import serialise_reports
from shelter.api.errors import invalid, not_found
from shelter.api.views import bp
from shelter.facilities.models import Kota
from shelter.reports import scopes
from shelter.reports.figures import build_report
from shelter.reports.model import ReportScope, ScopeLevel


def _answer(scope: ReportScope):
    if scopes.find_report_scope(current_user, scope) is None:
        raise not_found("report")
    try:
        period = scopes.parse_period(request.args)
    except scopes.BadReportRequest as error:
        raise invalid(error.problems) from None
    return jsonify(serialise_reports.report(build_report(current_user, scope, period, suppress=True)))


@bp.get("/reports/province")
def report_province():
    return _answer(ReportScope(ScopeLevel.province))


@bp.get("/reports/kota/<kota>")
def report_kota(kota: str):
    if kota not in {k.value for k in Kota}:
        raise not_found("kota")
    return _answer(ReportScope(ScopeLevel.kota, kota=kota))


@bp.get("/reports/facility/<id:facility_id>")
def report_facility(facility_id: int):
    return _answer(ReportScope(ScopeLevel.facility, facility_id=facility_id))
