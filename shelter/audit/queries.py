"""The query behind audit/_events.html: newest first, keyset pages, with the eager loads it needs.

Keyset pagination on (occurred_at, id): a page costs the same at event 50 and at event 5 million,
and new events arriving while someone reads do not shift the pages under them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from shelter.facilities.models import Facility

PER_PAGE = 50
PREFIX_SUFFIX = ".*"  # an action choice ending in this matches every action under the prefix
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CURSOR = re.compile(r"(-?[0-9]{1,19})_([0-9]{1,19})")  # microseconds since 1970 _ event id


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""          # "auth.login.failure", or a prefix choice such as "auth.*"
    actor_email: str = ""     # part of the actor's email
    facility_id: int | None = None
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None    # UTC, exclusive


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime
    id: int

    def encode(self) -> str:
        delta = self.occurred_at - _EPOCH
        micros = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}_{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> "Cursor | None":
        """The position in a link; anything malformed means "from the newest"."""
        match = _CURSOR.fullmatch(raw or "")
        if match is None:
            return None
        micros, id_ = int(match[1]), int(match[2])
        try:
            occurred_at = _EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            return None
        if id_ >= 2**63:
            return None
        return cls(occurred_at, id_)

    @classmethod
    def of(cls, event: AuditEvent) -> "Cursor":
        return cls(event.occurred_at, event.id)


@dataclass(frozen=True)
class EventsPage:
    events: list[AuditEvent]
    older: Cursor | None  # where the next (older) page starts; None at the oldest
    newer: Cursor | None  # where the previous (newer) page ends; None at the newest


def local_day_start(day: date) -> datetime:
    """Midnight of ``day`` in the configured zone (WIB), as a UTC datetime."""
    zone = ZoneInfo(current_app.config["SHELTER"].timezone)
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)


def date_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Whole local days first..last (both included) as a UTC half-open range."""
    start = local_day_start(first) if first else None
    end = local_day_start(last + timedelta(days=1)) if last else None
    return start, end


def _filtered(filters: AuditFilters) -> sa.Select:
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.facility))
    if filters.action.endswith(PREFIX_SUFFIX):
        prefix = filters.action[: -len(PREFIX_SUFFIX)] + "."
        query = query.where(AuditEvent.action.startswith(prefix, autoescape=True))
    elif filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor_email:
        query = query.where(AuditEvent.actor_email.icontains(filters.actor_email, autoescape=True))
    if filters.facility_id is not None:
        query = query.where(AuditEvent.facility_id == filters.facility_id)
    if filters.start is not None:
        query = query.where(AuditEvent.occurred_at >= filters.start)
    if filters.end is not None:
        query = query.where(AuditEvent.occurred_at < filters.end)
    return query


def events_page(filters: AuditFilters, *, before: Cursor | None = None,
                after: Cursor | None = None) -> EventsPage:
    """Up to PER_PAGE events, newest first: the newest ones, those older than ``before``, or
    those newer than ``after``. One statement whatever the page size (facility joined in)."""
    query = _filtered(filters)
    newest_first = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if after is not None:
        query = query.where(sa.or_(
            AuditEvent.occurred_at > after.occurred_at,
            sa.and_(AuditEvent.occurred_at == after.occurred_at, AuditEvent.id > after.id),
        )).order_by(AuditEvent.occurred_at.asc(), AuditEvent.id.asc())
    else:
        if before is not None:
            query = query.where(sa.or_(
                AuditEvent.occurred_at < before.occurred_at,
                sa.and_(AuditEvent.occurred_at == before.occurred_at, AuditEvent.id < before.id),
            ))
        query = query.order_by(*newest_first)
    rows = list(db.session.scalars(query.limit(PER_PAGE + 1)))
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    if after is not None:
        rows.reverse()
        older = Cursor.of(rows[-1]) if rows else None
        newer = Cursor.of(rows[0]) if rows and more else None
    else:
        older = Cursor.of(rows[-1]) if rows and more else None
        newer = Cursor.of(rows[0]) if rows and before is not None else None
    return EventsPage(events=rows, older=older, newer=newer)


def action_choices() -> list[str]:
    """The actions recorded so far, plus one prefix choice per dotted group (``auth.*``)."""
    actions = list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    prefixes = set()
    for action in actions:
        parts = action.split(".")
        for n in range(1, len(parts)):
            prefixes.add(".".join(parts[:n]) + PREFIX_SUFFIX)
    return sorted(set(actions) | prefixes)


def facility_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(sa.select(Facility.id, Facility.name).order_by(Facility.name, Facility.id)).all()
    return [(str(id_), name) for id_, name in rows]
