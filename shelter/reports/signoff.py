"""Signing off a month's report: the facility manager signs their facility's, an admin the province's.

``sign`` stores the report exactly as the signer saw it (``seen_digest`` must still match today's
figures, so no one signs numbers they did not see), as the next version of that month's report. Signing
again with unchanged figures adds nothing (``AlreadySigned``); after a correction it adds version 2, 3…,
and the earlier versions stay readable. Only a month that is over can be signed. Audited.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter import access
from shelter.audit import service as audit
from shelter.auth.models import Role
from shelter.extensions import db
from shelter.reports import snapshot
from shelter.reports.model import Period, Report, ReportScope, ScopeLevel
from shelter.reports.models import ReportSignoff


class SignoffError(Exception):
    code = "signoff_error"


class NotAllowedToSign(SignoffError):
    code = "not_allowed"


class NotAMonth(SignoffError):
    """Only a calendar month's report is signed."""
    code = "not_a_month"


class MonthNotOver(SignoffError):
    code = "month_not_over"


class FiguresChanged(SignoffError):
    """The figures changed between the confirmation page and the signature: look again."""
    code = "figures_changed"


class AlreadySigned(SignoffError):
    """The latest signed version has exactly these figures."""
    code = "already_signed"

    def __init__(self, signoff: ReportSignoff):
        super().__init__(self.code)
        self.signoff = signoff


class SignedConcurrently(SignoffError):
    """Someone else signed the same month at the same moment: reload and look again."""
    code = "signed_concurrently"


def may_sign(user, scope: ReportScope) -> bool:
    """A facility's report: its facility managers; the province's: admins. Nobody signs a kota's."""
    if access.is_partner(user) or not getattr(user, "is_authenticated", False):
        return False
    if scope.level is ScopeLevel.facility:
        return scope.facility_id is not None and access.works_in(user, scope.facility_id, Role.FACILITY_MANAGER)
    if scope.level is ScopeLevel.province:
        return user.is_admin
    return False


def is_month(period: Period) -> bool:
    start = period.start
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start.day == 1 and period.end == following


def versions(scope: ReportScope, period: Period) -> list[ReportSignoff]:
    """Every signed version of this month's report, oldest first."""
    return list(db.session.scalars(
        sa.select(ReportSignoff).where(ReportSignoff.scope_key == scope.key, ReportSignoff.month == period.start)
        .order_by(ReportSignoff.version)))


def find_version(scope: ReportScope, period: Period, version: int) -> ReportSignoff | None:
    return db.session.scalar(sa.select(ReportSignoff).where(
        ReportSignoff.scope_key == scope.key, ReportSignoff.month == period.start, ReportSignoff.version == version))


def digest_of(report: Report) -> str:
    return snapshot.digest(snapshot.dump(report))


def sign(report: Report, *, by, seen_digest: str, today_wib: date) -> ReportSignoff:
    """Store ``report`` as the next signed version of its month. Raises a ``SignoffError``."""
    scope, period = report.scope, report.period
    if not may_sign(by, scope):
        raise NotAllowedToSign(NotAllowedToSign.code)
    if not is_month(period):
        raise NotAMonth(NotAMonth.code)
    if period.end > today_wib:
        raise MonthNotOver(MonthNotOver.code)
    data = snapshot.dump(report)
    fingerprint = snapshot.digest(data)
    if fingerprint != seen_digest:
        raise FiguresChanged(FiguresChanged.code)
    earlier = versions(scope, period)
    if earlier and earlier[-1].digest == fingerprint:
        raise AlreadySigned(earlier[-1])
    signoff = ReportSignoff(scope_key=scope.key, facility_id=scope.facility_id, month=period.start,
                            version=(earlier[-1].version + 1) if earlier else 1, signed_by_id=by.id,
                            signed_by_name=by.full_name, digest=fingerprint, snapshot=data)
    try:
        with db.session.begin_nested():
            db.session.add(signoff)
    except IntegrityError:
        raise SignedConcurrently(SignedConcurrently.code) from None
    audit.record("report.signed", actor=by, target=signoff, facility_id=scope.facility_id,
                 detail={"scope": scope.key, "month": period.start.strftime("%Y-%m"), "version": signoff.version})
    return signoff
