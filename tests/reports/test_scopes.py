"""Reading a report's period and scope from arguments: the last full month by default, inclusive days,
field codes for bad input (never a 500)."""

from __future__ import annotations

from datetime import date

import pytest

from shelter.reports.model import Period, ScopeLevel
from shelter.reports.scopes import BadReportRequest, default_period, parse_period, parse_scope, period_args, scope_args


def test_default_is_the_last_full_month_in_wib():
    assert default_period(date(2026, 12, 4)) == Period(date(2026, 11, 1), date(2026, 12, 1))
    assert default_period(date(2027, 1, 1)) == Period(date(2026, 12, 1), date(2027, 1, 1))
    assert parse_period({}, today_wib=date(2026, 3, 31)) == Period(date(2026, 2, 1), date(2026, 3, 1))


def test_month_and_inclusive_days_and_back_to_arguments():
    october = parse_period({"month": "2026-10"})
    assert october == Period(date(2026, 10, 1), date(2026, 11, 1)) and october.days == 31
    assert period_args(october) == {"month": "2026-10"}
    span = parse_period({"start": "2026-10-05", "end": "2026-10-11"})
    assert span == Period(date(2026, 10, 5), date(2026, 10, 12)) and span.days == 7
    assert parse_period(period_args(span)) == span
    assert parse_period({"start": "2026-01-01", "end": "2026-12-31"}).days == 365


@pytest.mark.parametrize("args, problems", [
    ({"month": "2026-13"}, {"month": "invalid"}),
    ({"month": "oktober"}, {"month": "invalid"}),
    ({"start": "2026-10-05"}, {"end": "required"}),
    ({"start": "2026-10-05", "end": "2026-10-04"}, {"end": "before_start"}),
    ({"start": "2025-01-01", "end": "2026-01-02"}, {"end": "too_long"}),  # 367 days
    ({"start": "5/10/2026", "end": "2026-10-04"}, {"start": "invalid"}),
])
def test_bad_periods_name_the_field(args, problems):
    with pytest.raises(BadReportRequest) as raised:
        parse_period(args)
    assert raised.value.problems == problems


def test_scopes():
    assert parse_scope({}).level is ScopeLevel.province
    facility = parse_scope({"facility": "12"})
    assert facility.level is ScopeLevel.facility and facility.facility_id == 12 and facility.key == "facility-12"
    assert scope_args(facility) == {"facility": 12} and scope_args(parse_scope({"kota": "jakarta_utara"})) == {
        "kota": "jakarta_utara"}
    for bad, field in (({"facility": "abc"}, "facility"), ({"facility": "99999999999"}, "facility"),
                       ({"kota": "bandung"}, "kota"), ({"kota": "jakarta_utara", "facility": "1"}, "kota")):
        with pytest.raises(BadReportRequest) as raised:
            parse_scope(bad)
        assert set(raised.value.problems) == {field}
