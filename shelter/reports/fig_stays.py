"""Occupancy per day, residents at the start and end, admissions and discharges (per week, per month,
per facility), discharges by outcome. Rules of counting: ``stay_sql``."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from shelter.extensions import db
from shelter.facilities.models import Bed, Room
from shelter.reports.base import day_of, days_between, days_of, facility_rows, last_day_before, spread
from shelter.reports.model import Cell, Chart, ChartKind, Column, ColumnKind, ScopeLevel, Series, Table
from shelter.reports.stay_sql import (admitted_between, discharged_between, flag, joined_stays, present_at,
                                      touches_period, transferred_in)
from shelter.residents.labels import discharge_outcome_label
from shelter.stays.labels import category_label
from shelter.stays.models import BedAssignment, BedHold, DischargeOutcome, Stay
from shelter.stays.queries import CATEGORIES, bed_category_expression


def _daily(ctx) -> dict[int, dict]:
    """Per day: occupied, over capacity, admitted, discharged. One statement grouping the stays that
    touch the period by (first day, last day, day admitted, day discharged, over capacity): a few
    hundred groups at most, spread over the days here (no join of days and stays)."""
    first = day_of(ctx, Stay.admitted_at) + flag(sa.and_(transferred_in(ctx), Stay.admitted_at >= ctx.lo))
    last = last_day_before(ctx, Stay.discharged_at)
    admitted = sa.case((admitted_between(ctx, ctx.lo, ctx.hi), day_of(ctx, Stay.admitted_at)), else_=None)
    discharged = sa.case((discharged_between(ctx, ctx.lo, ctx.hi), day_of(ctx, Stay.discharged_at)), else_=None)
    over = flag(Stay.over_capacity)
    query = (sa.select(first, last, admitted, discharged, over, sa.func.count()).select_from(joined_stays(ctx))
             .where(touches_period(ctx)).group_by(first, last, admitted, discharged, over))
    rows = db.session.execute(query).all()
    days = ctx.period.days
    occupied = spread([(f, l, n) for f, l, _a, _d, _o, n in rows], days)
    over_capacity = spread([(f, l, n) for f, l, _a, _d, o, n in rows if o], days)
    out = {i: {"occupied": occupied[i], "over": over_capacity[i], "admitted": 0, "discharged": 0} for i in range(days)}
    for _f, _l, a, d, _o, n in rows:
        if a is not None:
            out[int(a)]["admitted"] += n
        if d is not None:
            out[int(d)]["discharged"] += n
    return out


def _held(ctx) -> dict[int, int]:
    """Beds held per day (a hold counts on every day it overlaps)."""
    ends = sa.func.coalesce(BedHold.released_at, BedHold.expires_at)
    first, last = day_of(ctx, BedHold.created_at), last_day_before(ctx, ends)
    query = (sa.select(first, last, sa.func.count()).select_from(BedHold).join(Bed, Bed.id == BedHold.bed_id)
             .join(Room, Room.id == Bed.room_id)
             .where(ctx.in_scope(Room.facility_id), BedHold.created_at < ctx.hi, ends > ctx.lo).group_by(first, last))
    return dict(enumerate(spread(db.session.execute(query).all(), ctx.period.days)))


def _by_category(ctx) -> dict[tuple[int, str], int]:
    """Beds occupied per day and bed category: a bed counts on every day one of its assignments overlaps
    (a resident moved to another bed during the day leaves both beds counted that day)."""
    category = bed_category_expression()
    first, last = day_of(ctx, BedAssignment.started_at), last_day_before(ctx, BedAssignment.ended_at)
    query = (sa.select(category, first, last, sa.func.count())
             .select_from(BedAssignment).join(Bed, Bed.id == BedAssignment.bed_id).join(Room, Room.id == Bed.room_id)
             .where(ctx.in_scope(Room.facility_id), BedAssignment.started_at < ctx.hi,
                    sa.or_(BedAssignment.ended_at.is_(None), BedAssignment.ended_at > ctx.lo))
             .group_by(category, first, last))
    groups: dict[str, list] = defaultdict(list)
    for cat, f, l, n in db.session.execute(query):
        groups[cat].append((f, l, n))
    return {(i, cat): n for cat, g in groups.items() for i, n in enumerate(spread(g, ctx.period.days))}


def _beds(ctx) -> dict[int, dict[str, int]]:
    """Beds in service now, per facility and category (the capacity the rate is measured against)."""
    category = bed_category_expression()
    query = (sa.select(Room.facility_id, category, sa.func.count(Bed.id)).select_from(Bed)
             .join(Room, Room.id == Bed.room_id)
             .where(ctx.in_scope(Room.facility_id), Bed.out_of_service_reason.is_(None))
             .group_by(Room.facility_id, category))
    beds: dict[int, dict[str, int]] = defaultdict(dict)
    for facility_id, cat, n in db.session.execute(query):
        beds[facility_id][cat] = n
    return beds


def _per_facility(ctx) -> dict[int, dict[str, int]]:
    clipped_end = sa.case((sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at > ctx.hi), ctx.hi),
                          else_=Stay.discharged_at)
    clipped_start = sa.case((Stay.admitted_at < ctx.lo, ctx.lo), else_=Stay.admitted_at)
    query = (sa.select(Stay.facility_id,
                       sa.func.sum(flag(present_at(ctx.lo))).label("at_start"),
                       sa.func.sum(flag(present_at(ctx.hi))).label("at_end"),
                       sa.func.sum(flag(admitted_between(ctx, ctx.lo, ctx.hi))).label("admitted"),
                       sa.func.sum(flag(discharged_between(ctx, ctx.lo, ctx.hi))).label("discharged"),
                       sa.func.sum(flag(sa.and_(transferred_in(ctx), Stay.admitted_at >= ctx.lo))).label("moved"),
                       sa.func.sum(days_between(clipped_end, clipped_start)).label("resident_days"))
             .select_from(joined_stays(ctx)).where(touches_period(ctx)).group_by(Stay.facility_id))
    return {row.facility_id: {k: (v or 0) for k, v in row._asdict().items() if k != "facility_id"}
            for row in db.session.execute(query)}


def _outcomes(ctx) -> dict[str, int]:
    query = (sa.select(Stay.discharge_outcome, sa.func.count()).select_from(joined_stays(ctx))
             .where(ctx.in_scope(Stay.facility_id), discharged_between(ctx, ctx.lo, ctx.hi))
             .group_by(Stay.discharge_outcome))
    return dict(db.session.execute(query).all())


def build(ctx) -> tuple[list[Table], list[Chart]]:
    daily, held, by_cat, beds = _daily(ctx), _held(ctx), _by_category(ctx), _beds(ctx)
    per_facility, outcomes = _per_facility(ctx), _outcomes(ctx)
    capacity = sum(sum(b.values()) for b in beds.values())
    cat_capacity = {c: sum(b.get(c, 0) for b in beds.values()) for c in CATEGORIES}
    tables, charts = [], []

    # Occupancy per day.
    columns = [Column("day", _("Day"), ColumnKind.date), Column("occupied", _("Occupied")),
               Column("held", _("Held")), Column("over_capacity", _("Over capacity")),
               Column("beds", _("Beds in service")), Column("rate", _("Occupancy rate"), ColumnKind.percent)]
    columns += [Column(f"category_{c}", str(category_label(c))) for c in CATEGORIES]
    rows, labels, occ_series, held_series = [], [], [], []
    for i, day in enumerate(days_of(ctx.period)):
        d = daily.get(i, {})
        occupied = int(d.get("occupied") or 0)
        iso = day.isoformat()
        occ = ctx.count(occupied, ("stays", "occupied", {"day": iso}))
        hld = ctx.count(held.get(i, 0))
        rows.append([Cell(day), occ, hld,
                     ctx.count(d.get("over"), ("stays", "over_capacity", {"day": iso})),
                     ctx.count(capacity), ctx.ratio(occupied, capacity, base=occupied)]
                    + [ctx.count(by_cat.get((i, c), 0)) for c in CATEGORIES])
        labels.append(day.strftime("%d/%m"))
        occ_series.append(ctx.series_value(occ))
        held_series.append(ctx.series_value(hld))
    tables.append(Table("occupancy_by_day", _("Occupancy per day"), columns, rows,
                        note=_("A stay occupies a day (WIB) when it overlaps it; a person moved between two "
                               "facilities of this report counts once that day. Categories count occupied beds; "
                               "beds in service are counted as they are today.")))
    charts.append(Chart("occupancy", _("Occupancy over time"), ChartKind.line, labels,
                        [Series("occupied", _("Occupied"), occ_series), Series("held", _("Held"), held_series)],
                        table_key="occupancy_by_day"))

    # Residents at the start and end, admissions, discharges.
    total = {k: sum(int(f.get(k) or 0) for f in per_facility.values())
             for k in ("at_start", "at_end", "admitted", "discharged", "moved")}
    summary = [(_("Residents at the start of the period"), "at_start"), (_("Admissions"), "admitted"),
               (_("Discharges"), "discharged"), (_("Residents at the end of the period"), "at_end")]
    if ctx.scope.level is not ScopeLevel.facility:
        summary.append((_("Moves between facilities of this report"), "moved"))
    tables.append(Table("residents_summary", _("Residents, admissions and discharges"),
                        [Column("figure", _("Figure"), ColumnKind.text), Column("count", _("Count"))],
                        [[ctx.text(label), ctx.count(total[key], ("stays", key, {}))] for label, key in summary]))
    tables += _periodic(ctx, daily, charts)

    # Discharges by outcome.
    outcome_rows = [[ctx.text(discharge_outcome_label(o.value)),
                     ctx.count(outcomes.get(o.value, 0), ("stays", "discharged", {"value": o.value}))]
                    for o in DischargeOutcome]
    tables.append(Table("discharges_by_outcome", _("Discharges by outcome"),
                        [Column("outcome", _("Outcome"), ColumnKind.text), Column("count", _("Discharges"))],
                        outcome_rows))
    charts.append(Chart("outcomes", _("Discharges by outcome"), ChartKind.hbar, [r[0].value for r in outcome_rows],
                        [Series("discharges", _("Discharges"), [ctx.series_value(r[1]) for r in outcome_rows])],
                        table_key="discharges_by_outcome"))

    if ctx.scope.level is not ScopeLevel.facility:
        tables.append(_facilities_table(ctx, per_facility, beds))
    return tables, charts


def _periodic(ctx, daily, charts) -> list[Table]:
    """Admissions and discharges per week (weeks start on Monday) and per calendar month."""
    weeks: dict = {}
    months: dict = {}
    for i, day in enumerate(days_of(ctx.period)):
        d = daily.get(i, {})
        monday = day - timedelta(days=day.weekday())
        for bucket, key, first in ((weeks, monday, max(monday, ctx.period.start)), (months, day.strftime("%Y-%m"), None)):
            entry = bucket.setdefault(key, {"admitted": 0, "discharged": 0, "first": first or day, "last": day})
            entry["admitted"] += int(d.get("admitted") or 0)
            entry["discharged"] += int(d.get("discharged") or 0)
            entry["last"] = day
    tables = []
    for key, title, bucket, label_of in (
            ("admissions_by_week", _("Admissions and discharges per week"), weeks,
             lambda k, e: _("Week of %(day)s", day=e["first"].strftime("%d/%m/%Y"))),
            ("admissions_by_month", _("Admissions and discharges per month"), months, lambda k, e: k)):
        rows = []
        for k, e in bucket.items():
            span = {"span_start": e["first"].isoformat(), "span_end": e["last"].isoformat()}
            rows.append([ctx.text(label_of(k, e)), ctx.count(e["admitted"], ("stays", "admitted", span)),
                         ctx.count(e["discharged"], ("stays", "discharged", span))])
        tables.append(Table(key, title, [Column("period", _("Period"), ColumnKind.text),
                                         Column("admitted", _("Admissions")), Column("discharged", _("Discharges"))],
                            rows))
        if key == "admissions_by_week":
            charts.append(Chart("admissions_discharges", _("Admissions and discharges"), ChartKind.bar,
                                [r[0].value for r in rows],
                                [Series("admitted", _("Admissions"), [ctx.series_value(r[1]) for r in rows]),
                                 Series("discharged", _("Discharges"), [ctx.series_value(r[2]) for r in rows])],
                                table_key=key))
    return tables


def _facilities_table(ctx, per_facility, beds) -> Table:
    values = {fid: {**{k: int(round(v or 0)) for k, v in f.items()}, "beds": sum(beds.get(fid, {}).values())}
              for fid, f in per_facility.items()}
    for fid, b in beds.items():
        values.setdefault(fid, {"beds": sum(b.values())})
    rows = []
    for label, group, v in facility_rows(ctx, values):
        bed_days = v.get("beds", 0) * ctx.period.days
        rows.append([ctx.text(label), ctx.count(v.get("beds", 0)),
                     ctx.count(v.get("at_start", 0), ("stays", "at_start", {"group": group})),
                     ctx.count(v.get("admitted", 0), ("stays", "admitted", {"group": group})),
                     ctx.count(v.get("discharged", 0), ("stays", "discharged", {"group": group})),
                     ctx.count(v.get("at_end", 0), ("stays", "at_end", {"group": group})),
                     ctx.ratio(v.get("resident_days", 0), bed_days, base=v.get("at_end", 0) or v.get("at_start", 0))])
    return Table("facilities", _("Per facility"),
                 [Column("facility", _("Facility"), ColumnKind.text), Column("beds", _("Beds in service")),
                  Column("at_start", _("At the start")), Column("admitted", _("Admissions")),
                  Column("discharged", _("Discharges")), Column("at_end", _("At the end")),
                  Column("rate", _("Occupancy rate"), ColumnKind.percent)], rows,
                 note=_("Rumah Aman are never shown alone: two or more are combined in one row, a single one is "
                        "counted in the totals only."))
