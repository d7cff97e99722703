from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the provider may or may not have it: never resent automatically


# How far along a message is. A status callback only ever moves a message to a higher rank, so a
# late or repeated callback changes nothing. ``unknown`` sits where ``sending`` does: the provider
# may tell us later what became of it. ``failed`` and ``delivered`` are final.
STATUS_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.UNKNOWN: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.FAILED: 3,
}


class OutboundMessage(db.Model):
    """One SMS. Written in the transaction of the action that caused it; delivered by the scheduler.

    ``dedupe_key`` is UNIQUE: the same reminder or alert can be enqueued any number of times
    (two schedulers, a retried job) and exists, and is sent, once.
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN (" + ", ".join(f"'{s.value}'" for s in MessageStatus) + ")", name="status_allowed"
        ),
        sa.Index("ix_outbound_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # What caused it ("followup.reminder", "capacity.alert", …): for the admin's list, never content.
    purpose: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_number: Mapped[str] = mapped_column(sa.String(20))
    body: Mapped[str] = mapped_column(sa.String(640))
    status: Mapped[str] = mapped_column(sa.String(16), default=MessageStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    provider_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A resend by hand is a new row (its own dedupe key, provider id and callbacks) pointing here.
    resend_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbound_messages.id", ondelete="SET NULL"), index=True
    )
