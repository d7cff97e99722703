"""Which report and which days: read from a request's arguments, checked, never a 500.

A period is given as ``month=YYYY-MM`` or as ``start`` and ``end``, both ISO dates and both
*inclusive* (what a person types: 1–31 October); ``Period.end`` is the day after ``end``. No argument:
the last full month in WIB (``default_period``). A scope is ``facility=<id>``, ``kota=<code>`` or
nothing (the province). Bad input raises ``BadReportRequest`` (a ``FieldProblems``: field → code).
Who may open which report is ``access.sees_report``; ``report_scope_or_404`` applies it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort

from shelter import access
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.facilities.models import Facility, Kota
from shelter.localtime import local_today
from shelter.reports.model import Period, ReportScope, ScopeLevel

MAX_DAYS = 366  # a year (and the size of the calendar the occupancy query joins)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class BadReportRequest(FieldProblems):
    code = "invalid_report_request"


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, end)


def default_period(today_wib: date) -> Period:
    """The last full calendar month before ``today_wib``."""
    first = today_wib.replace(day=1)
    previous = first - timedelta(days=1)
    return month_period(previous.year, previous.month)


def _iso_day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise BadReportRequest({field: "invalid"}) from None


def parse_period(args, *, today_wib: date | None = None) -> Period:
    """``month=YYYY-MM`` | ``start=…&end=…`` (inclusive) | nothing (needs ``today_wib``)."""
    month = (args.get("month") or "").strip()
    start, end = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    if month:
        match = _MONTH.match(month)
        if not match or not (1 <= int(match.group(2)) <= 12) or int(match.group(1)) < 1900:
            raise BadReportRequest({"month": "invalid"})
        return month_period(int(match.group(1)), int(match.group(2)))
    if not start and not end:
        return default_period(today_wib or local_today())
    problems = {}
    if not start:
        problems["start"] = "required"
    if not end:
        problems["end"] = "required"
    if problems:
        raise BadReportRequest(problems)
    first, last = _iso_day(start, "start"), _iso_day(end, "end")
    if first.year < 1900:
        raise BadReportRequest({"start": "invalid"})
    if last < first:
        raise BadReportRequest({"end": "before_start"})
    if (last - first).days + 1 > MAX_DAYS:
        raise BadReportRequest({"end": "too_long"})
    return Period(first, last + timedelta(days=1))


def period_args(period: Period) -> dict[str, str]:
    """The arguments that give this period back through ``parse_period`` (for ``url_for``)."""
    if period.start.day == 1 and period == month_period(period.start.year, period.start.month):
        return {"month": period.start.strftime("%Y-%m")}
    return {"start": period.start.isoformat(), "end": (period.end - timedelta(days=1)).isoformat()}


def parse_scope(args) -> ReportScope:
    facility, kota = (args.get("facility") or "").strip(), (args.get("kota") or "").strip()
    if facility and kota:
        raise BadReportRequest({"kota": "conflict"})
    if facility:
        if not facility.isdigit() or not (0 < int(facility) <= access.MAX_ID):
            raise BadReportRequest({"facility": "invalid"})
        return ReportScope(ScopeLevel.facility, facility_id=int(facility))
    if kota:
        if kota not in {k.value for k in Kota}:
            raise BadReportRequest({"kota": "invalid"})
        return ReportScope(ScopeLevel.kota, kota=kota)
    return ReportScope(ScopeLevel.province)


def scope_args(scope: ReportScope) -> dict[str, str | int]:
    """The arguments that give this scope back through ``parse_scope`` (for ``url_for``)."""
    if scope.level is ScopeLevel.facility:
        return {"facility": scope.facility_id}
    if scope.level is ScopeLevel.kota:
        return {"kota": scope.kota}
    return {}


def report_scope_or_404(user, scope: ReportScope) -> ReportScope:
    """The scope, if it exists and the user may open its report (``access.sees_report``); 404
    otherwise, with the body of a missing page."""
    if scope.level is ScopeLevel.facility:
        if scope.facility_id is None or db.session.get(Facility, scope.facility_id) is None:
            abort(404)
    if not access.sees_report(user, scope):
        abort(404)
    return scope


def find_report_scope(user, scope: ReportScope) -> ReportScope | None:
    """``report_scope_or_404`` for callers that answer their own 404 (the API)."""
    if scope.level is ScopeLevel.facility and (
            scope.facility_id is None or db.session.get(Facility, scope.facility_id) is None):
        return None
    return scope if access.sees_report(user, scope) else None
