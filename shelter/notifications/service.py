"""The outbox. ``enqueue`` adds a message to the caller's transaction; the scheduler delivers it.

A message must never carry a resident's name, NIK, an address or a Rumah Aman code name: callers
build bodies from counts and fixed wording only (``tests/notifications`` scans every template).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

import sqlalchemy as sa

from shelter.extensions import db
from shelter.notifications.models import OutboundMessage

BODY_MAX = 640


def enqueue(*, to: str, body: str, dedupe_key: str, purpose: str, user_id: int | None = None) -> OutboundMessage | None:
    """Queue one SMS in the current transaction; None when ``dedupe_key`` was queued before.

    Safe under concurrency: the UNIQUE index decides, inside a savepoint, so the caller's
    transaction goes on either way.
    """
    if db.session.scalar(sa.select(OutboundMessage.id).where(OutboundMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboundMessage(to_number=to, body=body[:BODY_MAX], dedupe_key=dedupe_key, purpose=purpose,
                              user_id=user_id)
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        return None
    return message


def sms_recipient(user) -> str | None:
    """The number to text this user at, or None: inactive, no phone, or opted out of SMS.

    Whatever an SMS says also shows in the app, so a user without SMS misses nothing.
    """
    if user is None or not user.active or user.sms_opt_out or not user.phone:
        return None
    return user.phone
