"""Care within the stays: assessments on time, plans approved and reviewed on time, follow-ups after
discharge (done, late, missed, overdue; compliance), programme enrolments, completions and attendance.

- **Assessment on time**: for the stays admitted in the period, the first assessment on or before
  the admission day (WIB) + ``ASSESSMENT_DUE_DAYS``.
- **Plan review on time**: a review recorded in the period on or before ``PLAN_REVIEW_DAYS`` after the
  plan version before it (the approval or the previous review).
- **Follow-ups** are those due in the period (``due_on``): done on time (``done_on`` ≤ ``due_on``), done
  late, missed, overdue (still open, due before today) and not yet due. Compliance is done on time over
  all that were due by today.
- **Attendance rate**: present over present + absent, in sessions held in the period (excused ones
  do not count).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from shelter.assessments.models import Assessment
from shelter.extensions import db
from shelter.followups.models import FollowUp, FollowUpStatus
from shelter.plans.models import PlanVersion, RehabilitationPlan, VersionKind
from shelter.programmes.models import Attendance, AttendanceStatus, Enrollment, Programme, ProgrammeSession
from shelter.reports.base import calendar, date_plus, days_of
from shelter.reports.model import Chart, ChartKind, Column, ColumnKind, Series, Table
from shelter.reports.stay_sql import flag
from shelter.stays.models import Stay

FOLLOWUP_STATES = ("on_time", "late", "missed", "overdue", "not_due")


def followup_state(today):
    """SQL: the state of a follow-up (one of ``FOLLOWUP_STATES``) as of ``today``."""
    return sa.case((sa.and_(FollowUp.status == FollowUpStatus.DONE.value, FollowUp.done_on <= FollowUp.due_on), "on_time"),
                   (FollowUp.status == FollowUpStatus.DONE.value, "late"),
                   (FollowUp.status == FollowUpStatus.MISSED.value, "missed"),
                   (FollowUp.due_on < today, "overdue"), else_="not_due")


def followups_clause(ctx):
    return sa.and_(ctx.in_scope(FollowUp.facility_id), FollowUp.due_on >= ctx.period.start,
                   FollowUp.due_on < ctx.period.end)


def _assessments(ctx):
    due_days = current_app.config["SHELTER"].assessment_due_days
    days = calendar(ctx.period, plus_days=due_days)
    first = (sa.select(sa.func.min(Assessment.assessed_on)).where(Assessment.stay_id == Stay.id)
             .correlate(Stay).scalar_subquery())
    query = (sa.select(sa.func.count().label("admitted"),
                       sa.func.sum(flag(first <= days.c.plus)).label("on_time"),
                       sa.func.sum(flag(first > days.c.plus)).label("late"),
                       sa.func.sum(flag(sa.and_(first.is_(None), days.c.plus < ctx.today))).label("missing"))
             .select_from(Stay).join(days, sa.and_(Stay.admitted_at >= days.c.lo, Stay.admitted_at < days.c.hi))
             .where(ctx.in_scope(Stay.facility_id), Stay.admitted_at >= ctx.lo, Stay.admitted_at < ctx.hi))
    return db.session.execute(query).one()._asdict()


def _counts(ctx):
    """Plans, reviews and programmes: several counts in one statement (scalar subqueries)."""
    review_days = current_app.config["SHELTER"].plan_review_days
    before = aliased(PlanVersion)
    plan_scope = sa.and_(RehabilitationPlan.stay_id == Stay.id, ctx.in_scope(Stay.facility_id))
    in_period = sa.and_(PlanVersion.effective_on >= ctx.period.start, PlanVersion.effective_on < ctx.period.end)
    previous_on = (sa.select(sa.func.max(before.effective_on))
                   .where(before.plan_id == PlanVersion.plan_id, before.number < PlanVersion.number)
                   .correlate(PlanVersion).scalar_subquery())

    def plans(*conditions):
        return (sa.select(sa.func.count()).select_from(PlanVersion)
                .join(RehabilitationPlan, RehabilitationPlan.id == PlanVersion.plan_id).join(Stay, plan_scope)
                .where(in_period, *conditions).scalar_subquery())

    session_in = sa.and_(ProgrammeSession.session_date >= ctx.period.start, ProgrammeSession.session_date < ctx.period.end)

    def attendance(status):
        return (sa.select(sa.func.count()).select_from(Attendance)
                .join(ProgrammeSession, ProgrammeSession.id == Attendance.session_id)
                .join(Programme, Programme.id == ProgrammeSession.programme_id)
                .where(ctx.in_scope(Programme.facility_id), session_in, Attendance.status == status).scalar_subquery())

    def enrolments(column):
        return (sa.select(sa.func.count()).select_from(Enrollment).join(Programme, Programme.id == Enrollment.programme_id)
                .where(ctx.in_scope(Programme.facility_id), column >= ctx.lo, column < ctx.hi).scalar_subquery())

    query = sa.select(
        plans(PlanVersion.kind == VersionKind.APPROVAL.value).label("approved"),
        plans(PlanVersion.kind == VersionKind.REVIEW.value).label("reviewed"),
        plans(PlanVersion.kind == VersionKind.REVIEW.value,
              PlanVersion.effective_on <= date_plus(previous_on, review_days)).label("reviewed_on_time"),
        enrolments(Enrollment.enrolled_at).label("enrolled"), enrolments(Enrollment.completed_at).label("completed"),
        attendance(AttendanceStatus.PRESENT.value).label("present"),
        attendance(AttendanceStatus.ABSENT.value).label("absent"))
    return db.session.execute(query).one()._asdict()


def _followups(ctx) -> dict[tuple[int, str], int]:
    days = calendar(ctx.period)
    state = followup_state(ctx.today)
    query = (sa.select(days.c.day, state, sa.func.count()).select_from(FollowUp)
             .join(days, days.c.on == FollowUp.due_on).where(followups_clause(ctx)).group_by(days.c.day, state))
    return {(day, s): n for day, s, n in db.session.execute(query)}


def build(ctx):
    a, c, f = _assessments(ctx), _counts(ctx), _followups(ctx)
    tables, charts = [], []
    admitted = int(a["admitted"] or 0)
    on_time = int(a["on_time"] or 0)
    figure = [Column("figure", _("Figure"), ColumnKind.text), Column("count", _("Count")),
              Column("percent", _("Percent"), ColumnKind.percent)]
    tables.append(Table("assessments", _("Assessments"), figure, [
        [ctx.text(_("Stays admitted in the period")), ctx.count(admitted, ("stays", "admitted_all", {})), ctx.ratio(0, 0)],
        [ctx.text(_("Assessed on time")), ctx.count(on_time, ("stays", "assessed_on_time", {})), ctx.ratio(on_time, admitted)],
        [ctx.text(_("Assessed late")), ctx.count(a["late"], ("stays", "assessed_late", {})),
         ctx.ratio(int(a["late"] or 0), admitted)],
        [ctx.text(_("Not assessed, past due")), ctx.count(a["missing"], ("stays", "not_assessed", {})),
         ctx.ratio(int(a["missing"] or 0), admitted)]],
        note=_("On time: the first assessment within %(days)d days of admission.",
               days=current_app.config["SHELTER"].assessment_due_days)))
    reviewed = int(c["reviewed"] or 0)
    tables.append(Table("plans", _("Rehabilitation plans"), figure, [
        [ctx.text(_("Plans approved")), ctx.count(c["approved"]), ctx.ratio(0, 0)],
        [ctx.text(_("Plan reviews")), ctx.count(reviewed), ctx.ratio(0, 0)],
        [ctx.text(_("Reviewed on time")), ctx.count(c["reviewed_on_time"]),
         ctx.ratio(int(c["reviewed_on_time"] or 0), reviewed)]],
        note=_("On time: within %(days)d days of the approval or the previous review.",
               days=current_app.config["SHELTER"].plan_review_days)))
    present, absent = int(c["present"] or 0), int(c["absent"] or 0)
    tables.append(Table("programmes", _("Programmes"), figure, [
        [ctx.text(_("Enrolments")), ctx.count(c["enrolled"]), ctx.ratio(0, 0)],
        [ctx.text(_("Completions")), ctx.count(c["completed"]), ctx.ratio(0, 0)],
        [ctx.text(_("Attendance rate")), ctx.count(present + absent), ctx.ratio(present, present + absent)]],
        note=_("Attendance rate: present over present and absent, in sessions held in the period.")))
    tables += _followup_tables(ctx, f, charts)
    return tables, charts


def _followup_tables(ctx, f, charts):
    totals = {s: sum(n for (_d, state), n in f.items() if state == s) for s in FOLLOWUP_STATES}
    due = sum(totals[s] for s in FOLLOWUP_STATES if s != "not_due")
    labels = {"on_time": _("Done on time"), "late": _("Done late"), "missed": _("Missed"),
              "overdue": _("Overdue"), "not_due": _("Not yet due")}
    rows = [[ctx.text(labels[s]), ctx.count(totals[s], ("followups", s, {})),
             ctx.ratio(totals[s], due, base=due) if s != "not_due" else ctx.ratio(0, 0)] for s in FOLLOWUP_STATES]
    rows.append([ctx.text(_("Compliance")), ctx.count(due, ("followups", "due", {})),
                 ctx.ratio(totals["on_time"], due, base=due)])
    summary = Table("followups", _("Follow-ups due in the period"),
                    [Column("figure", _("Figure"), ColumnKind.text), Column("count", _("Follow-ups")),
                     Column("percent", _("Percent"), ColumnKind.percent)], rows,
                    note=_("Compliance: follow-ups done on time over those due by today."))
    weeks: dict = {}
    for i, day in enumerate(days_of(ctx.period)):
        monday = max(day - timedelta(days=day.weekday()), ctx.period.start)
        entry = weeks.setdefault(monday, {"first": monday, "last": day, **{s: 0 for s in FOLLOWUP_STATES}})
        entry["last"] = day
        for s in FOLLOWUP_STATES:
            entry[s] += f.get((i, s), 0)
    week_rows, compliance = [], []
    for monday, e in weeks.items():
        span = {"span_start": e["first"].isoformat(), "span_end": e["last"].isoformat()}
        due_week = sum(e[s] for s in FOLLOWUP_STATES if s != "not_due")
        percent = ctx.ratio(e["on_time"], due_week, base=due_week)
        week_rows.append([ctx.text(_("Week of %(day)s", day=monday.strftime("%d/%m/%Y")))]
                         + [ctx.count(e[s], ("followups", s, span)) for s in FOLLOWUP_STATES] + [percent])
        compliance.append(ctx.series_value(percent))
    by_week = Table("followups_by_week", _("Follow-ups per week due"),
                    [Column("week", _("Week"), ColumnKind.text)] + [Column(s, labels[s]) for s in FOLLOWUP_STATES]
                    + [Column("compliance", _("Compliance"), ColumnKind.percent)], week_rows)
    charts.append(Chart("followup_compliance", _("Follow-up compliance"), ChartKind.stacked_bar,
                        [r[0].value for r in week_rows],
                        [Series(s, labels[s], [ctx.series_value(r[1 + i]) for r in week_rows])
                         for i, s in enumerate(FOLLOWUP_STATES)], table_key="followups_by_week"))
    return [summary, by_week]
