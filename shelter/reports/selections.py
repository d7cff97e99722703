"""The rows behind a count: for a figure key (and its day, span, value or group), the SQL condition
that selects the same stays, residents, follow-ups or referrals the figure counted. The figure modules
and these conditions are built from the same pieces (``stay_sql``, ``fig_people``, ``fig_care``,
``fig_referrals``), so a list cannot disagree with its count.

Arguments come from a drill-down URL (ids, codes and dates only); anything unknown gives None, which
the view answers with a 404.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from shelter.assessments.models import Assessment
from shelter.followups.models import FollowUp
from shelter.referrals.models import Offer, OfferStatus, Partner, Referral
from shelter.reports import fig_care, fig_people, fig_referrals
from shelter.reports.base import SAFE_HOUSES_GROUP, calendar, utc_bounds
from shelter.reports.stay_sql import (admitted_between, discharged_between, occupies, present_at, transferred_in)
from shelter.residents.models import Resident, ResidentCategory
from shelter.stays.models import Stay


def _day(args, key: str) -> date | None:
    try:
        return date.fromisoformat(args.get(key) or "")
    except ValueError:
        return None


def _span(ctx, args) -> tuple | None:
    """The UTC bounds of ``span_start``…``span_end`` (inclusive days) within the period; the whole
    period when neither is given; None when they are not valid dates."""
    if not args.get("span_start") and not args.get("span_end"):
        return ctx.lo, ctx.hi
    first, last = _day(args, "span_start"), _day(args, "span_end")
    if first is None or last is None or last < first:
        return None
    first, last = max(first, ctx.period.start), min(last, ctx.period.end - timedelta(days=1))
    return utc_bounds(first), utc_bounds(last + timedelta(days=1))


def _group(ctx, args):
    group = args.get("group")
    if not group:
        return sa.true()
    if group == SAFE_HOUSES_GROUP:
        return Stay.facility_id.in_(ctx.safe_house_ids) if len(ctx.safe_house_ids) >= 2 else None  # the merged row
    if not group.isdigit() or int(group) not in {p.id for p in ctx.places if not p.is_safe_house}:
        return None
    return Stay.facility_id == int(group)


def _assessment(ctx, which: str):
    days = calendar(ctx.period, plus_days=current_app.config["SHELTER"].assessment_due_days)
    first = (sa.select(sa.func.min(Assessment.assessed_on)).where(Assessment.stay_id == Stay.id)
             .correlate(Stay).scalar_subquery())
    condition = {"assessed_on_time": first <= days.c.plus, "assessed_late": first > days.c.plus,
                 "not_assessed": sa.and_(first.is_(None), days.c.plus < ctx.today)}[which]
    ids = (sa.select(Stay.id).join(days, sa.and_(Stay.admitted_at >= days.c.lo, Stay.admitted_at < days.c.hi))
           .where(condition))
    return sa.and_(Stay.admitted_at >= ctx.lo, Stay.admitted_at < ctx.hi, Stay.id.in_(ids))


def stay_clause(ctx, figure: str, args):
    """Condition on the FROM of ``stay_sql.joined_stays``; None for an unknown figure or argument."""
    group = _group(ctx, args)
    span = _span(ctx, args)
    if group is None or span is None:
        return None
    value = args.get("value")
    if figure in ("occupied", "over_capacity"):
        day = _day(args, "day")
        if day is None or not (ctx.period.start <= day < ctx.period.end):
            return None
        condition = occupies(ctx, utc_bounds(day), utc_bounds(day + timedelta(days=1)))
        if figure == "over_capacity":
            condition = sa.and_(condition, Stay.over_capacity)
    elif figure == "at_start":
        condition = present_at(ctx.lo)
    elif figure == "at_end":
        condition = present_at(ctx.hi)
    elif figure == "admitted":
        condition = admitted_between(ctx, *span)
    elif figure == "admitted_all":
        condition = sa.and_(Stay.admitted_at >= ctx.lo, Stay.admitted_at < ctx.hi)
    elif figure == "moved":
        condition = sa.and_(transferred_in(ctx), Stay.admitted_at >= ctx.lo, Stay.admitted_at < ctx.hi)
    elif figure == "discharged":
        condition = discharged_between(ctx, *span)
        if value:
            condition = sa.and_(condition, Stay.discharge_outcome == value)
    elif figure in ("los_discharged", "los_open"):
        condition = (discharged_between(ctx, ctx.lo, ctx.hi) if figure == "los_discharged" else present_at(ctx.hi))
        if value:
            days = fig_people.los_discharged_days() if figure == "los_discharged" else fig_people.los_open_days(ctx)
            condition = sa.and_(condition, fig_people.bucket_clause(days, value))
    elif figure in ("assessed_on_time", "assessed_late", "not_assessed"):
        condition = _assessment(ctx, figure)
    else:
        return None
    return sa.and_(ctx.in_scope(Stay.facility_id), group, condition)


def resident_clause(ctx, figure: str, args):
    value = args.get("value") or ""
    served = fig_people.served_clause(ctx)
    if figure == "served":
        return served
    if figure == "sex" and value:
        return sa.and_(served, Resident.sex == value)
    if figure == "age_band" and value:
        return sa.and_(served, fig_people.age_band_expression(ctx.period.start) == value)
    if figure == "category" and value:
        return sa.and_(served, Resident.id.in_(sa.select(ResidentCategory.resident_id)
                                               .where(ResidentCategory.category == value)))
    return None


def followup_clause(ctx, figure: str, args):
    span = _span(ctx, args)
    if span is None:
        return None
    condition = fig_care.followups_clause(ctx)
    if args.get("span_start"):
        first, last = _day(args, "span_start"), _day(args, "span_end")
        condition = sa.and_(condition, FollowUp.due_on >= first, FollowUp.due_on <= last)
    if figure == "due":
        return sa.and_(condition, fig_care.followup_state(ctx.today) != "not_due")
    if figure in fig_care.FOLLOWUP_STATES:
        return sa.and_(condition, fig_care.followup_state(ctx.today) == figure)
    return None


def referral_clause(ctx, figure: str, args):
    value = args.get("value") or ""
    if figure == "received":
        condition = fig_referrals.received_clause(ctx)
        if value:
            condition = sa.and_(condition, Referral.partner_id.in_(sa.select(Partner.id).where(Partner.kind == value)))
        return condition
    if figure in ("accepted", "declined"):
        status = OfferStatus.ACCEPTED.value if figure == "accepted" else OfferStatus.DECLINED.value
        offers = sa.select(Offer.referral_id).where(fig_referrals.decided_offers_clause(ctx), Offer.status == status)
        if value:
            offers = offers.where(Offer.decline_reason == value)
        return Referral.id.in_(offers)
    if figure == "decided":
        return sa.and_(Referral.decided_at >= ctx.lo, Referral.decided_at < ctx.hi, Referral.first_offered_at.is_not(None),
                       fig_referrals.placed_clause(ctx))
    if figure == "admitted":
        return sa.and_(Referral.admitted_at >= ctx.lo, Referral.admitted_at < ctx.hi, fig_referrals.placed_clause(ctx))
    return None
