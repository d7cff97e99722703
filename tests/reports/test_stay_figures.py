"""Occupancy per day across a month boundary and a transfer, residents at the start and end, admissions
and discharges per week and month, outcomes, and length of stay: each against a count written here."""

from __future__ import annotations

from datetime import date

import pytest

from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays.models import BedHold
from tests.reports.conftest import (OCTOBER, PROVINCE, SEPTEMBER, column, exact_report, facility_scope, row, wib)


@pytest.fixture
def world(make_facility, make_room, make_bed, make_stay, make_resident):
    """Two panti. s1 spans the September/October boundary; s3 moves from A to B on 15 October (s4);
    s2 arrives over capacity in the last hour of October; a hold keeps a bed of A on 5–6 October."""
    a, b = make_facility(name="Panti A"), make_facility(name="Panti B")
    women = make_room(a, sex="female", age_group="adult")
    bed_a1, bed_a2 = make_bed(women), make_bed(women)
    bed_b = make_bed(make_room(b, sex="female", age_group="adult"))
    s1 = make_stay(a, wib(2026, 9, 28, 10), wib(2026, 10, 2, 9), "other", bed=bed_a1)
    person = make_resident(a)
    s3 = make_stay(a, wib(2026, 10, 10, 8), wib(2026, 10, 15, 12), "moved_facility", resident=person, bed=bed_a2)
    s4 = make_stay(b, wib(2026, 10, 15, 12), wib(2026, 10, 20, 12), "reunified", resident=person, previous=s3, bed=bed_b)
    s2 = make_stay(a, wib(2026, 10, 31, 23), over_capacity=True)
    db.session.add(BedHold(bed_id=bed_a1.id, reason="test", created_at=wib(2026, 10, 5, 10),
                           expires_at=wib(2026, 10, 6, 10), released_at=wib(2026, 10, 6, 10)))
    db.session.commit()
    return dict(a=a, b=b, s1=s1, s2=s2, s3=s3, s4=s4)


def by_day(report, key="occupied"):
    return dict(zip(column(report, "occupancy_by_day", "day"), column(report, "occupancy_by_day", key)))


def test_province_occupancy_counts_a_transfer_once_and_crosses_the_month(app, admin, world):
    october = by_day(exact_report(admin, PROVINCE, OCTOBER))
    expected = {d: 0 for d in october}
    for day in (1, 2, *range(10, 21), 31):
        expected[date(2026, 10, day)] = 1
    assert october == expected  # 15 October: one person, though two stays overlap it
    september = by_day(exact_report(admin, PROVINCE, SEPTEMBER))
    assert [september[date(2026, 9, d)] for d in (27, 28, 29, 30)] == [0, 1, 1, 1]


def test_each_facility_counts_the_day_of_the_move(app, admin, world):
    a = by_day(exact_report(admin, facility_scope(world["a"]), OCTOBER))
    b = by_day(exact_report(admin, facility_scope(world["b"]), OCTOBER))
    assert a[date(2026, 10, 15)] == 1 and a[date(2026, 10, 16)] == 0
    assert b[date(2026, 10, 14)] == 0 and b[date(2026, 10, 15)] == 1 and b[date(2026, 10, 20)] == 1


def test_held_over_capacity_categories_and_rate(app, admin, world):
    report = exact_report(admin, facility_scope(world["a"]), OCTOBER)
    held = by_day(report, "held")
    assert [held[date(2026, 10, d)] for d in (4, 5, 6, 7)] == [0, 1, 1, 0]
    over = by_day(report, "over_capacity")
    assert over[date(2026, 10, 31)] == 1 and over[date(2026, 10, 30)] == 0
    women = by_day(report, "category_women")
    assert women[date(2026, 10, 1)] == 1 and women[date(2026, 10, 12)] == 1 and women[date(2026, 10, 31)] == 0
    rate = by_day(report, "rate")
    assert rate[date(2026, 10, 1)] == 50.0 and rate[date(2026, 10, 3)] == 0.0  # 1 of 2 beds


def test_start_end_admissions_discharges_and_outcomes(app, admin, world):
    province = exact_report(admin, PROVINCE, OCTOBER)
    summary = {cells[1].drill.args["figure"]: cells[1].value for cells in province.table("residents_summary").rows}
    assert summary == {"at_start": 1, "admitted": 2, "discharged": 2, "at_end": 1, "moved": 1}
    outcomes = {cells[1].drill.args.get("value"): cells[1].value
                for cells in province.table("discharges_by_outcome").rows if cells[1].value}
    assert outcomes == {"other": 1, "reunified": 1}  # the move from A to B is not a discharge
    assert row(province, "admissions_by_month", "2026-10") == [2, 2]
    weeks = province.table("admissions_by_week").rows
    assert [c.value for c in weeks[0][1:]] == [0, 1]  # Thu 1 – Sun 4 October: s1 leaves
    assert [c.value for c in weeks[-1][1:]] == [1, 0]  # Monday 26 October week: s2 arrives
    a = exact_report(admin, facility_scope(world["a"]), OCTOBER)
    outcomes_a = {cells[1].drill.args.get("value"): cells[1].value
                  for cells in a.table("discharges_by_outcome").rows if cells[1].value}
    assert outcomes_a == {"other": 1, "moved_facility": 1}  # B is not in A's report: a discharge there


def test_length_of_stay_of_discharged_and_of_those_still_in(app, admin, world, make_facility, make_stay):
    province = exact_report(admin, PROVINCE, OCTOBER)
    discharged = row(province, "length_of_stay", "Discharged in the period")
    assert discharged == [2, 4.0, 5.0]  # s1: 3 days 23 hours = 3; s4: 5 days; the move is not a discharge
    c = make_facility(name="Panti C")
    make_stay(c, wib(2026, 8, 1, 0))
    make_stay(c, wib(2026, 10, 21, 12))
    make_stay(c, wib(2025, 10, 1, 0))
    report = exact_report(admin, facility_scope(c), OCTOBER)
    assert row(report, "length_of_stay", "Still in at the end of the period") == [3, 92.0, 396.0]
    distribution = {cells[0].value: (cells[1].value, cells[2].value)
                    for cells in report.table("length_of_stay_distribution").rows}
    assert distribution["8–30 days"] == (0, 1) and distribution["91–180 days"] == (0, 1)
    assert distribution["more than a year"] == (0, 1) and distribution["0–7 days"] == (0, 0)


def test_a_stay_still_open_counts_to_the_end_of_an_earlier_period(app, admin, world):
    september = exact_report(admin, PROVINCE, SEPTEMBER)
    assert row(september, "length_of_stay", "Still in at the end of the period") == [1, 2.0, 2.0]
    assert utcnow() > wib(2026, 10, 2)  # the stay has ended since: the report measures to the period's end
