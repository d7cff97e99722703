"""What every figure module shares: the facilities that contribute to a report, the period's bounds in
UTC, a calendar of its days for SQL, and the cells (suppression below 3, drill-downs).

**Which facilities contribute.** A facility report: that facility. A kota or province report: every
active panti in it, and its Rumah Aman only when they cannot be singled out: when at least two
Rumah Aman have stays in the period, or at least one panti has (then they are folded into the totals). Rows per
facility or per kota never name a Rumah Aman: they are merged into one row "Rumah Aman (gabungan)"
when at least two have residents in the figures, else counted in the totals only (``facility_rows``).

**Statements.** Every figure is one aggregate statement (``GROUP BY``) over the scope's facilities
and the period, so a report's statement count does not depend on the data. A record's day is found
by comparing its moment with each day's start (``day_of``, ``last_day_before``: bound parameters, the
same SQL on SQLite and PostgreSQL), and records covering several days are grouped by (first day, last
day) and spread over the days in Python (``spread``); where a day must be joined, a small calendar of
the period is built here (``calendar``, at most 366 rows, the same SQL on SQLite
and PostgreSQL), each day carrying its WIB bounds in UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from shelter.db import UTCDateTime
from shelter.extensions import db
from shelter.facilities.models import Facility, FacilityKind
from shelter.labels import kota_label
from shelter.stays.models import Stay
from shelter.localtime import zone
from shelter.reports.model import (SUPPRESS_BELOW, Cell, Drill, Period, ReportScope, ScopeLevel)
from shelter.reports.scopes import period_args, scope_args

LIST_ENDPOINTS = {"stays": "report_lists.stays", "residents": "report_lists.residents",
                  "followups": "report_lists.followups", "referrals": "report_lists.referrals"}
SAFE_HOUSES_GROUP = "rumah_aman"


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    kind: str
    kota: str

    @property
    def is_safe_house(self) -> bool:
        return self.kind == FacilityKind.RUMAH_AMAN


@dataclass
class Context:
    scope: ReportScope
    period: Period
    suppress: bool
    places: list[Place]  # the contributing facilities (see the module docstring)
    title: str
    today: date
    lo: datetime = field(init=False)
    hi: datetime = field(init=False)

    def __post_init__(self):
        self.lo, self.hi = utc_bounds(self.period.start), utc_bounds(self.period.end)

    @property
    def ids(self) -> list[int]:
        return [p.id for p in self.places]

    def in_scope(self, column):
        """SQL condition: ``column`` (a facility id) is one of the contributing facilities: the same rule
        as ``contributing``, as a subquery (not hundreds of bound ids in every statement)."""
        if not self.places:
            return sa.false()
        if self.scope.level is ScopeLevel.facility:
            return column == self.scope.facility_id
        ids = sa.select(Facility.id).where(Facility.is_active.is_(True))
        if self.scope.level is ScopeLevel.kota:
            ids = ids.where(Facility.kota == self.scope.kota)
        if not self.safe_house_ids:  # none, or left out (``contributing``)
            ids = ids.where(Facility.kind != FacilityKind.RUMAH_AMAN.value)
        return column.in_(ids)

    @property
    def safe_house_ids(self) -> list[int]:
        return [p.id for p in self.places if p.is_safe_house]

    def count(self, value: int | None, drill: tuple[str, str, dict] | None = None) -> Cell:
        """A count: suppressed ("<3") when 1–2 and the report leaves a facility's scope; its list when
        it is not suppressed and not zero."""
        value = int(value or 0)
        if self.suppress and 0 < value < SUPPRESS_BELOW:
            return Cell(None, suppressed=True)
        return Cell(value, drill=self.drill(*drill) if drill and value else None)

    def ratio(self, part: int, whole: int, *, base: int | None = None) -> Cell:
        """A percentage of ``whole`` (None when there is none); suppressed when the counts it comes
        from are small enough to single someone out."""
        if not whole:
            return Cell(None)
        if self.suppress and 0 < (base if base is not None else whole) < SUPPRESS_BELOW:
            return Cell(None, suppressed=True)
        return Cell(round(100.0 * part / whole, 1))

    def number(self, value: float | None, *, n: int) -> Cell:
        """A statistic of ``n`` people (a median): suppressed when ``n`` is 1–2."""
        if value is None or not n:
            return Cell(None)
        if self.suppress and n < SUPPRESS_BELOW:
            return Cell(None, suppressed=True)
        return Cell(round(float(value), 1))

    def drill(self, kind: str, figure: str, extra: dict | None = None) -> Drill:
        args = {**scope_args(self.scope), **period_args(self.period), "figure": figure}
        args.update({k: v for k, v in (extra or {}).items() if v is not None})
        return Drill(LIST_ENDPOINTS[kind], args)

    def text(self, value) -> Cell:
        return Cell(str(value))

    def series_value(self, cell: Cell) -> float | None:
        return None if cell.suppressed or cell.value is None else float(cell.value)


def utc_bounds(day: date) -> datetime:
    """The UTC moment a WIB day starts."""
    return datetime.combine(day, time(0), tzinfo=zone()).astimezone(timezone.utc)


def days_of(period: Period) -> list[date]:
    return [period.start + timedelta(days=i) for i in range(period.days)]


def calendar(period: Period, name: str = "days", *, plus_days: int = 0):
    """A CTE of the period's days: ``day`` (index 0…), ``lo``, ``hi`` (UTC bounds), ``on`` (the date)
    and ``plus`` (the date ``plus_days`` later: a due date). One row per day, built from bound
    parameters (no dialect's date arithmetic)."""
    rows = [sa.select(sa.literal(i, sa.Integer).label("day"), sa.literal(utc_bounds(d), UTCDateTime).label("lo"),
                      sa.literal(utc_bounds(d + timedelta(days=1)), UTCDateTime).label("hi"),
                      sa.literal(d, sa.Date).label("on"),
                      sa.literal(d + timedelta(days=plus_days), sa.Date).label("plus"))
            for i, d in enumerate(days_of(period))]
    return (rows[0] if len(rows) == 1 else sa.union_all(*rows)).cte(name)


def day_of(ctx, moment):
    """SQL: the index (0…) of the period's day that ``moment`` falls in; 0 before the period, the last
    day's index after it. Compared with each day's start as a bound parameter: exact on both databases."""
    starts = [utc_bounds(d) for d in days_of(ctx.period)][1:]
    if not starts:
        return sa.literal(0)
    return sa.case(*[(moment < start, i) for i, start in enumerate(starts)], else_=len(starts))


def last_day_before(ctx, moment):
    """SQL: the index of the last day that an interval ending at ``moment`` (exclusive) overlaps: -1
    when it ends before the period starts, the last day's index when it ends after the period (or
    ``moment`` is NULL: still open)."""
    bounds = [utc_bounds(d) for d in days_of(ctx.period)]
    return sa.case((moment.is_(None), len(bounds) - 1),
                   *[(moment <= start, i - 1) for i, start in enumerate(bounds)], else_=len(bounds) - 1)


def spread(groups, days: int) -> list[int]:
    """Per day, how many of the (first day, last day, count) groups cover it (a difference array)."""
    change = [0] * (days + 1)
    for first, last, n in groups:
        first, last = max(int(first), 0), min(int(last), days - 1)
        if first <= last:
            change[first] += n
            change[last + 1] -= n
    running, out = 0, []
    for i in range(days):
        running += change[i]
        out.append(running)
    return out


def days_between(later, earlier):
    """SQL: days (a float) from ``earlier`` to ``later``, on the dialect in use."""
    if db.engine.dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def date_plus(column, days: int):
    """SQL: a DATE column plus a fixed number of days, on the dialect in use."""
    if db.engine.dialect.name == "postgresql":
        return column + days
    return sa.func.date(column, f"{days:+d} days")


def contributing(scope: ReportScope, period: Period) -> tuple[list[Place], str]:
    """The facilities whose records make the report, and the report's title. Two statements: the
    facilities, and which of them have stays in the period (a Rumah Aman is left out of a kota or
    province report unless two of them have, or a panti has: else the totals would be its own)."""
    query = sa.select(Facility.id, Facility.name, Facility.kind, Facility.kota).order_by(Facility.name, Facility.id)
    if scope.level is ScopeLevel.facility:
        rows = db.session.execute(query.where(Facility.id == scope.facility_id)).all()
        places = [Place(*r) for r in rows]
        return places, (places[0].name if places else "")
    query = query.where(Facility.is_active.is_(True))
    if scope.level is ScopeLevel.kota:
        query = query.where(Facility.kota == scope.kota)
    places = [Place(*r) for r in db.session.execute(query).all()]
    lo, hi = utc_bounds(period.start), utc_bounds(period.end)
    busy = set(db.session.scalars(sa.select(Stay.facility_id).distinct().where(
        Stay.facility_id.in_([p.id for p in places]), Stay.admitted_at < hi,
        sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at >= lo))))
    busy_safe = sum(1 for p in places if p.is_safe_house and p.id in busy)
    busy_panti = sum(1 for p in places if not p.is_safe_house and p.id in busy)
    if busy_safe < 2 and not busy_panti:
        places = [p for p in places if not p.is_safe_house]
    title = kota_label(scope.kota) if scope.level is ScopeLevel.kota else _("Province of DKI Jakarta")
    return places, str(title)


def facility_rows(ctx: Context, values: dict[int, dict[str, int]]) -> list[tuple[str, str | None, dict[str, int]]]:
    """(label, group key for drill-downs, values) per row of a per-facility table in a kota or province
    report: one row per panti; the Rumah Aman merged into "Rumah Aman (gabungan)" when two or more of them
    have residents in the figures, else left out (their numbers stay in the totals)."""
    rows, merged, active = [], {}, 0
    for place in ctx.places:
        numbers = values.get(place.id, {})
        if place.is_safe_house:
            active += any(v for k, v in numbers.items() if k != "beds")  # it has residents in the figures
            for key, value in numbers.items():
                merged[key] = merged.get(key, 0) + value
            continue
        rows.append((place.name, str(place.id), numbers))
    if active >= 2:
        rows.append((_("Rumah Aman (combined)"), SAFE_HOUSES_GROUP, merged))
    return rows


def median_and_p90(histogram: dict[int, int]) -> tuple[float | None, float | None, int]:
    """Median and 90th percentile (nearest rank) of whole-day values given as value → how many."""
    n = sum(histogram.values())
    if not n:
        return None, None, 0

    def rank(q: float) -> int:
        target, seen = max(1, math.ceil(q * n)), 0
        for value in sorted(histogram):
            seen += histogram[value]
            if seen >= target:
                return value
        return max(histogram)

    ordered = sorted(histogram)
    if n % 2:
        median = float(rank(0.5))
    else:  # the mean of the two middle values
        lower, seen, upper = None, 0, None
        for value in ordered:
            seen += histogram[value]
            if lower is None and seen >= n // 2:
                lower = value
            if seen >= n // 2 + 1:
                upper = value
                break
        median = (lower + upper) / 2
    return median, float(rank(0.9)), n
