"""The outbox. ``enqueue`` adds a message to the caller's transaction; the scheduler delivers it.

A message must never carry a resident's name, NIK, an address or a Rumah Aman code name: callers
build bodies from counts and fixed wording only (``tests/notifications`` scans every template).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.notifications.gateways import mask_number  # noqa: F401  (one place for templates and logs)
from shelter.notifications.models import STATUS_RANK, MessageStatus, OutboundMessage

BODY_MAX = 640
FINAL_STATUSES = (MessageStatus.DELIVERED, MessageStatus.FAILED)


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


# --- delivery reports ---------------------------------------------------------------------------

# Twilio's message statuses (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values)
# in ours. Our ``sent`` means "the provider has it", so Twilio's own queued/sending count as sent.
TWILIO_STATUSES = {
    "accepted": MessageStatus.SENT, "scheduled": MessageStatus.SENT, "queued": MessageStatus.SENT,
    "sending": MessageStatus.SENT, "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED, "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.FAILED, "failed": MessageStatus.FAILED, "canceled": MessageStatus.FAILED,
}


def find_for_callback(provider_sid: str | None, message_id: int | None) -> OutboundMessage | None:
    """The message a status callback is about: by Twilio's id, or (when we never learnt that id,
    e.g. a timeout after Twilio accepted it) by our id from the callback URL."""
    if provider_sid:
        message = db.session.scalar(
            sa.select(OutboundMessage).where(OutboundMessage.provider_sid == provider_sid).with_for_update()
        )
        if message is not None:
            return message
    if message_id is not None and 0 < message_id < 2**31:
        return db.session.scalar(
            sa.select(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.provider_sid.is_(None))
            .with_for_update()
        )
    return None


def apply_delivery_report(message: OutboundMessage, provider_sid: str | None, provider_status: str,
                          error_code: str | None = None) -> bool:
    """Move ``message`` forward to what Twilio reports; False when that changes nothing.

    Never backwards: a repeated or late callback (``sent`` after ``delivered`` or ``failed``) is a
    no-op. ``unknown`` moves forward to whatever Twilio says happened. The caller commits.
    """
    target = TWILIO_STATUSES.get(provider_status)
    if target is None:
        return False
    current = MessageStatus(message.status)
    if STATUS_RANK[target] <= STATUS_RANK[current] or current in FINAL_STATUSES:
        return False
    message.status = target.value
    if provider_sid and message.provider_sid is None:
        message.provider_sid = provider_sid
    if target is MessageStatus.FAILED:
        message.last_error = f"{provider_status}:{error_code}" if error_code else provider_status
    elif current is MessageStatus.UNKNOWN:
        message.last_error = None
    if message.sent_at is None:
        message.sent_at = utcnow()
    return True


# --- resend by hand -----------------------------------------------------------------------------

class ResendError(Exception):
    code = "resend_error"


class NotResendable(ResendError):
    """Only failed messages, and unknown ones with an explicit confirmation, are resent."""

    code = "not_resendable"


class DuplicateNotConfirmed(ResendError):
    """An unknown message may have arrived: resending needs the admin to accept a possible double."""

    code = "confirm_duplicate"


class RecipientUnreachable(ResendError):
    """The user has since opted out of SMS, removed their phone or been deactivated."""

    code = "recipient_unreachable"


class AlreadyResent(ResendError):
    code = "already_resent"


RESENDABLE = (MessageStatus.FAILED.value, MessageStatus.UNKNOWN.value)


def resend(message: OutboundMessage, *, by, accept_duplicate: bool = False) -> OutboundMessage:
    """Queue a copy of a failed (or, confirmed, an unknown) message; the caller commits.

    The copy is a new row rather than the old one put back in the queue: the original keeps its
    provider id, error and status (late delivery reports still land on it), the copy gets its own,
    and its dedupe key ``resend:<original id>`` makes a double click (or two admins) queue it once.
    It goes to the user's current number, so a corrected phone helps; never to someone who has
    opted out since.
    """
    from shelter.audit import service as audit
    from shelter.auth.models import User

    if message.status not in RESENDABLE:
        raise NotResendable()
    if message.status == MessageStatus.UNKNOWN.value and not accept_duplicate:
        raise DuplicateNotConfirmed()
    to = message.to_number
    if message.user_id is not None:
        to = sms_recipient(db.session.get(User, message.user_id))
        if to is None:
            raise RecipientUnreachable()
    copy = enqueue(to=to, body=message.body, dedupe_key=f"resend:{message.id}", purpose=message.purpose,
                   user_id=message.user_id)
    if copy is None:
        raise AlreadyResent()
    copy.resend_of_id = message.id
    audit.record("sms.resent", actor=by, target=message,
                 detail={"new_message_id": copy.id, "previous_status": message.status,
                         "last_error": message.last_error})
    return copy
