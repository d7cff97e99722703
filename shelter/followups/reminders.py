"""The morning follow-up SMS, run by the scheduler every minute (it commits itself).

From the configured local time (``REMINDER_TIME``, 08:00 WIB) on each day:

* every caseworker with follow-ups due that day gets one SMS with the count
  (dedupe key ``followup.due:{user_id}:{yyyy-mm-dd}``);
* follow-ups still open ``ESCALATE_AFTER_DAYS`` days after their due day escalate, once each: one SMS per
  recipient per day to the responsible caseworker and the facility's case managers
  (``followup.overdue:{user_id}:{yyyy-mm-dd}``), and the follow-up remembers it was escalated.

Running it any number of times, or in two processes at once, sends each message once: the outbox's UNIQUE
dedupe key decides. Bodies are counts and fixed wording in the recipient's language, nothing else. The same
work always shows in the app ("My follow-ups"), for users without a phone or who opted out too.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from shelter.auth.models import User
from shelter.db import utcnow
from shelter.extensions import db
from shelter.followups import service
from shelter.followups.models import FollowUp, FollowUpStatus
from shelter.notifications import service as notifications


def _reminder_moment(day, zone) -> datetime:
    hour, minute = current_app.config["SHELTER"].reminder_hour_minute
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue today's reminders and escalations that are not queued yet; returns how many were queued."""
    now = now or utcnow()
    zone = service.zone()
    today = now.astimezone(zone).date()
    if now < _reminder_moment(today, zone):
        return 0
    try:
        queued = _due_today(today) + _escalations(today, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return queued


def _users(ids) -> dict[int, User]:
    ids = set(ids)
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _send(user: User, template: str, count: int, *, kind: str, today) -> int:
    number = notifications.sms_recipient(user)
    if number is None or count < 1:
        return 0
    body = service.render_sms(template, user, count=count)
    message = notifications.enqueue(to=number, body=body, dedupe_key=f"{kind}:{user.id}:{today.isoformat()}",
                                    purpose=kind, user_id=user.id)
    return 1 if message is not None else 0


def _due_today(today) -> int:
    rows = db.session.execute(
        sa.select(FollowUp.caseworker_id, sa.func.count())
        .where(FollowUp.due_on == today, FollowUp.status == FollowUpStatus.OPEN.value,
               FollowUp.caseworker_id.is_not(None))
        .group_by(FollowUp.caseworker_id)
    ).all()
    users = _users(user_id for user_id, _count in rows)
    return sum(_send(users[user_id], "followup_due", count, kind="followup.due", today=today)
               for user_id, count in rows if user_id in users)


def _escalations(today, now) -> int:
    """Escalate, once each, the open follow-ups overdue by ``ESCALATE_AFTER_DAYS``: marked in one
    set-based UPDATE (rows another run has locked are skipped: it escalates them), then one SMS per
    recipient with their count. A first run after a long pause may escalate thousands at once."""
    overdue = (
        sa.select(FollowUp.id)
        .where(FollowUp.status == FollowUpStatus.OPEN.value, FollowUp.escalated_at.is_(None),
               FollowUp.due_on <= today - timedelta(days=service.ESCALATE_AFTER_DAYS))
        .order_by(FollowUp.id)
        .with_for_update(skip_locked=True)
    )
    escalated = db.session.execute(
        sa.update(FollowUp).where(FollowUp.id.in_(overdue.scalar_subquery())).values(escalated_at=now)
        .returning(FollowUp.caseworker_id, FollowUp.facility_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not escalated:
        return 0
    counts: dict[int, int] = defaultdict(int)
    managers = service.case_manager_ids_by_facility({facility_id for _cw, facility_id in escalated})
    for caseworker_id, facility_id in escalated:
        if caseworker_id is not None:
            counts[caseworker_id] += 1
        for manager_id in managers.get(facility_id, ()):
            if manager_id != caseworker_id:
                counts[manager_id] += 1
    users = _users(counts)
    return sum(_send(users[user_id], "followup_overdue", count, kind="followup.overdue", today=today)
               for user_id, count in sorted(counts.items()) if user_id in users)
