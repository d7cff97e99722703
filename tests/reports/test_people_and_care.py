"""Residents by sex, age band, category and kota of origin; assessments, plans, programmes and
follow-ups (compliance with missed and late ones); referrals and SMS: each against a written count."""

from __future__ import annotations

from datetime import date

from shelter.assessments.models import Assessment
from shelter.extensions import db
from shelter.notifications.models import OutboundMessage
from tests.reports.conftest import OCTOBER, PROVINCE, exact_report, facility_scope, row, wib


def values(report, key):
    return {cells[0].value: cells[1].value for cells in report.table(key).rows}


def test_residents_by_sex_age_band_category_and_origin(app, admin, make_facility, make_resident, make_stay):
    a = make_facility()
    people = [  # birth date or estimated age, sex, categories, kota of origin
        make_resident(a, birth_date=date(2021, 10, 1), sex="female", categories=("ampk_emergency",), kota_of_origin="Bekasi"),
        make_resident(a, birth_date=date(2020, 10, 2), sex="male", categories=("ampk_emergency", "ampk_disability")),
        make_resident(a, birth_date=date(2008, 10, 1), sex="female", kota_of_origin="Bekasi"),
        make_resident(a, birth_date=None, estimated_age=61, sex="female", categories=("adult_trafficking",)),
    ]
    for person in people:
        make_stay(a, wib(2026, 9, 20, 9), wib(2026, 10, 3, 9), resident=person)
    make_stay(a, wib(2026, 11, 2, 9), resident=make_resident(a, sex="male"))  # after the period: not served
    report = exact_report(admin, facility_scope(a), OCTOBER)
    assert row(report, "residents_served", "Residents with a stay in the period") == [4]
    assert values(report, "residents_by_sex") == {"Female": 3, "Male": 1}
    # Age on 1 October 2026: 5 (born 1 Oct 2021), 5 (born 2 Oct 2020: turns 6 the next day), 18, 61 (estimated).
    assert values(report, "residents_by_age_band") == {"0–5": 2, "6–12": 0, "13–17": 0, "18–59": 1, "60+": 1,
                                                        "Unknown": 0}
    categories = {k: v for k, v in values(report, "residents_by_category").items() if v}
    assert sorted(categories.values()) == [1, 1, 2] and len(categories) == 3
    assert values(report, "residents_by_origin") == {"Bekasi": 2, "Unknown": 2}


def test_follow_up_compliance_with_missed_and_late_ones(app, admin, make_facility, make_stay, make_followup):
    a = make_facility()
    stay = make_stay(a, wib(2026, 8, 1, 9), wib(2026, 9, 1, 9), "reunified")
    make_followup(stay, date(2026, 10, 5), "done", date(2026, 10, 5))   # on time
    make_followup(stay, date(2026, 10, 6), "done", date(2026, 10, 4))   # early: on time
    make_followup(stay, date(2026, 10, 12), "done", date(2026, 10, 14))  # late
    make_followup(stay, date(2026, 10, 19), "missed", date(2026, 10, 19))
    make_followup(stay, date(2026, 10, 26), "open")                      # overdue (today is later)
    make_followup(stay, date(2026, 11, 2), "open")                       # another period
    report = exact_report(admin, facility_scope(a), OCTOBER)
    rows = {cells[0].value: (cells[1].value, cells[2].value) for cells in report.table("followups").rows}
    assert rows["Done on time"] == (2, 40.0) and rows["Done late"] == (1, 20.0)
    assert rows["Missed"] == (1, 20.0) and rows["Overdue"] == (1, 20.0) and rows["Not yet due"][0] == 0
    assert rows["Compliance"] == (5, 40.0)
    weekly = {cells[0].value: [c.value for c in cells[1:]] for cells in report.table("followups_by_week").rows}
    assert weekly["Week of 05/10/2026"] == [2, 0, 0, 0, 0, 100.0]
    assert weekly["Week of 12/10/2026"] == [0, 1, 0, 0, 0, 0.0]
    chart = next(c for c in report.charts if c.key == "followup_compliance")
    assert chart.table_key == "followups_by_week" and chart.series[0].values[1] == 2.0


def test_assessments_on_time_late_and_missing(app, admin, make_facility, make_stay):
    a = make_facility()
    on_time = make_stay(a, wib(2026, 10, 1, 23))  # due 8 October (admission day in WIB + 7)
    late = make_stay(a, wib(2026, 10, 2, 8))
    make_stay(a, wib(2026, 10, 3, 8))  # never assessed, long past due
    for stay, day in ((on_time, date(2026, 10, 8)), (late, date(2026, 10, 10))):
        db.session.add(Assessment(stay_id=stay.id, assessed_on=day, risk_level="low", recommendation="rehabilitation"))
    db.session.commit()
    report = exact_report(admin, facility_scope(a), OCTOBER)
    rows = {cells[0].value: cells[1].value for cells in report.table("assessments").rows}
    assert rows == {"Stays admitted in the period": 3, "Assessed on time": 1, "Assessed late": 1,
                    "Not assessed, past due": 1}


def test_sms_by_status(app, admin, make_facility):
    for n, status in enumerate(["sent", "delivered", "failed", "unknown", "queued"]):
        db.session.add(OutboundMessage(dedupe_key=f"t{n}", purpose="test", to_number="+628125550199", body="x",
                                       status=status, created_at=wib(2026, 10, 10, 10)))
    db.session.add(OutboundMessage(dedupe_key="old", purpose="test", to_number="+628125550199", body="x",
                                   status="sent", created_at=wib(2026, 9, 10, 10)))
    db.session.commit()
    report = exact_report(admin, PROVINCE, OCTOBER)
    assert [cells[1].value for cells in report.table("sms").rows] == [2, 1, 1, 1]


def test_plans_reviewed_on_time_and_programme_attendance(app, admin, make_facility, make_stay, make_resident):
    from datetime import time

    from shelter.plans.models import PlanVersion, RehabilitationPlan
    from shelter.programmes.models import Attendance, Enrollment, Programme, ProgrammeSession

    a = make_facility()
    stays = [make_stay(a, wib(2026, 8, day, 9)) for day in (1, 2)]
    on_time, late = (RehabilitationPlan(stay_id=s.id, status="approved") for s in stays)
    db.session.add_all([on_time, late])
    db.session.flush()
    for plan, approved, reviewed in ((on_time, date(2026, 9, 20), date(2026, 10, 15)),   # 25 days: on time
                                     (late, date(2026, 9, 1), date(2026, 10, 10))):       # 39 days: late
        db.session.add_all([PlanVersion(plan_id=plan.id, number=1, kind="approval", effective_on=approved, snapshot={}),
                            PlanVersion(plan_id=plan.id, number=2, kind="review", effective_on=reviewed, snapshot={})])
    third = RehabilitationPlan(stay_id=make_stay(a, wib(2026, 10, 1, 9)).id, status="approved")
    db.session.add(third)
    db.session.flush()
    db.session.add(PlanVersion(plan_id=third.id, number=1, kind="approval", effective_on=date(2026, 10, 6), snapshot={}))

    programme = Programme(facility_id=a.id, name="Menjahit", capacity=10, starts_on=date(2026, 9, 1),
                          ends_on=date(2026, 12, 1), weekdays="1", start_time=time(9), duration_minutes=60)
    db.session.add(programme)
    db.session.flush()
    sessions = [ProgrammeSession(programme_id=programme.id, session_date=date(2026, m, d), starts_at=wib(2026, m, d, 9),
                                 ends_at=wib(2026, m, d, 10)) for m, d in ((9, 28), (10, 5), (10, 12))]
    db.session.add_all(sessions)
    enrolments = []
    for n, (stay, enrolled, completed) in enumerate(((stays[0], wib(2026, 10, 2, 9), None),
                                                     (stays[1], wib(2026, 9, 2, 9), wib(2026, 10, 20, 9)))):
        e = Enrollment(programme_id=programme.id, resident_id=stay.resident_id, stay_id=stay.id,
                       status="completed" if completed else "enrolled", seat=n + 1, enrolled_at=enrolled,
                       completed_at=completed)
        db.session.add(e)
        enrolments.append(e)
    db.session.flush()
    for session, e, status in ((sessions[0], enrolments[1], "absent"),  # September: not counted
                               (sessions[1], enrolments[0], "present"), (sessions[1], enrolments[1], "absent"),
                               (sessions[2], enrolments[0], "present"), (sessions[2], enrolments[1], "excused")):
        db.session.add(Attendance(session_id=session.id, enrollment_id=e.id, status=status))
    db.session.commit()

    report = exact_report(admin, facility_scope(a), OCTOBER)
    plans = {c[0].value: (c[1].value, c[2].value) for c in report.table("plans").rows}
    assert plans["Plans approved"][0] == 1 and plans["Plan reviews"][0] == 2
    assert plans["Reviewed on time"] == (1, 50.0)
    programmes = {c[0].value: (c[1].value, c[2].value) for c in report.table("programmes").rows}
    assert programmes["Enrolments"][0] == 1 and programmes["Completions"][0] == 1
    assert programmes["Attendance rate"] == (3, 66.7)  # 2 present of 3 present or absent; excused left out
