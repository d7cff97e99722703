"""Deliver the outbox: the scheduler calls ``deliver_due`` every few seconds.

Exactly once, as far as that can be promised:

1. A message is *claimed* with one conditional UPDATE (``queued`` and due → ``sending``), committed
   before the provider is called. Two scheduler processes (or threads) racing for the same row:
   one UPDATE matches, the other matches nothing and moves on. No message is sent twice.
2. The provider is called outside any transaction; its outcome is recorded and committed per
   message, so a crash loses at most the one message in flight.
3. A message still ``sending`` after ``STALE_SENDING`` was left by a crash between the provider
   call and the commit: nobody knows whether it went out, so it becomes ``unknown`` (an admin may
   resend it by hand), never ``queued`` again.
4. Only failures that prove nothing was created are retried (see ``gateways``), with exponential
   backoff through ``next_attempt_at``, at most ``MAX_ATTEMPTS`` tries.

Log lines carry the message id and status, never the body or the number.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.notifications import gateways
from shelter.notifications.models import MessageStatus, OutboundMessage

log = logging.getLogger("shelter.sms")

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)  # 30 s, 1 min, 2 min, 4 min
BACKOFF_MAX = timedelta(minutes=30)
STALE_SENDING = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def stale_after() -> timedelta:
    """How long a claim may be in flight: STALE_SENDING, or longer if Twilio's timeout is longer."""
    from flask import current_app

    return max(STALE_SENDING, timedelta(seconds=3 * current_app.config["SHELTER"].twilio_timeout_seconds))


def mark_stale_sending_unknown(now: datetime) -> int:
    """Messages claimed long ago and never finished (a crash): ``unknown``, never resent."""
    result = db.session.execute(
        sa.update(OutboundMessage)
        .where(OutboundMessage.status == MessageStatus.SENDING.value,
               OutboundMessage.updated_at < now - stale_after())
        .values(status=MessageStatus.UNKNOWN.value, last_error="interrupted", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("SMS outbox: %d message(s) left sending by an interrupted delivery are now unknown",
                    result.rowcount)
    return result.rowcount


def _due_ids(now: datetime, limit: int) -> list[int]:
    ids = list(db.session.scalars(
        sa.select(OutboundMessage.id)
        .where(OutboundMessage.status == MessageStatus.QUEUED.value, OutboundMessage.next_attempt_at <= now)
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(limit)
    ))
    db.session.commit()  # end the read: claims are short transactions of their own
    return ids


def claim(message_id: int, now: datetime) -> bool:
    """queued and due → sending, attempts + 1, committed. False when someone else was first."""
    result = db.session.execute(
        sa.update(OutboundMessage)
        .where(OutboundMessage.id == message_id,
               OutboundMessage.status == MessageStatus.QUEUED.value,
               OutboundMessage.next_attempt_at <= now)
        .values(status=MessageStatus.SENDING.value, attempts=OutboundMessage.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def record_outcome(message: OutboundMessage, outcome: gateways.Outcome, now: datetime) -> str:
    """Write what the gateway said onto a message we claimed; returns its status afterwards.

    A status callback may have arrived while we waited for the provider's answer (the message is
    then already ``sent`` or ``delivered``): we add the provider id but never move it backwards.
    """
    if message.status not in (MessageStatus.SENDING.value, MessageStatus.UNKNOWN.value):
        if outcome.kind == gateways.SENT:
            message.provider_sid = message.provider_sid or outcome.provider_sid
            message.sent_at = message.sent_at or now
        return message.status
    message.updated_at = now
    if outcome.kind == gateways.SENT:
        message.status = MessageStatus.SENT.value
        message.provider_sid = outcome.provider_sid
        message.sent_at = now
        message.last_error = None
    elif outcome.kind == gateways.RETRY and message.attempts < MAX_ATTEMPTS:
        message.status = MessageStatus.QUEUED.value
        message.next_attempt_at = now + backoff(message.attempts)
        message.last_error = outcome.error
    elif outcome.kind in (gateways.RETRY, gateways.FAILED):
        # FAILED: refused for good. RETRY with no tries left: every try was refused before anything
        # was created, so certainly not sent.
        message.status = MessageStatus.FAILED.value
        message.last_error = outcome.error
    else:
        message.status = MessageStatus.UNKNOWN.value
        message.last_error = outcome.error
    return message.status


def deliver_due(*, now: datetime | None = None, limit: int = 50) -> int:
    """Send up to ``limit`` due messages; returns how many the provider accepted. Commits itself.

    ``now`` fixes the clock (tests); by default each step reads the real clock, so a claim's time
    is when it was made, however long the batch takes.
    """
    clock = (lambda: now) if now is not None else utcnow
    mark_stale_sending_unknown(clock())
    ids = _due_ids(clock(), limit)
    if not ids:
        return 0
    gateway = gateways.get_gateway()
    try:
        return _deliver(ids, gateway, clock)
    finally:
        gateway.close()


def _deliver(ids: list[int], gateway, clock) -> int:
    sent = 0
    for message_id in ids:
        if not claim(message_id, clock()):
            continue
        message = db.session.get(OutboundMessage, message_id, populate_existing=True)
        envelope = gateways.Envelope(id=message.id, to_number=message.to_number, body=message.body)
        callback = gateways.status_callback_url(message)
        # No transaction (and on SQLite no write lock) is held while we wait for Twilio: the
        # envelope is plain data, so nothing lazy-loads from the database during the call.
        db.session.commit()
        try:
            outcome = gateway.send(envelope, status_callback=callback)
        except Exception:  # a bug in a gateway must not leave the message claimed until it goes stale
            log.exception("SMS id=%s: the gateway failed unexpectedly", message_id)
            outcome = gateways.Outcome(gateways.UNKNOWN, error="gateway_error")
        message = db.session.get(OutboundMessage, message_id, populate_existing=True, with_for_update=True)
        status = record_outcome(message, outcome, clock())
        attempts = message.attempts
        db.session.commit()  # nothing is read after this: no transaction stays open between messages
        log.info("SMS id=%s status=%s attempts=%s%s", message_id, status, attempts,
                 f" error={outcome.error}" if outcome.error else "")
        if outcome.kind == gateways.SENT:
            sent += 1
    return sent
