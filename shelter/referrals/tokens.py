"""Partner tokens: a partner's own system posts referrals and reads their status through the API.

A token belongs to a partner, not to a user: it creates and reads that partner's referrals and
nothing else (the API's request loader makes it a ``PartnerPrincipal``; ``shelter.access`` lets it
reach only the endpoints marked ``partner_allowed``). Admins issue and revoke them on the partner's
page (or ``flask partners token``). The raw token is shown once, on the page or the terminal that
issued it, and never again: only its SHA-256 (hex, the same form as ``shelter.api.auth.hash_token``,
which this layer may not import) is kept. It never goes into a URL, a flash message, a log or an
audit event; the audit carries the token row's id. The caller commits.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from shelter import text
from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.errors import FieldProblems
from shelter.extensions import db
from shelter.referrals.models import Partner, PartnerToken

PREFIX = "shelp_"  # user tokens are "shel_": the prefix tells a partner's token apart at a glance
NAME_MAX = 80
DEFAULT_NAME = "sistem mitra"


class TokenInvalid(FieldProblems, ValueError):
    """Field problems of a token to issue: {field: code}."""


class PartnerInactive(Exception):
    """An inactive partner gets no new token."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_name(name) -> str:
    if not isinstance(name, str):
        raise TokenInvalid({"name": "invalid"})
    name = text.clean(name)
    if not name:
        raise TokenInvalid({"name": "required"})
    if len(name) > NAME_MAX:
        raise TokenInvalid({"name": "too_long"})
    issue = text.problem(name)
    if issue:
        raise TokenInvalid({"name": issue})
    return name


def issue_partner_token(partner: Partner, name: str = DEFAULT_NAME, by=None) -> str:
    """A new token for the partner's system (``by``: the admin issuing it, None from the command line).
    Returns the raw token, once; it is never stored."""
    name = _clean_name(name)
    if not partner.active:
        raise PartnerInactive()
    token = PREFIX + secrets.token_urlsafe(32)
    row = PartnerToken(partner_id=partner.id, token_hash=hash_token(token), name=name,
                       created_by_id=getattr(by, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record("partner_token.issued", actor=by, target=partner, detail={"token_id": row.id})
    return token


def revoke_partner_token(row: PartnerToken, by=None) -> bool:
    """Revoke; it stops working at once. False when it was revoked already."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record("partner_token.revoked", actor=by, target=row.partner, detail={"token_id": row.id})
    return True


def live_token(token: str) -> PartnerToken | None:
    """The token's row if it is not revoked and its partner is active; None otherwise. One statement."""
    if not token.startswith(PREFIX):
        return None
    return db.session.scalar(
        sa.select(PartnerToken).join(Partner, Partner.id == PartnerToken.partner_id)
        .where(PartnerToken.token_hash == hash_token(token), PartnerToken.revoked_at.is_(None),
               Partner.active.is_(True)))


def tokens_of(partner: Partner) -> list[PartnerToken]:
    """A partner's tokens, newest first (never the token itself: only the hash is kept). One statement."""
    return list(db.session.scalars(sa.select(PartnerToken).where(PartnerToken.partner_id == partner.id)
                                   .order_by(PartnerToken.created_at.desc(), PartnerToken.id.desc())))


def find_token(partner: Partner, token_id: int) -> PartnerToken | None:
    return db.session.scalar(sa.select(PartnerToken).where(PartnerToken.id == token_id,
                                                           PartnerToken.partner_id == partner.id))
