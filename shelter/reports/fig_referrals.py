"""Referrals, offers, the waitlist and SMS.

- **Referrals received**: in a province report, every referral received in the period; in a facility
  or kota report, the referrals offered to its facilities in the period (each once), by the kind of
  partner that referred them.
- **Offers decided** in the period by the report's facilities: accepted, declined (per reason).
- **Time to decision**: from the first offer to the accepting decision; **time to admission**: from
  receipt to admission; both for referrals decided (admitted) in the period and, below the province,
  placed in the report's facilities. Whole hours; medians.
- **Waitlist** (province reports only: the waitlist is the network's): referrals waiting at the end of
  each day, from the referral history (``waitlisted`` until it is offered, taken off or closed).
- **SMS**: messages queued in the period (province), or to the staff of the report's facilities.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from shelter.auth.models import user_facilities
from shelter.extensions import db
from shelter.notifications.models import MessageStatus, OutboundMessage
from shelter.referrals.labels import decline_reason_label
from shelter.referrals.models import DeclineReason, Offer, OfferStatus, Partner, PartnerKind, Referral, ReferralEvent
from shelter.referrals.partner_labels import partner_kind_label
from shelter.reports.base import calendar, days_between, days_of, median_and_p90
from shelter.reports.model import Chart, ChartKind, Column, ColumnKind, ScopeLevel, Series, Table
from shelter.reports.stay_sql import flag

WAITLIST_EXITS = ("left_waitlist", "offered", "closed")
SMS_STATES = {"sent": (MessageStatus.SENT.value, MessageStatus.DELIVERED.value),
              "failed": (MessageStatus.FAILED.value,), "unknown": (MessageStatus.UNKNOWN.value,),
              "waiting": (MessageStatus.QUEUED.value, MessageStatus.SENDING.value)}


def province(ctx) -> bool:
    return ctx.scope.level is ScopeLevel.province


def received_clause(ctx):
    """SQL condition on ``Referral``: received by the report's scope in the period."""
    if province(ctx):
        return sa.and_(Referral.received_at >= ctx.lo, Referral.received_at < ctx.hi)
    offered = sa.select(Offer.referral_id).where(ctx.in_scope(Offer.facility_id), Offer.offered_at >= ctx.lo,
                                                 Offer.offered_at < ctx.hi)
    return Referral.id.in_(offered)


def placed_clause(ctx):
    return sa.true() if province(ctx) else ctx.in_scope(Referral.placed_facility_id)


def decided_offers_clause(ctx):
    return sa.and_(Offer.decided_at >= ctx.lo, Offer.decided_at < ctx.hi,
                   sa.true() if province(ctx) else ctx.in_scope(Offer.facility_id))


def _hours(later, earlier):
    return sa.cast(days_between(later, earlier) * 24, sa.Integer) if db.engine.dialect.name == "sqlite" else \
        sa.cast(sa.func.floor(days_between(later, earlier) * 24), sa.Integer)


def _hour_histogram(later, earlier, *conditions) -> dict[int, int]:
    hours = _hours(later, earlier)
    query = sa.select(hours, sa.func.count()).where(*conditions, later.is_not(None), earlier.is_not(None)).group_by(hours)
    return {int(h): n for h, n in db.session.execute(query) if h is not None}


def build(ctx):
    tables, charts = [], []
    by_kind = dict(db.session.execute(
        sa.select(Partner.kind, sa.func.count(Referral.id)).join(Partner, Partner.id == Referral.partner_id)
        .where(received_clause(ctx)).group_by(Partner.kind)).all())
    rows = [[ctx.text(partner_kind_label(k.value)), ctx.count(by_kind.get(k.value, 0), ("referrals", "received", {"value": k.value}))]
            for k in PartnerKind]
    rows.append([ctx.text(_("Total")), ctx.count(sum(by_kind.values()), ("referrals", "received", {}))])
    tables.append(Table("referrals_by_source", _("Referrals received by source"),
                        [Column("source", _("Referred by"), ColumnKind.text), Column("count", _("Referrals"))], rows))

    decided = db.session.execute(
        sa.select(Offer.status, Offer.decline_reason, sa.func.count()).where(decided_offers_clause(ctx))
        .group_by(Offer.status, Offer.decline_reason)).all()
    accepted = sum(n for s, _r, n in decided if s in (OfferStatus.ACCEPTED.value,))
    declined = {r: n for s, r, n in decided if s == OfferStatus.DECLINED.value}
    rows = [[ctx.text(_("Accepted")), ctx.count(accepted, ("referrals", "accepted", {}))],
            [ctx.text(_("Declined")), ctx.count(sum(declined.values()), ("referrals", "declined", {}))]]
    rows += [[ctx.text(_("Declined: %(reason)s", reason=decline_reason_label(r.value))),
              ctx.count(declined.get(r.value, 0), ("referrals", "declined", {"value": r.value}))] for r in DeclineReason]
    tables.append(Table("offers_decided", _("Offers accepted and declined"),
                        [Column("decision", _("Decision"), ColumnKind.text), Column("count", _("Offers"))], rows))

    decision = _hour_histogram(Referral.decided_at, Referral.first_offered_at, Referral.decided_at >= ctx.lo,
                               Referral.decided_at < ctx.hi, placed_clause(ctx))
    admission = _hour_histogram(Referral.admitted_at, Referral.received_at, Referral.admitted_at >= ctx.lo,
                                Referral.admitted_at < ctx.hi, placed_clause(ctx))
    rows = []
    for label, hist, figure in ((_("From the first offer to the decision"), decision, "decided"),
                                (_("From receipt to admission"), admission, "admitted")):
        median, p90, n = median_and_p90(hist)
        rows.append([ctx.text(label), ctx.count(n, ("referrals", figure, {})), ctx.number(median, n=n),
                     ctx.number(p90, n=n)])
    tables.append(Table("referral_times", _("Time to decision and to admission"),
                        [Column("interval", _("Interval"), ColumnKind.text), Column("count", _("Referrals")),
                         Column("median", _("Median (hours)"), ColumnKind.number),
                         Column("p90", _("90th percentile (hours)"), ColumnKind.number)], rows))
    if province(ctx):
        tables.append(_waitlist(ctx))
    tables.append(_sms(ctx))
    return tables, charts


def _waitlist(ctx) -> Table:
    days = calendar(ctx.period)
    exit_event = aliased(ReferralEvent)
    left_at = (sa.select(sa.func.min(exit_event.at))
               .where(exit_event.referral_id == ReferralEvent.referral_id, exit_event.at >= ReferralEvent.at,
                      exit_event.kind.in_(WAITLIST_EXITS), exit_event.id != ReferralEvent.id)
               .correlate(ReferralEvent).scalar_subquery())
    spans = (sa.select(ReferralEvent.at.label("since"), left_at.label("until"))
             .where(ReferralEvent.kind == "waitlisted", ReferralEvent.at < ctx.hi).subquery())
    query = (sa.select(days.c.day, sa.func.count()).select_from(spans)
             .join(days, sa.and_(spans.c.since < days.c.hi, sa.or_(spans.c.until.is_(None), spans.c.until >= days.c.hi)))
             .group_by(days.c.day))
    waiting = dict(db.session.execute(query).all())
    rows = [[ctx.text(day.isoformat()), ctx.count(waiting.get(i, 0))] for i, day in enumerate(days_of(ctx.period))]
    return Table("waitlist_by_day", _("Waitlist at the end of each day"),
                 [Column("day", _("Day"), ColumnKind.text), Column("count", _("Referrals waiting"))], rows)


def _sms(ctx) -> Table:
    condition = sa.and_(OutboundMessage.created_at >= ctx.lo, OutboundMessage.created_at < ctx.hi)
    if not province(ctx):
        staff = sa.select(user_facilities.c.user_id).where(ctx.in_scope(user_facilities.c.facility_id))
        condition = sa.and_(condition, OutboundMessage.user_id.in_(staff))
    counts = db.session.execute(sa.select(*[sa.func.sum(flag(OutboundMessage.status.in_(statuses))).label(key)
                                            for key, statuses in SMS_STATES.items()]).where(condition)).one()._asdict()
    labels = {"sent": _("Sent"), "failed": _("Failed"), "unknown": _("Unknown (the provider did not say)"),
              "waiting": _("Waiting to be sent")}
    return Table("sms", _("SMS"), [Column("status", _("Status"), ColumnKind.text), Column("count", _("Messages"))],
                 [[ctx.text(labels[k]), ctx.count(counts[k])] for k in SMS_STATES])
