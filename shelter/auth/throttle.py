"""Login throttling: counters per account, client address and device cookie, kept in the database.

The rule (issue 9, 2.3): a password is checked only when the database has first counted the attempt.
``reserve`` is one conditional UPDATE that adds the attempt to the subject's counters *only if* the
subject is not locked and its windows are not full; it is committed before the (slow) password check,
so forty parallel attempts get at most ``max_failures`` checks on PostgreSQL (a concurrent UPDATE waits
for the row and re-evaluates the WHERE) and on SQLite (writers are serialised). A right password gives
its reservation back (``refund``); a wrong one may start a lock (``lock_if_over``, conditional too).

Two windows: ``max_failures`` within ``window`` (5 in a minute), and ``long_max_failures`` within
``long_window`` (20 in a day), so failures spread to dodge the minute still lock. Windows are fixed and
start at the first failure after the previous one ended; a burst across a window's end can reach
2 × (max − 1) failures before the lock, which the long window and the growing locks bound. Each lock
lasts twice as long as the one before (15 min, 30 min, 1 h, … up to ``max_lock``); the count of locks
is forgotten a day after the last one ended. Starting a lock empties both windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from shelter.auth.models import LoginThrottle
from shelter.db import UTCDateTime
from shelter.extensions import db

FORGET_LOCKS_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Limit:
    kind: str  # account | address | device
    max_failures: int
    window: timedelta
    long_max_failures: int | None
    long_window: timedelta
    first_lock: timedelta
    max_lock: timedelta

    def lock_for(self, level: int) -> timedelta:
        return min(self.first_lock * 2 ** level, self.max_lock)


@dataclass(frozen=True)
class Limits:
    account: Limit
    address: Limit
    device: Limit


def limits(config) -> Limits:
    account = Limit(
        kind="account",
        max_failures=config.login_max_failures,
        window=timedelta(seconds=config.login_failure_window_seconds),
        long_max_failures=config.login_long_max_failures,
        long_window=timedelta(hours=config.login_long_window_hours),
        first_lock=timedelta(minutes=config.login_lockout_minutes),
        max_lock=timedelta(hours=config.login_max_lock_hours),
    )
    # Many people may share an address (an office, a proxy): no day limit there, and a lock as long as
    # the window. Known browsers are not held back by it at all (their device cookie is counted instead).
    address_window = timedelta(seconds=config.ip_failure_window_seconds)
    address = Limit(kind="address", max_failures=config.ip_max_failures, window=address_window,
                    long_max_failures=None, long_window=address_window, first_lock=address_window,
                    max_lock=timedelta(hours=config.login_max_lock_hours))
    device = Limit(**{**account.__dict__, "kind": "device"})
    return Limits(account=account, address=address, device=device)


def _at(value: datetime):
    return sa.literal(value, UTCDateTime())


def _key(limit: Limit, subject: str):
    return sa.and_(LoginThrottle.kind == limit.kind, LoginThrottle.subject == subject)


def _ensure_row(limit: Limit, subject: str, now: datetime) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent first attempts make one row, none fails."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(LoginThrottle).values(kind=limit.kind, subject=subject, failures=0, window_started_at=now,
                                     long_failures=0, long_window_started_at=now, lockouts=0)
        .on_conflict_do_nothing(index_elements=["kind", "subject"])
    )


def _windows(limit: Limit, now: datetime):
    """(short window over, long window over) as SQL conditions on the row before the update."""
    return (LoginThrottle.window_started_at <= now - limit.window,
            LoginThrottle.long_window_started_at <= now - limit.long_window)


def reserve(limit: Limit, subject: str, now: datetime) -> bool:
    """Count one attempt before its password is checked, if the subject may try now. The caller commits
    before checking the password."""
    _ensure_row(limit, subject, now)
    short_over, long_over = _windows(limit, now)
    conditions = [
        _key(limit, subject),
        sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        sa.or_(short_over, LoginThrottle.failures < limit.max_failures),
    ]
    if limit.long_max_failures is not None:
        conditions.append(sa.or_(long_over, LoginThrottle.long_failures < limit.long_max_failures))
    result = db.session.execute(
        sa.update(LoginThrottle).where(*conditions).values(
            # Every right-hand side reads the row as it was before this UPDATE (SQL semantics).
            failures=sa.case((short_over, 1), else_=LoginThrottle.failures + 1),
            window_started_at=sa.case((short_over, _at(now)), else_=LoginThrottle.window_started_at),
            long_failures=sa.case((long_over, 1), else_=LoginThrottle.long_failures + 1),
            long_window_started_at=sa.case((long_over, _at(now)), else_=LoginThrottle.long_window_started_at),
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def refund(limit: Limit, subject: str) -> None:
    """The reserved attempt was a success: it does not count as a failure."""
    db.session.execute(
        sa.update(LoginThrottle).where(_key(limit, subject)).values(
            failures=sa.case((LoginThrottle.failures > 0, LoginThrottle.failures - 1), else_=0),
            long_failures=sa.case((LoginThrottle.long_failures > 0, LoginThrottle.long_failures - 1), else_=0),
        ).execution_options(synchronize_session=False)
    )


def lock_if_over(limit: Limit, subject: str, now: datetime) -> bool:
    """After a failure: lock the subject when a window is full. True when this call started the lock."""
    short_over, long_over = _windows(limit, now)
    full = [sa.and_(sa.not_(short_over), LoginThrottle.failures >= limit.max_failures)]
    if limit.long_max_failures is not None:
        full.append(sa.and_(sa.not_(long_over), LoginThrottle.long_failures >= limit.long_max_failures))
    recent_lock = sa.and_(LoginThrottle.locked_until.is_not(None),
                          LoginThrottle.locked_until > now - FORGET_LOCKS_AFTER)
    level = sa.case((recent_lock, LoginThrottle.lockouts), else_=0)
    levels, length = [], 0
    while limit.lock_for(length) < limit.max_lock and length < 32:
        levels.append((level == length, _at(now + limit.lock_for(length))))
        length += 1
    result = db.session.execute(
        sa.update(LoginThrottle).where(
            _key(limit, subject), sa.or_(*full),
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until <= now),
        ).values(
            locked_until=sa.case(*levels, else_=_at(now + limit.max_lock)) if levels else _at(now + limit.max_lock),
            lockouts=level + 1,
            failures=0, window_started_at=_at(now), long_failures=0, long_window_started_at=_at(now),
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def refused_until(limit: Limit, subject: str, now: datetime) -> datetime:
    """Until when a refused subject stays refused (for the message): its lock, or its full window's end."""
    row = db.session.get(LoginThrottle, (limit.kind, subject), populate_existing=True)
    if row is None:
        return now + limit.first_lock
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return max(row.window_started_at + limit.window, now)
