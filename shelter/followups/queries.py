"""The queries behind the follow-up pages, each in a fixed number of statements (eager loads), scoped to
the user's facilities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from shelter.access import MAX_ID, episode_clause, visible_facility_ids
from shelter.auth.models import Role, User, UserRole, user_facilities
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.followups.models import FollowUp, FollowUpPolicyStep, FollowUpStatus
from shelter.pagination import Page, clamp_page

PER_PAGE = 25
WEEK_DAYS = 7


def _loaded(query: sa.Select) -> sa.Select:
    return query.options(joinedload(FollowUp.resident), joinedload(FollowUp.caseworker),
                         joinedload(FollowUp.facility), joinedload(FollowUp.stay))


def _scoped(query: sa.Select, user) -> sa.Select:
    """A follow-up is part of its discharge's episode: the user's facilities only (``episode_clause``)."""
    return query.where(episode_clause(user, FollowUp.facility_id))


def followup_or_404(user, followup_id: int) -> FollowUp:
    """The follow-up, if it belongs to one of the user's facilities; 404 otherwise (never 403)."""
    if not isinstance(followup_id, int) or not 0 < followup_id <= MAX_ID:
        abort(404)
    item = db.session.scalar(_loaded(_scoped(sa.select(FollowUp).where(FollowUp.id == followup_id), user)))
    if item is None:
        abort(404)
    return item


def step_or_404(step_id: int) -> FollowUpPolicyStep:
    step = db.session.get(FollowUpPolicyStep, step_id)
    if step is None:
        abort(404)
    return step


# --- My follow-ups ----------------------------------------------------------------------------------------

@dataclass
class MyFollowUps:
    today: date
    overdue: list[FollowUp] = field(default_factory=list)
    due_today: list[FollowUp] = field(default_factory=list)
    this_week: list[FollowUp] = field(default_factory=list)
    later: int = 0
    # For case managers: what waits for them in their facilities.
    flagged: int = 0
    unassigned: int = 0

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_today or self.this_week)


def my_followups(user, today: date) -> MyFollowUps:
    """Open follow-ups assigned to ``user``: overdue, due today, due in the next days (WIB days)."""
    mine = MyFollowUps(today=today)
    week_end = today + timedelta(days=WEEK_DAYS - 1)
    open_mine = (sa.select(FollowUp).where(FollowUp.caseworker_id == user.id,
                                           FollowUp.status == FollowUpStatus.OPEN.value))
    for item in db.session.scalars(_loaded(_scoped(open_mine.where(FollowUp.due_on <= week_end), user))
                                   .order_by(FollowUp.due_on, FollowUp.id)).unique():
        if item.due_on < today:
            mine.overdue.append(item)
        elif item.due_on == today:
            mine.due_today.append(item)
        else:
            mine.this_week.append(item)
    mine.later = db.session.scalar(
        _scoped(sa.select(sa.func.count()).select_from(FollowUp)
                .where(FollowUp.caseworker_id == user.id, FollowUp.status == FollowUpStatus.OPEN.value,
                       FollowUp.due_on > week_end), user))
    if user.has_role(Role.CASE_MANAGER) or user.is_admin:
        counts = db.session.execute(_scoped(sa.select(
            sa.func.count().filter(FollowUp.flagged_at.is_not(None), FollowUp.acknowledged_at.is_(None)),
            sa.func.count().filter(FollowUp.caseworker_id.is_(None), FollowUp.status == FollowUpStatus.OPEN.value),
        ).select_from(FollowUp), user)).one()
        mine.flagged, mine.unassigned = counts
    return mine


# --- the facility list -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    facility_id: int | None = None
    status: str | None = None      # open | overdue | done | missed
    outcome: str | None = None
    caseworker: str | None = None  # a user id, or "none" for unassigned
    flagged: str | None = None     # "waiting" (not acknowledged) | "all"


def followups_query(user, filters: Filters, today: date) -> sa.Select:
    """The follow-ups of the list (and of its export), filtered; no order yet."""
    query = _scoped(sa.select(FollowUp), user)
    if filters.facility_id is not None:
        query = query.where(FollowUp.facility_id == filters.facility_id)
    if filters.status == "overdue":
        query = query.where(FollowUp.status == FollowUpStatus.OPEN.value, FollowUp.due_on < today)
    elif filters.status:
        query = query.where(FollowUp.status == filters.status)
    if filters.outcome:
        query = query.where(FollowUp.outcome == filters.outcome)
    if filters.caseworker == "none":
        query = query.where(FollowUp.caseworker_id.is_(None))
    elif filters.caseworker:
        query = query.where(FollowUp.caseworker_id == int(filters.caseworker))
    if filters.flagged == "waiting":
        query = query.where(FollowUp.flagged_at.is_not(None), FollowUp.acknowledged_at.is_(None))
    elif filters.flagged == "all":
        query = query.where(FollowUp.flagged_at.is_not(None))
    return query


def followups_page(user, filters: Filters, today: date, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of follow-ups: flags waiting for a case manager first, then open by due day, then the rest."""
    query = followups_query(user, filters, today)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = clamp_page(page, total, per_page)
    waiting_first = sa.case((sa.and_(FollowUp.flagged_at.is_not(None), FollowUp.acknowledged_at.is_(None)), 0),
                            else_=1)
    open_first = sa.case((FollowUp.status == FollowUpStatus.OPEN.value, 0), else_=1)
    items = list(db.session.scalars(
        _loaded(query).order_by(waiting_first, open_first, FollowUp.due_on, FollowUp.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)


def facility_choices(user) -> list[tuple[int, str]]:
    query = sa.select(Facility.id, Facility.name).order_by(Facility.name)
    ids = visible_facility_ids(user)
    if ids is not None:
        query = query.where(Facility.id.in_(ids) if ids else sa.false())
    return [(row.id, row.name) for row in db.session.execute(query)]


def caseworker_choices(facility_ids) -> dict[int, list[tuple[int, str]]]:
    """Active caseworkers per facility (one statement for all the facilities on a page)."""
    ids = set(facility_ids)
    found: dict[int, list[tuple[int, str]]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        sa.select(user_facilities.c.facility_id, User.id, User.full_name)
        .join(User, User.id == user_facilities.c.user_id)
        .where(user_facilities.c.facility_id.in_(ids), User.active.is_(True),
               User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role.CASEWORKER.value)))
        .order_by(User.full_name, User.id)
    )
    for facility_id, user_id, name in rows:
        found[facility_id].append((user_id, name))
    return found


# --- on the resident's page ------------------------------------------------------------------------------

def resident_followups(user, resident_id: int) -> list[FollowUp]:
    """Every follow-up of the resident in the user's facilities, newest discharge first."""
    query = _scoped(sa.select(FollowUp).where(FollowUp.resident_id == resident_id), user)
    return list(db.session.scalars(_loaded(query).order_by(FollowUp.stay_id.desc(), FollowUp.step)).unique())


def user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all())
