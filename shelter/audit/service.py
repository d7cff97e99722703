"""Record audit events. Callers pass ids and field names; never a resident's name, NIK or an address."""

from __future__ import annotations

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from shelter.audit.models import AuditEvent
from shelter.db import utcnow
from shelter.extensions import db


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def _values(action: str, *, actor=None, target=None, facility_id: int | None = None,
            detail: dict | None = None, actor_email: str | None = None) -> dict:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if getattr(actor, "is_partner", False):
        # A partner's system (api.auth.PartnerPrincipal) is no user: never an actor_id, only its token's id.
        actor_email = f"partner-token:{actor.token_id}"
        actor = None
    target_type = target_id = None
    if target is not None:
        target_type = target.__tablename__
        target_id = target.id
        if facility_id is None and target_type == "facilities":
            facility_id = target.id
    return dict(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else actor_email,
        target_type=target_type,
        target_id=target_id,
        facility_id=facility_id,
        ip_address=client_ip(),
        detail=detail or {},
    )


def record(action: str, *, actor=None, target=None, facility_id: int | None = None,
           detail: dict | None = None, actor_email: str | None = None) -> AuditEvent:
    """Add an audit event to the current transaction (committed with the action it describes)."""
    event = AuditEvent(**_values(action, actor=actor, target=target, facility_id=facility_id, detail=detail,
                                 actor_email=actor_email))
    db.session.add(event)
    return event


def append(action: str, *, actor=None, target=None, facility_id: int | None = None,
           detail: dict | None = None, actor_email: str | None = None) -> None:
    """Like ``record``, for events written on every showing of a page (a resident's record): one plain
    INSERT in the current transaction, now, without the ORM's unit of work (no object, no id read
    back). Committed, or rolled back, with the transaction, like ``record``'s."""
    values = _values(action, actor=actor, target=target, facility_id=facility_id, detail=detail,
                     actor_email=actor_email)
    values["occurred_at"] = utcnow()
    db.session.execute(sa.insert(AuditEvent.__table__).values(**values))
