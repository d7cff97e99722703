"""Bearer tokens for the JSON API. A token acts as its user, with the user's roles and scope."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from shelter.api.models import ApiToken
from shelter.db import utcnow
from shelter.extensions import db

PREFIX = "shel_"


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
    need not change their password first."""
    if not request.path.startswith("/api/"):
        return None
    token = bearer_token(request)
    if token is None:
        return None
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None or not api_token.user.active:
        return None
    if api_token.user.must_change_password:
        # The login check would answer with a redirect to the password page, which means nothing to
        # a partner system: refuse the token (401) until the user has chosen a new password.
        return None
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=5):
        api_token.last_used_at = now
        db.session.commit()
    return api_token.user


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
