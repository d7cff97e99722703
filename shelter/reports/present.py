"""How a ``Report``'s cells read on a page, the same for every report: the dashboard, the printed
monthly report and its PDF (the XLSX keeps the typed values instead, see ``xlsx``).

A suppressed count is "<3", a missing value "–", numbers in the request's locale (1.234 and 12,5 in
Indonesian), dates as the app's other dates. A count with a ``drill`` links to the list behind it.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, url_for
from flask_babel import format_decimal, get_locale
from markupsafe import Markup

from shelter.i18n import date_filter
from shelter.reports.charts import render_chart
from shelter.reports.model import SUPPRESSED_TEXT, Cell, Chart, Column, ColumnKind, Report, Table

NO_VALUE = "–"
NUMERIC = (ColumnKind.count, ColumnKind.number, ColumnKind.percent)


def cell_text(cell: Cell, column: Column) -> str:
    if cell.suppressed:
        return SUPPRESSED_TEXT
    value = cell.value
    if value is None:
        return NO_VALUE
    if isinstance(value, date):
        return date_filter(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if column.kind is ColumnKind.count:
        return format_decimal(value, format="#,##0")
    text = format_decimal(value, format="#,##0.#")
    return text + "%" if column.kind is ColumnKind.percent else text


def drill_url(cell: Cell) -> str | None:
    """The list behind a count; none for a suppressed cell (its list would name the few people)."""
    if cell.drill is None or cell.suppressed:
        return None
    if cell.drill.endpoint not in current_app.view_functions:  # a list not (yet) served: plain text
        return None
    return url_for(cell.drill.endpoint, **cell.drill.args)


def is_numeric(column: Column) -> bool:
    return column.kind in NUMERIC


def chart_svg(chart: Chart, prefix: str = "") -> Markup:
    return render_chart(chart, locale=str(get_locale()), prefix=prefix)


def chart_table(report: Report, chart: Chart) -> Table | None:
    try:
        return report.table(chart.table_key)
    except KeyError:
        return None


def is_empty(report: Report) -> bool:
    """Nothing happened in the period: every chart (the activity: occupancy, admissions, outcomes,
    stays, follow-ups) is 0 or missing throughout, and no count is hidden as "<3" (that is someone).
    Tables of what is there regardless (beds in service) do not count. A report without charts is
    empty when all its numbers are 0 or missing."""
    for table in report.tables:
        if any(cell.suppressed for row in table.rows for cell in row):
            return False
    if report.charts:
        return all(value in (None, 0, 0.0) for chart in report.charts for series in chart.series
                   for value in series.values)
    for table in report.tables:
        numeric = [i for i, column in enumerate(table.columns) if is_numeric(column)]
        for row in table.rows:
            if any(i < len(row) and row[i].value not in (None, 0, 0.0) for i in numeric):
                return False
    return True


def init_app_globals(state) -> None:
    """Registered on the blueprint: the helpers the report templates call."""
    state.app.jinja_env.globals.update(
        report_cell_text=cell_text, report_drill_url=drill_url, report_is_numeric=is_numeric,
        report_chart_svg=chart_svg, report_chart_table=chart_table)
