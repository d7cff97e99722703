"""User administration: create, edit, deactivate, reactivate, reset a password.

Each function changes one user inside the caller's transaction and records its audit event there;
the caller (a view, the CLI) commits once. Rules are checked before anything is changed, so a
refused action leaves nothing half-written. Errors are domain errors; views turn them into
messages next to the right field.
"""

from __future__ import annotations

import sqlalchemy as sa

from shelter.audit import service as audit
from shelter.auth import service as auth
from shelter.auth.models import Role, User
from shelter.auth.passwords import check_policy, hash_password
from shelter.db import utcnow
from shelter.extensions import db
from shelter.phones import InvalidPhone  # noqa: F401  (the forms catch it from here)
from shelter.phones import to_e164 as parse_phone
from shelter.facilities.models import Facility

EmailTaken = auth.EmailTaken


class UserAdminError(Exception):
    """Base of the refusals below; the message a user sees is chosen by the view."""


class CannotDemoteSelf(UserAdminError):
    pass


class CannotDeactivateSelf(UserAdminError):
    pass


class CannotResetOwnPassword(UserAdminError):
    """An admin changes their own password on the change-password page (it asks for the old one)."""


class NoRoles(UserAdminError):
    pass




def _roles(roles) -> set[Role]:
    wanted = {Role(r) for r in roles}
    if not wanted:
        raise NoRoles()
    return wanted


def create_user(*, email: str, full_name: str, password: str, roles, facilities=(),
                phone: str | None = None, by: User) -> User:
    """Create an account with an initial password the user must change at first login."""
    roles = _roles(roles)
    check_policy(password)
    phone = parse_phone(phone)
    try:
        # A savepoint: a concurrent insert of the same email fails here, not at the commit.
        with db.session.begin_nested():
            user = auth.create_user(email=email, full_name=full_name, password=password, roles=roles,
                                    facilities=facilities, must_change_password=True, by=by)
            user.phone = phone
    except sa.exc.IntegrityError:
        raise EmailTaken(auth.normalise_email(email)) from None
    return user


def update_user(user: User, *, full_name: str, roles, facilities, phone: str | None,
                by: User) -> list[str]:
    """Apply an edit; returns the names of the fields that changed (empty: nothing to record)."""
    roles = _roles(roles)
    phone = parse_phone(phone)
    full_name = full_name.strip()
    facilities = sorted(set(facilities), key=lambda f: f.id)
    if user.id == by.id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        raise CannotDemoteSelf()

    changed = []
    detail: dict = {}
    if full_name != user.full_name:
        user.full_name = full_name
        changed.append("full_name")
    if roles != user.roles:
        user.roles = roles
        changed.append("roles")
        detail["roles"] = sorted(roles)
    if {f.id for f in facilities} != user.facility_ids:
        user.facilities = facilities
        changed.append("facilities")
        detail["facility_ids"] = [f.id for f in facilities]
    if phone != user.phone:
        user.phone = phone
        changed.append("phone")
    if changed:
        audit.record("user.updated", actor=by, target=user, detail={"fields": changed, **detail})
    return changed


def deactivate_user(user: User, *, by: User) -> bool:
    """Block the account and end its sessions at once. False when it was already inactive."""
    if user.id == by.id:
        raise CannotDeactivateSelf()
    if not user.active:
        return False
    user.active = False
    revoked = auth.revoke_all_sessions(user)
    audit.record("user.deactivated", actor=by, target=user, detail={"sessions_revoked": revoked})
    return True


def reactivate_user(user: User, *, by: User) -> bool:
    """Let the account log in again. False when it was already active."""
    if user.active:
        return False
    user.active = True
    audit.record("user.reactivated", actor=by, target=user)
    return True


def reset_password(user: User, new_password: str, *, by: User) -> None:
    """Set a new initial password: the user must change it at next login; their sessions end."""
    if user.id == by.id:
        raise CannotResetOwnPassword()
    user.password_hash = hash_password(new_password)  # refuses an over-long password before hashing
    user.password_changed_at = utcnow()
    user.must_change_password = True
    revoked = auth.revoke_all_sessions(user)
    audit.record("user.password_reset", actor=by, target=user, detail={"sessions_revoked": revoked})


def get_facilities(ids) -> list[Facility]:
    """Facilities by id; the caller has already checked every id against the offered choices."""
    ids = set(ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Facility).where(Facility.id.in_(ids))))
