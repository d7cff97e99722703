"""Two-step sign-in (issue 14): after the password, a code from an authenticator app (TOTP, RFC 6238).

Required for admins and for every user of a Rumah Aman (``TWO_STEP_FOR_ALL``: everyone), and for a user
whose two-step sign-in an admin reset; optional for the others. A session started with the password alone
by a user who must enrol carries ``two_step_due``: ``access.enforce_login`` sends every page to enrolment.

- Codes: 30-second steps, one step of clock drift either way. A code is accepted only for a step later
  than the last accepted one, by one conditional UPDATE (``last_step``): no code works twice, even for two
  requests at once.
- Throttled like passwords (``throttle``, kind ``two_step``, per user): the attempt is counted and
  committed before the code is checked; a right code gives it back; five wrong ones lock the second step.
- Recovery codes: ten, shown once, stored as argon2id hashes; each is marked used by a conditional UPDATE.
- "Remember this browser": a random token in a cookie, its SHA-256 in ``trusted_browsers`` (30 days), so a
  reset or a password change ends it on the server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from shelter.audit import service as audit
from shelter.auth import throttle
from shelter.auth.models import RecoveryCode, TrustedBrowser, TwoStep, User, UserSession
from shelter.auth.passwords import hash_password, verify_password
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import FacilityKind

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
RECOVERY_LENGTH = 10
REMEMBER_DAYS = 30
TRUST_COOKIE = "shelter_trusted"
MAX_TRUSTED_IN_COOKIE = 8
ISSUER = "Shelter"


class CodeRefused(Exception):
    """A wrong, expired, reused or malformed code (the user sees one message for all)."""


class CodesLocked(Exception):
    def __init__(self, until: datetime):
        super().__init__("two-step locked")
        self.until = until


def _config():
    return current_app.config["SHELTER"]


def _limit() -> throttle.Limit:
    account = throttle.limits(_config()).account
    return throttle.Limit(**{**account.__dict__, "kind": "two_step"})


# --- who needs it -------------------------------------------------------------------------------

def record_of(user: User) -> TwoStep | None:
    return db.session.get(TwoStep, user.id)


def is_enrolled(user: User) -> bool:
    row = record_of(user)
    return row is not None and row.confirmed_at is not None and row.secret is not None


def required_for(user: User) -> bool:
    if _config().two_step_for_all or user.is_admin:
        return True
    if any(f.kind == FacilityKind.RUMAH_AMAN for f in user.facilities):
        return True
    row = record_of(user)
    return row is not None and row.reset_at is not None


def enrolment_due(user: User) -> bool:
    return required_for(user) and not is_enrolled(user)


# --- enrolment ----------------------------------------------------------------------------------------

def pending_secret(user: User) -> str:
    """The secret being enrolled: made once and kept (encrypted) until confirmed, so a reload shows the
    same QR code."""
    row = record_of(user)
    if row is None:
        row = TwoStep(user_id=user.id)
        db.session.add(row)
    if row.confirmed_at is not None:
        raise ValueError("already enrolled")
    if row.secret is None:
        row.secret = pyotp.random_base32()
    return row.secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as an inline SVG (drawn here: the secret never leaves the server)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def confirm(user: User, code: str) -> list[str]:
    """Finish enrolment with a first code; returns the recovery codes (to show once). The caller commits.
    Raises CodeRefused or CodesLocked."""
    row = record_of(user)
    if row is None or row.secret is None or row.confirmed_at is not None:
        raise CodeRefused()
    check_code(user, code)
    row.confirmed_at, row.reset_at = utcnow(), None
    codes = _new_recovery_codes(user)
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id).values(two_step_due=False))
    audit.record("auth.two_step.enrolled", actor=user, target=user)
    return codes


# --- checking codes ------------------------------------------------------------------------------------

def _normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()[:64]


def _reserve(user: User, now: datetime) -> None:
    limit = _limit()
    if not throttle.reserve(limit, str(user.id), now):
        until = throttle.refused_until(limit, str(user.id), now)
        audit.record("auth.two_step.locked", actor=user, target=user)
        db.session.commit()
        raise CodesLocked(until)
    db.session.commit()  # the count is in the database before the code is checked


def _failed(user: User, now: datetime) -> None:
    if throttle.lock_if_over(_limit(), str(user.id), now):
        audit.record("auth.two_step.locked", actor=user, target=user)
    audit.record("auth.two_step.failure", actor=user, target=user)
    db.session.commit()
    raise CodeRefused()


def _matching_step(secret: str, code: str, at: float) -> int | None:
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now_step = int(at // STEP_SECONDS)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_code(user: User, code: str, *, at: float | None = None) -> None:
    """Accept one authenticator code for ``user``, once. Raises CodeRefused or CodesLocked."""
    now = utcnow()
    code = _normalise(code)
    _reserve(user, now)
    row = record_of(user)
    step = None
    if row is not None and row.secret and len(code) == 6 and code.isascii() and code.isdigit():
        step = _matching_step(row.secret, code, time.time() if at is None else at)
    accepted = step is not None and db.session.execute(
        sa.update(TwoStep).where(TwoStep.user_id == user.id,
                                 sa.or_(TwoStep.last_step.is_(None), TwoStep.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False)
    ).rowcount == 1
    if not accepted:
        _failed(user, now)
    throttle.refund(_limit(), str(user.id))


def check_recovery_code(user: User, code: str) -> int:
    """Accept one unused recovery code, and mark it used; returns how many are left."""
    now = utcnow()
    code = _normalise(code)
    _reserve(user, now)
    used = None
    if len(code) == RECOVERY_LENGTH:
        for row in db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                                   RecoveryCode.used_at.is_(None))):
            if verify_password(row.code_hash, code):
                used = row.id
                break
    if used is None or db.session.execute(
            sa.update(RecoveryCode).where(RecoveryCode.id == used, RecoveryCode.used_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False)).rowcount != 1:
        _failed(user, now)
    throttle.refund(_limit(), str(user.id))
    audit.record("auth.two_step.recovery_code_used", actor=user, target=user)
    return recovery_codes_left(user)


def check_any(user: User, code: str) -> bool:
    """A 6-digit code from the app, or a recovery code; True when it was a recovery code."""
    if len(_normalise(code)) == RECOVERY_LENGTH:
        check_recovery_code(user, code)
        return True
    check_code(user, code)
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- remembered browsers ------------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cookie_tokens(value: str | None) -> list[str]:
    if not value or len(value) > 1000:
        return []
    return [t for t in value.split(".") if 20 <= len(t) <= 64][:MAX_TRUSTED_IN_COOKIE]


def is_trusted(user: User, cookie: str | None) -> bool:
    hashes = [_hash(t) for t in cookie_tokens(cookie)]
    if not hashes:
        return False
    return db.session.scalar(sa.select(sa.func.count()).select_from(TrustedBrowser).where(
        TrustedBrowser.token_hash.in_(hashes), TrustedBrowser.user_id == user.id,
        TrustedBrowser.revoked_at.is_(None), TrustedBrowser.expires_at > utcnow())) > 0


def trust_browser(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(TrustedBrowser(token_hash=_hash(token), user_id=user.id,
                                  expires_at=utcnow() + timedelta(days=REMEMBER_DAYS)))
    return token


def remember(response, cookie: str | None, token: str) -> None:
    tokens = [token, *cookie_tokens(cookie)][:MAX_TRUSTED_IN_COOKIE]
    response.set_cookie(TRUST_COOKIE, ".".join(tokens), max_age=REMEMBER_DAYS * 86400, path="/",
                        httponly=True, secure=_config().secure_cookies, samesite="Lax")


def forget_browsers(user: User) -> None:
    db.session.execute(sa.update(TrustedBrowser).where(TrustedBrowser.user_id == user.id,
                                                       TrustedBrowser.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


# --- reset by an admin -------------------------------------------------------------------------------------

def reset(user: User, *, by: User) -> None:
    """Forget the user's authenticator, recovery codes and remembered browsers, end their sessions; they
    enrol again at the next login. Audited (ids only). The caller commits."""
    row = record_of(user)
    if row is None:
        row = TwoStep(user_id=user.id)
        db.session.add(row)
    row.secret, row.confirmed_at, row.last_step, row.reset_at = None, None, None, utcnow()
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    forget_browsers(user)
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id,
                                                    UserSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    audit.record("auth.two_step.reset", actor=by, target=user)
