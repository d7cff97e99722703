"""Hand-built records for the report tests: stays, holds and follow-ups at chosen WIB moments."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from shelter.db import utcnow
from shelter.extensions import db
from shelter.reports import figures
from shelter.reports.model import Period, ReportScope, ScopeLevel

WIB = ZoneInfo("Asia/Jakarta")
OCTOBER = Period(date(2026, 10, 1), date(2026, 11, 1))
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 10, 1))


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(timezone.utc)


def facility_scope(facility) -> ReportScope:
    return ReportScope(ScopeLevel.facility, facility_id=facility.id)


PROVINCE = ReportScope(ScopeLevel.province)


def kota_scope(kota: str) -> ReportScope:
    return ReportScope(ScopeLevel.kota, kota=kota)


def exact_report(user, scope, period):
    """The report with nothing suppressed, to check every figure against a written count."""
    with_context = figures.report_context(user, scope, period)
    return figures.build_from_context(dataclasses.replace(with_context, suppress=False))


def column(report, table_key: str, column_key: str) -> list:
    table = report.table(table_key)
    index = [c.key for c in table.columns].index(column_key)
    return [row[index].value for row in table.rows]


def row(report, table_key: str, label: str) -> list:
    for cells in report.table(table_key).rows:
        if cells[0].value == label:
            return [c.value for c in cells[1:]]
    raise KeyError(label)


def labels(report, table_key: str) -> list[str]:
    return [cells[0].value for cells in report.table(table_key).rows]


@pytest.fixture
def make_stay(app, make_resident, make_bed):
    from shelter.stays.models import BedAssignment, Stay

    def make(facility, admitted, discharged=None, outcome=None, *, resident=None, bed=None, previous=None,
             over_capacity=False):
        resident = resident or make_resident(facility)
        stay = Stay(resident_id=resident.id, facility_id=facility.id, admitted_at=admitted, discharged_at=discharged,
                    discharge_outcome=outcome or ("other" if discharged else None), over_capacity=over_capacity,
                    previous_stay_id=previous.id if previous else None)
        db.session.add(stay)
        db.session.flush()
        if bed is not None:
            db.session.add(BedAssignment(stay_id=stay.id, bed_id=bed.id, started_at=admitted, ended_at=discharged))
        db.session.commit()
        return stay

    return make


@pytest.fixture
def make_followup(app):
    from shelter.followups.models import FollowUp

    steps = iter(range(1, 1000))

    def make(stay, due_on, status="open", done_on=None):
        closed = status != "open"
        followup = FollowUp(stay_id=stay.id, resident_id=stay.resident_id, facility_id=stay.facility_id, step=next(steps),
                            offset_days=7, due_on=due_on, planned_method="phone_call", status=status,
                            done_on=(done_on or due_on) if closed else None,
                            recorded_at=utcnow() if closed else None,
                            method="phone_call" if status == "done" else None,
                            outcome="stable" if status == "done" else None)
        db.session.add(followup)
        db.session.commit()
        return followup

    return make


@pytest.fixture(autouse=True)
def english(app):
    """Figures carry translated titles: the tests read them in English."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        yield
