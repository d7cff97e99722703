"""Who the residents were and how long they stayed.

*Residents served* are the people with a stay in the report's facilities that overlaps the period,
each counted once. Their **age band is their age on the first day of the period** (from the birth
date; when only an estimated age is known, that age as recorded). Protection categories: a person
may have several, so that table does not add up to the number of residents. The kota of origin is
typed text: its counts have no list behind them (the text would have to go into a URL).

**Length of stay** is measured per stay, in whole days: for stays discharged in the period, from
admission to discharge; for stays still open at the end of the period, from admission to the end.
A move between two facilities of the report is not a discharge (``stay_sql``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shelter.extensions import db
from shelter.reports.base import days_between, median_and_p90
from shelter.reports.model import Chart, ChartKind, Column, ColumnKind, Series, Table
from shelter.reports.stay_sql import discharged_between, joined_stays, present_at
from shelter.residents.labels import category_label, sex_label
from shelter.residents.models import PROTECTION_CATEGORIES, Resident, ResidentCategory, Sex
from shelter.stays.models import Stay

AGE_BANDS = (("0_5", "0–5", 0, 5), ("6_12", "6–12", 6, 12), ("13_17", "13–17", 13, 17),
             ("18_59", "18–59", 18, 59), ("60_plus", "60+", 60, None))
# (key, label, first day, last day) of the length-of-stay distribution; None: no upper bound.
LOS_BUCKETS = (("0_7", _l("0–7 days"), 0, 7), ("8_30", _l("8–30 days"), 8, 30), ("31_90", _l("31–90 days"), 31, 90),
               ("91_180", _l("91–180 days"), 91, 180), ("181_365", _l("181–365 days"), 181, 365),
               ("366_plus", _l("more than a year"), 366, None))
UNKNOWN = "unknown"


def served_clause(ctx):
    """SQL condition on ``Resident``: the person had a stay in scope overlapping the period."""
    served = sa.select(Stay.resident_id).where(
        ctx.in_scope(Stay.facility_id), Stay.admitted_at < ctx.hi,
        sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at > ctx.lo))
    return Resident.id.in_(served)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band_expression(on: date):
    born = [(sa.and_(Resident.birth_date.is_not(None), Resident.birth_date > _years_before(on, last + 1)), key)
            for key, _label, _first, last in AGE_BANDS if last is not None]
    estimated = [(sa.and_(Resident.birth_date.is_(None), Resident.estimated_age <= last), key)
                 for key, _label, _first, last in AGE_BANDS if last is not None]
    return sa.case(*born, (Resident.birth_date.is_not(None), "60_plus"), *estimated,
                   (Resident.estimated_age.is_not(None), "60_plus"), else_=UNKNOWN)


def whole_days(later, earlier):
    days = days_between(later, earlier)
    if db.engine.dialect.name == "postgresql":
        return sa.cast(sa.func.floor(days), sa.Integer)
    return sa.cast(days, sa.Integer)  # SQLite truncates: the floor of a positive number


def los_open_days(ctx):
    return whole_days(sa.literal(ctx.hi, Stay.admitted_at.type), Stay.admitted_at)


def los_discharged_days():
    return whole_days(Stay.discharged_at, Stay.admitted_at)


def bucket_clause(days_expression, key: str):
    for bucket, _label, first, last in LOS_BUCKETS:
        if bucket == key:
            return sa.and_(days_expression >= first, sa.true() if last is None else days_expression <= last)
    return sa.false()


def _people(ctx):
    """One statement: the residents served, counted by (sex, age band, kota of origin), and by protection
    category, from one pass over them (a CTE used by both halves of a UNION ALL)."""
    text = sa.String()
    served = (sa.select(Resident.id.label("id"), Resident.sex.label("sex"),
                        age_band_expression(ctx.period.start).label("band"), Resident.kota_of_origin.label("origin"))
              .where(served_clause(ctx)).cte("served"))
    people = (sa.select(sa.literal("person", text), served.c.sex, served.c.band, served.c.origin,
                        sa.cast(sa.null(), text), sa.func.count())
              .group_by(served.c.sex, served.c.band, served.c.origin))
    categories = (sa.select(sa.literal("category", text), sa.cast(sa.null(), text), sa.cast(sa.null(), text),
                            sa.cast(sa.null(), text), ResidentCategory.category, sa.func.count())
                  .select_from(served).join(ResidentCategory, ResidentCategory.resident_id == served.c.id)
                  .group_by(ResidentCategory.category))
    return sa.union_all(people, categories)


def _histogram(ctx, days, condition) -> dict[int, int]:
    query = (sa.select(days, sa.func.count()).select_from(joined_stays(ctx))
             .where(ctx.in_scope(Stay.facility_id), condition).group_by(days))
    return {int(d): n for d, n in db.session.execute(query) if d is not None}


def _table(ctx, key, title, first_title, values: list[tuple[str, str, int]], figure) -> Table:
    rows = [[ctx.text(label), ctx.count(n, ("residents", figure, {"value": code}) if figure else None)]
            for code, label, n in values]
    return Table(key, title, [Column(key.split("_by_")[1], first_title, ColumnKind.text),
                              Column("count", _("Residents"))], rows)


def build(ctx):
    sexes, bands, origins, categories = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    for part, sex, age_band, origin, category, n in db.session.execute(_people(ctx)):
        if part == "person":
            sexes[sex] += n
            bands[age_band] += n
            origins[origin] += n
        else:
            categories[category] += n
    total = sum(sexes.values())
    tables = [Table("residents_served", _("Residents served in the period"),
                    [Column("figure", _("Figure"), ColumnKind.text), Column("count", _("Residents"))],
                    [[ctx.text(_("Residents with a stay in the period")), ctx.count(total, ("residents", "served", {}))]])]
    tables.append(_table(ctx, "residents_by_sex", _("Residents by sex"), _("Sex"),
                         [(s.value, str(sex_label(s.value)), sexes.get(s.value, 0)) for s in Sex], "sex"))
    tables.append(_table(ctx, "residents_by_age_band", _("Residents by age band"), _("Age band"),
                         [(k, label, bands.get(k, 0)) for k, label, _f, _l2 in AGE_BANDS]
                         + [(UNKNOWN, _("Unknown"), bands.get(UNKNOWN, 0))], "age_band"))
    tables[-1] = Table(tables[-1].key, tables[-1].title, tables[-1].columns, tables[-1].rows,
                       note=_("Age on the first day of the period."))
    tables.append(_table(ctx, "residents_by_category", _("Residents by protection category (AMPK/PPKS)"),
                         _("Category"), [(c, str(category_label(c)), categories.get(c, 0)) for c in PROTECTION_CATEGORIES],
                         "category"))
    origin_rows = sorted(((o, o, n) for o, n in origins.items() if o), key=lambda r: (-r[2], r[0]))
    origin_rows.append((UNKNOWN, _("Unknown"), origins.get(None, 0) + origins.get("", 0)))
    tables.append(_table(ctx, "residents_by_origin", _("Residents by kota of origin"), _("Kota of origin"),
                         origin_rows, None))  # typed text: never in a URL, so no list behind it
    los_tables, los_charts = _length_of_stay(ctx)
    return tables + los_tables, los_charts


def _length_of_stay(ctx):
    discharged = _histogram(ctx, los_discharged_days(), discharged_between(ctx, ctx.lo, ctx.hi))
    still_in = _histogram(ctx, los_open_days(ctx), present_at(ctx.hi))
    stats = []
    for label, figure, hist in ((_("Discharged in the period"), "los_discharged", discharged),
                                (_("Still in at the end of the period"), "los_open", still_in)):
        median, p90, n = median_and_p90(hist)
        stats.append([ctx.text(label), ctx.count(n, ("stays", figure, {})), ctx.number(median, n=n),
                      ctx.number(p90, n=n)])
    summary = Table("length_of_stay", _("Length of stay"),
                    [Column("group", _("Stays"), ColumnKind.text), Column("count", _("Stays")),
                     Column("median", _("Median (days)"), ColumnKind.number),
                     Column("p90", _("90th percentile (days)"), ColumnKind.number)], stats,
                    note=_("Whole days per stay: to the discharge, or to the end of the period for stays still open."))
    rows = []
    for key, label, first, last in LOS_BUCKETS:
        def within(hist):
            return sum(n for d, n in hist.items() if d >= first and (last is None or d <= last))
        rows.append([ctx.text(label), ctx.count(within(discharged), ("stays", "los_discharged", {"value": key})),
                     ctx.count(within(still_in), ("stays", "los_open", {"value": key}))])
    distribution = Table("length_of_stay_distribution", _("Length of stay: distribution"),
                         [Column("bucket", _("Length of stay"), ColumnKind.text),
                          Column("discharged", _("Discharged in the period")),
                          Column("still_in", _("Still in at the end"))], rows)
    chart = Chart("length_of_stay", _("Length of stay"), ChartKind.hbar, [r[0].value for r in rows],
                  [Series("discharged", _("Discharged in the period"), [ctx.series_value(r[1]) for r in rows]),
                   Series("still_in", _("Still in at the end"), [ctx.series_value(r[2]) for r in rows])],
                  table_key="length_of_stay_distribution", unit=_("days"))
    return [summary, distribution], [chart]
