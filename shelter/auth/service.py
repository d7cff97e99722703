"""Accounts, login throttling and server-side sessions.

Services raise domain errors; views turn them into messages, the CLI into exit codes.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from shelter.audit import service as audit
from shelter.auth import devices, throttle, twostep
from shelter.auth.models import LoginAttempt, TrustedBrowser, User, UserSession
from shelter.auth.passwords import check_policy, hash_password, verify_password
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Facility


class AuthError(Exception):
    """Base of the login errors; the message a user sees is chosen by the view."""


class InvalidCredentials(AuthError):
    pass


class AccountLocked(AuthError):
    def __init__(self, until: datetime):
        super().__init__("account locked")
        self.until = until


class AddressThrottled(AuthError):
    pass


class EmailTaken(ValueError):
    pass


class UnknownFacility(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _config():
    return current_app.config["SHELTER"]


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- accounts ---------------------------------------------------------------------------------

def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def facilities_by_code(codes) -> list[Facility]:
    codes = [c.strip().upper() for c in codes]
    found = db.session.scalars(sa.select(Facility).where(Facility.code.in_(codes))).all()
    missing = set(codes) - {f.code for f in found}
    if missing:
        raise UnknownFacility(sorted(missing)[0])
    return sorted(found, key=lambda f: f.code)


def create_user(*, email: str, full_name: str, password: str, roles, facilities=(),
                must_change_password: bool = False, by: User | None = None) -> User:
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    user.roles = roles
    user.facilities = list(facilities)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=by, target=user,
                 detail={"roles": sorted(user.roles), "facility_ids": sorted(user.facility_ids)})
    return user


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every session of this user (the caller may start a new one)."""
    check_policy(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    revoke_all_sessions(user)
    db.session.execute(sa.update(TrustedBrowser).where(TrustedBrowser.user_id == user.id,
                                                       TrustedBrowser.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    audit.record("user.password_changed", actor=user, target=user)


# --- login -------------------------------------------------------------------------------------

def _record_attempt(email: str, ip: str | None, outcome: str) -> None:
    # The log of attempts (what the throttle refused, too); the counting is in shelter/auth/throttle.py.
    db.session.add(LoginAttempt(email=email, ip_address=ip, outcome=outcome))


def authenticate(email: str, password: str, ip: str | None, device_token: str | None = None) -> User:
    """Check a login. Records the attempt and its audit event; the caller commits.

    A browser whose device cookie is valid for this account is counted against that cookie alone;
    any other attempt against its client address and the account (see ``devices`` and ``throttle``).
    Raises AddressThrottled, AccountLocked or InvalidCredentials. A refused attempt never has its
    password checked, even the right one.

    Commits once itself, between counting the attempt and checking the password: the count must be in
    the database before the check, or parallel attempts would all see room for one more.
    """
    email = normalise_email(email)[:254]
    now = utcnow()
    limits = throttle.limits(_config())
    user = get_user_by_email(email)
    user_id, password_hash = (user.id, user.password_hash) if user else (None, None)
    counted: list[tuple[throttle.Limit, str]] = []

    device = devices.device_id(device_token, user)
    if device is not None and throttle.reserve(limits.device, device, now):
        counted.append((limits.device, device))
    else:  # no cookie, not for this account, or locked in its turn: a stranger, limited as one
        if ip is not None:
            if not throttle.reserve(limits.address, ip, now):
                _record_attempt(email, ip, "throttled")
                audit.record("auth.login.throttled", actor_email=email)
                raise AddressThrottled()
            counted.append((limits.address, ip))
        if not throttle.reserve(limits.account, email, now):
            if ip is not None:  # refused attempts from an address count against it, as failures do
                throttle.lock_if_over(limits.address, ip, now)
            until = throttle.refused_until(limits.account, email, now)
            _record_attempt(email, ip, "locked")
            audit.record("auth.login.locked", actor_email=email)
            raise AccountLocked(until)
        counted.append((limits.account, email))
    db.session.commit()

    ok = verify_password(password_hash, password)
    user = db.session.get(User, user_id) if user_id is not None else None
    if not ok or user is None or not user.active:
        _record_attempt(email, ip, "failure")
        audit.record("auth.login.failure", actor_email=email,
                     detail={"reason": "inactive" if (ok and user) else "bad_credentials"})
        for limit, subject in counted:
            if throttle.lock_if_over(limit, subject, now) and limit.kind == "account":
                audit.record("auth.account_locked", actor_email=email)
        raise InvalidCredentials()
    for limit, subject in counted:
        throttle.refund(limit, subject)
    _record_attempt(email, ip, "success")
    audit.record("auth.login.success", actor=user, target=user)
    return user


# --- sessions ------------------------------------------------------------------------------------

def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, ip: str | None) -> str:
    """Create a new server-side session and return its token (for the signed cookie)."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash_token(token), user_id=user.id, ip_address=ip,
                               two_step_due=twostep.enrolment_due(user)))
    user.session_token = token
    return token


def _session_with_user(token_hash: str) -> UserSession | None:
    """The session with its user, the user's roles and facilities, in one statement (every request
    loads them: joined, not the three statements of the relationships' own loading)."""
    global _session_statement
    if _session_statement is None:  # built once (every request runs it)
        user = orm.joinedload(UserSession.user)
        _session_statement = (sa.select(UserSession).where(UserSession.token_hash == sa.bindparam("token_hash"))
                              .options(user.joinedload(User.role_rows), user.joinedload(User.facilities)))
    return db.session.execute(_session_statement, {"token_hash": token_hash}).unique().scalar_one_or_none()


_session_statement = None


def load_session(token: str | None, *, touch: bool = True) -> User | None:
    """The user of a live session, or None when it is unknown, revoked, idle or too old.

    ``touch=False`` (a background poll) reads the session without counting as activity.
    """
    if not token or len(token) > 100:
        return None
    session = _session_with_user(_hash_token(token))
    if session is None or session.revoked_at is not None:
        return None
    config = _config()
    now = utcnow()
    if now - session.last_seen_at > timedelta(minutes=config.session_idle_minutes):
        return None
    if now - session.created_at > timedelta(hours=config.session_max_hours):
        return None
    user = session.user
    if not user.active:
        return None
    # Touch at most once a minute: enough precision for a 30-minute idle limit.
    if touch and now - session.last_seen_at > timedelta(seconds=60):
        session.last_seen_at = now
        db.session.commit()
    user.session_token = token
    user.two_step_due = session.two_step_due
    return user


def revoke_all_sessions(user: User) -> int:
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount
