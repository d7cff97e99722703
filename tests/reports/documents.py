"""Reading the report's documents back the way a person would see them, to check they agree: the
tables of a page (HTML), the text of the PDF (pypdf), the sheets of the XLSX (openpyxl, each value
written the way the page writes it)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from html.parser import HTMLParser

from babel.dates import format_date
from babel.numbers import format_decimal

TABLES_HEADING = "Tabel laporan"  # the monthly report's heading above its tables (Indonesian)


class _Tables(HTMLParser):
    """Every ``<table data-table=…>`` outside a chart's <details>: {key: [[(text, numeric), …], …]}."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[tuple[str, bool]]]] = {}
        self.key = None
        self.in_details = 0
        self.row = None
        self.cell = None
        self.numeric = False
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            self.in_details += 1
        elif tag == "table" and "data-table" in attrs and not self.in_details:
            self.key = attrs["data-table"]
            self.tables[self.key] = []
        elif self.key and tag == "tbody":
            self.in_body = True
        elif self.key and self.in_body and tag == "tr":
            self.row = []
        elif self.row is not None and tag in ("td", "th"):
            self.cell, self.numeric = [], "num" in (attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "details":
            self.in_details -= 1
        elif tag == "table" and self.key:
            self.key, self.in_body = None, False
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append((" ".join("".join(self.cell).split()), self.numeric))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.key].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_tables(html: str) -> dict[str, list[list[tuple[str, bool]]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def html_rows(html: str) -> dict[str, list[list[str]]]:
    return {key: [[text for text, _numeric in row] for row in rows] for key, rows in html_tables(html).items()}


def numbers_in_order(tables: dict[str, list[list[tuple[str, bool]]]]) -> list[str]:
    return [text for rows in tables.values() for row in rows for text, numeric in row if numeric]


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def missing_from_pdf(html: str, body: bytes) -> list[str]:
    """The page's table numbers, in order, that the PDF's tables do not show in the same order."""
    text = pdf_text(body)
    start = text.find(TABLES_HEADING)
    assert start >= 0, "the PDF has no tables heading"
    tokens = text[start:].split()
    missing, position = [], 0
    for number in numbers_in_order(html_tables(html)):
        try:
            position = tokens.index(number, position) + 1
        except ValueError:
            missing.append(number)
    return missing


def _as_page(value, number_format: str, locale: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return format_date(value, "d MMM y", locale=locale)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if "%" in number_format:
        return format_decimal(value, format="#,##0.#", locale=locale) + "%"
    if isinstance(value, int) or number_format == "#,##0":
        return format_decimal(value, format="#,##0", locale=locale)
    return format_decimal(value, format="#,##0.#", locale=locale)


def xlsx_rows(body: bytes, *, locale: str = "id") -> tuple[list[str], list[list[list[str]]], list]:
    """(sheet names, each table sheet's rows written as on the page, the raw cells)."""
    from openpyxl import load_workbook

    from shelter.reports.xlsx import HEADER_ROW

    book = load_workbook(io.BytesIO(body))
    tables, raw = [], []
    for sheet in book.worksheets[1:]:
        rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1))
        raw.append(rows)
        tables.append([[_as_page(c.value, c.number_format, locale) for c in row] for row in rows])
    return book.sheetnames, tables, raw


NUMBER = re.compile(r"^(<3|–|[\d.,]+%?)$")
