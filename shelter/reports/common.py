"""What the report pages share: the scope and period from the URL (ids and codes only), their labels,
and the download answers (file names without personal data, never cached)."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, request
from flask_babel import format_date, lazy_gettext as _l
from flask_login import current_user

from shelter.reports import scopes
from shelter.reports.model import Period, ReportScope

PERIOD_PROBLEMS = {
    "invalid": _l("Choose a month (for example 2026-11)."),
    "required": _l("Fill in both dates."),
    "before_start": _l("The last day comes before the first."),
    "too_long": _l("Choose at most a year."),
}
DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def scope_or_404(args=None) -> ReportScope:
    """The scope in the URL (or a form), if the user may open its report; else the 404 of a missing
    page (a malformed scope argument too: nobody types it, and it must not tell anything apart)."""
    try:
        scope = scopes.parse_scope(request.args if args is None else args)
    except scopes.BadReportRequest:
        abort(404)
    return scopes.report_scope_or_404(current_user, scope)


def report_args(scope: ReportScope, period: Period | None = None, **extra) -> dict:
    """The query arguments of a report's URL: its scope and period (ids and codes), and ``extra``."""
    args = dict(scopes.scope_args(scope))
    if period is not None:
        args.update(scopes.period_args(period))
    args.update(extra)
    return args


def period_label(period: Period) -> str:
    """"November 2026" for a calendar month, else "1 Okt 2026 – 15 Nov 2026"."""
    if scopes.period_args(period).get("month"):
        return format_date(period.start, "LLLL y")
    return f"{format_date(period.start, 'd MMM y')} – {format_date(period.end - timedelta(days=1), 'd MMM y')}"


def neighbour_months(period: Period) -> tuple[Period, Period]:
    before = period.start - timedelta(days=1)
    return (scopes.month_period(before.year, before.month),
            scopes.month_period(period.end.year, period.end.month))


def file_name(scope: ReportScope, period: Period, extension: str, version: int | None = None) -> str:
    """laporan-bulanan-facility-12-2026-11[-v2].pdf: the scope's key (an id or a code), never a name."""
    suffix = f"-v{version}" if version else ""
    return f"laporan-bulanan-{scope.key}-{period.start:%Y-%m}{suffix}.{extension}"


def download(body: bytes, name: str, extension: str) -> Response:
    response = Response(body, mimetype=DOWNLOAD_TYPES[extension])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
