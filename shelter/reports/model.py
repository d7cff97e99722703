"""What a report is, independent of how it is computed or drawn.

A ``Report`` is a list of ``Table``s and ``Chart``s for one ``ReportScope`` (a facility, a kota or the
province) and one ``Period`` (dates in WIB, end exclusive). Every number a user reads is a ``Cell``:
its value (an int, a float, a ``date`` or text), whether it was suppressed (shown "<3", so no one can
single out a person), and the list behind it (``drill``: endpoint and arguments for ``url_for``, never
a name or any personal data). The dashboard, the printable page, the PDF, the XLSX and the API all
render the same ``Report``, so they cannot disagree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

SUPPRESSED_TEXT = "<3"
SUPPRESS_BELOW = 3


class ScopeLevel(enum.StrEnum):
    facility = "facility"
    kota = "kota"
    province = "province"


@dataclass(frozen=True)
class ReportScope:
    level: ScopeLevel
    facility_id: int | None = None  # level == facility
    kota: str | None = None  # level == kota (the code used by facilities.kota)

    @property
    def key(self) -> str:
        """A stable, personal-data-free key: "facility-12", "kota-jakarta_timur", "province"."""
        if self.level is ScopeLevel.facility:
            return f"facility-{self.facility_id}"
        if self.level is ScopeLevel.kota:
            return f"kota-{self.kota}"
        return "province"


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive (WIB)
    end: date  # day after the last, exclusive (WIB)

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class ColumnKind(enum.StrEnum):
    text = "text"
    count = "count"  # int; suppressed below 3 when the report leaves a facility's scope
    number = "number"  # float, e.g. days of stay (median)
    percent = "percent"  # float 0–100
    date = "date"


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # already translated for the request's locale
    kind: ColumnKind = ColumnKind.count


@dataclass(frozen=True)
class Drill:
    """The list behind a count: ``url_for(endpoint, **args)``; args carry codes and ids, never names."""

    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    value: int | float | date | str | None
    suppressed: bool = False
    drill: Drill | None = None

    @property
    def text(self) -> str:
        """The plain text of a cell for CSV-like output (templates format numbers themselves)."""
        if self.suppressed:
            return SUPPRESSED_TEXT
        if self.value is None:
            return "–"
        if isinstance(self.value, date):
            return self.value.isoformat()
        return str(self.value)


@dataclass(frozen=True)
class Table:
    key: str  # stable id: "admissions_by_month"; used for XLSX sheet names, anchors and the API
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    note: str = ""  # e.g. what "on time" means


class ChartKind(enum.StrEnum):
    line = "line"  # a value per day/week: occupancy over time
    bar = "bar"  # grouped bars: admissions vs discharges per week or month
    stacked_bar = "stacked_bar"
    hbar = "hbar"  # horizontal bars with labels: outcomes, length-of-stay distribution


@dataclass(frozen=True)
class Series:
    key: str
    title: str
    values: list[float | None]  # None = suppressed or no data; drawn as a gap, never as 0


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: ChartKind
    labels: list[str]  # x axis (or bar labels), already formatted for the locale
    series: list[Series]
    table_key: str  # the Table that holds the same numbers (the screen-reader alternative)
    unit: str = ""  # e.g. "%" or "hari"


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    scope_title: str  # "Panti Sosial Bakti Kasih", "Jakarta Timur", "Provinsi DKI Jakarta"; a Rumah Aman by its code name
    period: Period
    generated_at: datetime  # UTC
    suppressed: bool  # True when counts below 3 are hidden (the report leaves a facility's scope)
    tables: list[Table]
    charts: list[Chart]

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)
