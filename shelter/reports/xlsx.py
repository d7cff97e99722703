"""The monthly report as XLSX: one sheet per table, typed cells (numbers as numbers, dates as dates,
so the Dinas can add them up), a suppressed count as the text "<3", and a first sheet saying which
report this is. Sheet names are the tables' keys, cut to Excel's 31 characters and made unique.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from shelter.reports.model import SUPPRESSED_TEXT, Cell, ColumnKind, Report

SHEET_NAME_MAX = 31
FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
FORMATS = {ColumnKind.count: "#,##0", ColumnKind.number: "#,##0.0", ColumnKind.percent: '0.0"%"',
           ColumnKind.date: "yyyy-mm-dd"}
HEADER_ROW = 3  # row 1: the table's title; row 3: the column titles; the data below


def sheet_names(keys: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    """Excel's rules: at most 31 characters, none of []:*?/\\', unique regardless of case."""
    taken = {name.lower() for name in reserved}
    names = []
    for key in keys:
        base = FORBIDDEN.sub("_", key).strip() or "sheet"
        name, n = base[:SHEET_NAME_MAX], 2
        while name.lower() in taken:
            suffix = f"_{n}"
            name, n = base[:SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
        taken.add(name.lower())
        names.append(name)
    return names


def _value(cell: Cell):
    if cell.suppressed:
        return SUPPRESSED_TEXT
    value = cell.value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


def build_xlsx(report: Report, *, period_label: str, status: str) -> bytes:
    book = Workbook()
    about = book.active
    about.title = _("Report")
    facts = [(_("Monthly report"), report.scope_title), (_("Reporting period"), period_label),
             (_("First day"), report.period.start), (_("Last day"), date.fromordinal(report.period.end.toordinal() - 1)),
             (_("Status"), status), (_("Generated (UTC)"), report.generated_at.replace(tzinfo=None))]
    if report.suppressed:
        facts.append((_("Note"), _('Counts below 3 are shown as "<3", so that no one can be singled out.')))
    for row, (label, value) in enumerate(facts, start=1):
        about.cell(row=row, column=1, value=label).font = Font(bold=True)
        target = about.cell(row=row, column=2, value=value)
        if isinstance(value, datetime):
            target.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, date):
            target.number_format = "yyyy-mm-dd"
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 22, 48

    for table, name in zip(report.tables, sheet_names([t.key for t in report.tables], reserved=(about.title,))):
        sheet = book.create_sheet(name)
        sheet.cell(row=1, column=1, value=table.title).font = Font(bold=True, size=12)
        if table.note:
            sheet.cell(row=2, column=1, value=table.note).alignment = Alignment(wrap_text=False)
        for col, column in enumerate(table.columns, start=1):
            sheet.cell(row=HEADER_ROW, column=col, value=column.title).font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(column.title) + 4))
        for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
            for col, (cell, column) in enumerate(zip(row, table.columns), start=1):
                target = sheet.cell(row=r, column=col, value=_value(cell))
                if cell.suppressed:
                    target.alignment = Alignment(horizontal="right")
                elif column.kind in FORMATS and cell.value is not None:
                    target.number_format = FORMATS[column.kind]
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    book.properties.creator = "Shelter"
    book.properties.title = _("Monthly report")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
