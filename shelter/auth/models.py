from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted
from shelter.extensions import db
from shelter.facilities.models import Facility

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITY_MANAGER = "facility_manager"
    INTAKE_STAFF = "intake_staff"
    CASE_MANAGER = "case_manager"
    CASEWORKER = "caseworker"


user_facilities = sa.Table(
    "user_facilities",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("facility_id", sa.ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN (" + ", ".join(f"'{r.value}'" for r in Role) + ")", name="role_allowed"
        ),
    )

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column("is_active", default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    # SMS are not sent to a user who opted out; the same reminders and alerts still show in the app.
    sms_opt_out: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )
    facilities: Mapped[list[Facility]] = relationship(
        secondary=user_facilities, lazy="selectin", order_by=Facility.name
    )

    # Set by the session loader: the raw token of the session this request belongs to, and whether that
    # session must enrol in two-step sign-in before anything else.
    session_token = None
    two_step_due = False

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str | None:  # Flask-Login stores the session token, not the user id
        return self.session_token

    @property
    def roles(self) -> set[Role]:
        return {Role(r.role) for r in self.role_rows}

    @roles.setter
    def roles(self, roles) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [row for row in self.role_rows if Role(row.role) in wanted] + [
            UserRole(role=r.value) for r in sorted(wanted - self.roles)
        ]

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def facility_ids(self) -> set[int]:
        return {f.id for f in self.facilities}

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class UserSession(db.Model):
    """A server-side login session. The cookie carries the token; we keep only its SHA-256."""

    __tablename__ = "user_sessions"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    # The user must enrol in two-step sign-in before any page (shelter/auth/twostep.py): a session of a
    # user for whom it is required, started with the password alone.
    two_step_due: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """Every login attempt and its outcome: a log for people. The throttle counts in LoginThrottle."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_at", "email", "attempted_at"),
        sa.Index("ix_login_attempts_ip_at", "ip_address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    outcome: Mapped[str] = mapped_column(sa.String(16))  # success | failure | locked | throttled


class LoginThrottle(db.Model):
    """Failure counters of one subject of the login throttle: an account (its email), a client address
    or a device cookie (its random id). Changed only by conditional UPDATEs in shelter/auth/throttle.py,
    so that the database, not a process after a read, decides whether a password may be checked."""

    __tablename__ = "login_throttles"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('account', 'address', 'device', 'two_step')", name="kind_allowed"),
    )

    kind: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    # Attempts counted in the short window (reserved before the password check, refunded on success).
    failures: Mapped[int]
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The same in the long window (a day).
    long_failures: Mapped[int]
    long_window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Locks in a row: the next lasts 2**lockouts times the first; forgotten a day after a lock ends.
    lockouts: Mapped[int]


class TwoStep(db.Model):
    """A user's authenticator (TOTP, RFC 6238). Enrolled once ``confirmed_at`` is set; an admin's reset
    empties it and sets ``reset_at``: the user enrols again at the next login."""

    __tablename__ = "two_step"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str | None] = mapped_column(Encrypted("two_step.secret"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last code accepted: a code is taken only for a later step (no code twice).
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(db.Model):
    """One of the ten one-time recovery codes, hashed (argon2id) like a password; shown once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrustedBrowser(db.Model):
    """"Remember this browser for 30 days": the cookie holds a random token, this table its SHA-256, so
    the server can end it (logout everywhere, password change, a reset)."""

    __tablename__ = "trusted_browsers"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
