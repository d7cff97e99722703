"""The SQL pieces the stay figures and their lists share, so a count and the list behind it select
the same stays.

A stay occupies WIB day D when it overlaps D (admitted before D ends, not discharged before D starts).
A **transfer** between two facilities of the same report closes one stay and opens the next at the
same moment: on that day the person counts once (the stay they arrive in does not count on the day
of arrival), the transfer is neither a discharge from nor an admission to the report's scope, and at
any moment (the start or the end of the period) exactly one of the two stays is open.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from shelter.stays.models import Stay

Prev = aliased(Stay, name="prev_stay")
Next = aliased(Stay, name="next_stay")


def joined_stays(ctx):
    """The FROM of the stay figures: ``stays`` (transfers are looked up per stay, by index, in
    ``transferred_in`` and ``transferred_out``)."""
    return Stay.__table__


def transferred_in(ctx):
    """The stay continues one in the report's scope (a move between two of its facilities)."""
    return sa.and_(Stay.previous_stay_id.is_not(None), sa.exists().where(
        Prev.id == Stay.previous_stay_id, ctx.in_scope(Prev.facility_id)).correlate(Stay))


def transferred_out(ctx):
    """A stay in the report's scope continues this one."""
    return sa.exists().where(Next.previous_stay_id == Stay.id, ctx.in_scope(Next.facility_id)).correlate(Stay)


def touches_period(ctx):
    """The stay is in scope and overlaps the period (or is discharged at its very start)."""
    return sa.and_(ctx.in_scope(Stay.facility_id), Stay.admitted_at < ctx.hi,
                   sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at >= ctx.lo))


def present_at(moment):
    return sa.and_(Stay.admitted_at <= moment, sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at > moment))


def occupies(ctx, lo, hi):
    """The stay counts as occupying the day [lo, hi) (see the module docstring)."""
    return sa.and_(Stay.admitted_at < hi, sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at > lo),
                   sa.not_(sa.and_(Stay.admitted_at >= lo, transferred_in(ctx))))


def admitted_between(ctx, lo, hi):
    return sa.and_(Stay.admitted_at >= lo, Stay.admitted_at < hi, sa.not_(transferred_in(ctx)))


def discharged_between(ctx, lo, hi):
    return sa.and_(Stay.discharged_at >= lo, Stay.discharged_at < hi, sa.not_(transferred_out(ctx)))


def flag(condition):
    return sa.case((condition, 1), else_=0)
