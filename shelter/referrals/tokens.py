"""Partner tokens: a partner's own system posts referrals and reads their status through the API.

A token belongs to a partner, not to a user: it creates and reads that partner's referrals and
nothing else (the API's request loader makes it a ``PartnerPrincipal``; ``shelter.access`` lets it
reach only the endpoints marked ``partner_allowed``). The raw token is shown once; only its SHA-256
is kept. Issuing and revoking are audited with ids only; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.referrals.models import Partner, PartnerToken

PREFIX = "shelp_"  # user tokens are "shel_": the prefix tells a partner's token apart at a glance
NAME_MAX = 80


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_partner_token(partner: Partner, name: str = "", by=None) -> str:
    """A new token for ``partner`` (``by``: the admin issuing it, None from the command line). Returns the
    raw token, once; it is never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = PartnerToken(partner_id=partner.id, token_hash=hash_token(token), name=(name or "").strip()[:NAME_MAX],
                       created_by_id=getattr(by, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("partner_token.created", actor=by, target=row, detail={"partner_id": partner.id})
    return token


def revoke_partner_token(row: PartnerToken, by=None) -> bool:
    """Revoke; it stops working at once. Returns whether anything changed."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record("partner_token.revoked", actor=by, target=row, detail={"partner_id": row.partner_id})
    return True


def live_token(token: str) -> PartnerToken | None:
    """The token's row if it is not revoked and its partner is active; None otherwise. One statement."""
    if not token.startswith(PREFIX):
        return None
    return db.session.scalar(
        sa.select(PartnerToken).join(Partner, Partner.id == PartnerToken.partner_id)
        .where(PartnerToken.token_hash == hash_token(token), PartnerToken.revoked_at.is_(None),
               Partner.active.is_(True)))


def tokens_of(partner_id: int) -> list[PartnerToken]:
    """A partner's tokens, newest first (never the token itself: only the hash is kept)."""
    return list(db.session.scalars(sa.select(PartnerToken).where(PartnerToken.partner_id == partner_id)
                                   .order_by(PartnerToken.id.desc())))
