"""Bearer tokens for the JSON API. A user's token ("shel_…") acts as its user, with the user's roles and
scope; a partner's token ("shelp_…", ``shelter.referrals.tokens``) acts as a ``PartnerPrincipal``: no
user, no role, no facility, and only the endpoints marked ``access.partner_allowed``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from shelter.api.models import ApiToken
from shelter.auth.models import User
from shelter.db import utcnow
from shelter.extensions import db
from shelter.referrals import tokens as partner_tokens

PREFIX = "shel_"
LAST_USED_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often per token


class PartnerPrincipal:
    """Who calls with a live partner token: a partner's system, never a user. Not an admin, no role, no
    facility, so every scope rule of ``shelter.access`` says no; ``id`` is None so it can never be taken
    for a user's id (audit, ``recorded_by_id``, ``case_manager_id``)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_partner = True
    is_admin = False
    must_change_password = False
    id = None
    email = None
    full_name = None
    locale = None

    def __init__(self, token):
        self.partner_id: int = token.partner_id
        self.token_id: int = token.id
        self.facility_ids: frozenset[int] = frozenset()

    def has_role(self, *roles) -> bool:
        return False

    def get_id(self):  # Flask-Login: never put into a session
        return None

    def __repr__(self) -> str:
        return f"<PartnerPrincipal token {self.token_id}>"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[len("Bearer "):].strip()
    return token if 0 < len(token) <= 100 else None


def issue_token(user, name: str = "") -> str:
    """Create a token for ``user``; the caller commits. The raw token is returned once, never stored."""
    from shelter.audit import service as audit

    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=hash_token(token), name=name[:80])
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.created", target=row, detail={"user_id": user.id, "name": row.name})
    return token


def revoke_token(row: ApiToken) -> bool:
    """Revoke; the caller commits. Returns whether anything changed."""
    from shelter.audit import service as audit

    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record("api_token.revoked", target=row, detail={"user_id": row.user_id})
    return True


def load_user_from_request(request):
    """Flask-Login request loader: only for /api/ paths, only with a live token of an active user who
    need not change their password first, or a ``PartnerPrincipal`` for a live partner token (partner
    active, token not revoked)."""
    if not request.path.startswith("/api/"):
        return None
    token = bearer_token(request)
    if token is None:
        return None
    if token.startswith(partner_tokens.PREFIX):
        return _partner(token)
    # The token, its user, the user's roles and facilities: one statement (joined eager loads).
    user = orm.joinedload(ApiToken.user)
    api_token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        .options(user.joinedload(User.role_rows), user.joinedload(User.facilities))
    ).unique().scalar_one_or_none()
    if api_token is None or not api_token.user.active:
        return None
    if api_token.user.must_change_password:
        # The login check would answer with a redirect to the password page, which means nothing to
        # a partner system: refuse the token (401) until the user has chosen a new password.
        return None
    _mark_used(api_token)
    return api_token.user


def _partner(token: str) -> PartnerPrincipal | None:
    row = partner_tokens.live_token(token)
    if row is None:
        return None
    principal = PartnerPrincipal(row)  # before the commit expires the row
    _mark_used(row)
    return principal


def _mark_used(row) -> None:
    """Record the use, cheaply: one UPDATE every few minutes per token, not one per request."""
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        row.last_used_at = now
        db.session.commit()


def register(login_manager) -> None:
    login_manager.request_loader(load_user_from_request)


def csrf_unless_bearer(csrf):
    """before_request: CSRF for every state-changing request except API calls that carry no session
    cookie: with a bearer token or with nothing at all (then the login check answers 401), a forged
    cross-site request has no cookie to ride on. An API call that does send the session cookie needs
    the X-CSRFToken header, even when it also sends an Authorization header (the cookie's session
    would win, so the header must not switch the check off)."""
    from flask import current_app, request

    def check():
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        if request.path.startswith("/api/") and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return
        if getattr(current_app.view_functions.get(request.endpoint), "csrf_exempt", False):
            return  # a webhook that authenticates its sender instead (Twilio's signature)
        csrf.protect()

    return check
