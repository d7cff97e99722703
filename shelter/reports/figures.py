"""The figures of a report, computed from the records every time (nothing is kept as a counter).

``build_report(user, scope, period)`` gives the ``Report`` that the dashboard, the monthly report
(HTML, PDF, XLSX) and the API render. Each module adds its tables and charts, each table from a fixed
number of aggregate statements: the statement count of a report does not grow with the data.

- ``fig_stays``: occupancy per day, residents at the start and end, admissions and discharges per week
  and month, discharges by outcome, per facility (kota and province reports);
- ``fig_people``: residents by sex, age band, protection category and kota of origin; length of stay;
- ``fig_care``: assessments, plans, follow-ups, programmes;
- ``fig_referrals``: referrals, offers, the waitlist, SMS.

The caller has checked that the user may see the report (``scopes.report_scope_or_404``). Counts of
1–2 are suppressed when ``access.report_suppressed`` says so, or when ``suppress`` is passed (the API).
"""

from __future__ import annotations

import sqlalchemy as sa

from shelter import access
from shelter.db import utcnow
from shelter.extensions import db
from shelter.localtime import local_today
from shelter.reports import fig_care, fig_people, fig_referrals, fig_stays
from shelter.reports.base import Context, contributing
from shelter.reports.model import Period, Report, ReportScope

SECTIONS = (fig_stays, fig_people, fig_care, fig_referrals)


def report_context(user, scope: ReportScope, period: Period, *, suppress: bool | None = None) -> Context:
    """What the figures and the lists behind them are computed over. Two statements."""
    places, title = contributing(scope, period)
    hidden = access.report_suppressed(user, scope) if suppress is None else suppress or access.report_suppressed(user, scope)
    return Context(scope=scope, period=period, suppress=hidden, places=places, title=title, today=local_today())


def build_report(user, scope: ReportScope, period: Period, *, suppress: bool | None = None) -> Report:
    return build_from_context(report_context(user, scope, period, suppress=suppress))


def build_from_context(ctx: Context) -> Report:
    if db.engine.dialect.name == "postgresql":
        # PostgreSQL's JIT compiler judges these aggregates by their estimated cost and spends more time
        # compiling them (0.2–0.5 s each at province scale) than running them. For this transaction only.
        db.session.execute(sa.text("SET LOCAL jit = off"))
    tables, charts = [], []
    for section in SECTIONS:
        more_tables, more_charts = section.build(ctx)
        tables += more_tables
        charts += more_charts
    return Report(scope=ctx.scope, scope_title=ctx.title, period=ctx.period, generated_at=utcnow(),
                  suppressed=ctx.suppress, tables=tables, charts=charts)
