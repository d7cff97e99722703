"""The queries behind admin/_users_table.html, with the eager loads that partial needs."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from shelter.auth.models import User, UserRole
from shelter.extensions import db
from shelter.pagination import Page, clamp_page
from shelter.facilities.models import Facility

PER_PAGE = 25


@dataclass(frozen=True)
class UserFilters:
    q: str = ""
    role: str = ""
    facility_id: int | None = None
    status: str = ""  # "" | "active" | "inactive"




def _filtered(filters: UserFilters) -> sa.Select:
    query = sa.select(User)
    if filters.q:
        query = query.where(sa.or_(User.full_name.icontains(filters.q, autoescape=True),
                                   User.email.icontains(filters.q, autoescape=True)))
    if filters.role:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == filters.role)))
    if filters.facility_id is not None:
        query = query.where(User.facilities.any(Facility.id == filters.facility_id))
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(User.active.is_(False))
    return query


def users_page(filters: UserFilters, page: int = 1) -> Page:
    """One page of users, by name. A page past the end shows the last page.

    Statements: one count, one page of users, and one each for their roles and facilities
    (``selectin`` on the model), however many rows.
    """
    query = _filtered(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = clamp_page(page, total, PER_PAGE)
    items = list(db.session.scalars(
        query.order_by(User.full_name, User.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ))
    return Page(items=items, page=page, per_page=PER_PAGE, total=total)


def facility_choices() -> list[tuple[str, str]]:
    """Every facility (inactive ones too, so a user can be taken off one), by name."""
    rows = db.session.execute(
        sa.select(Facility.id, Facility.name, Facility.is_active).order_by(Facility.name, Facility.id)
    ).all()
    return [(str(id_), name if active else _("%(name)s (inactive)", name=name)) for id_, name, active in rows]
