"""The query behind the partners table (templates/referrals/_partners_table.html): two statements,
a count and a page, whatever the number of partners."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from shelter.extensions import db
from shelter.pagination import Page, clamp_page
from shelter.referrals.models import Partner

PER_PAGE = 25


@dataclass(frozen=True)
class PartnerFilters:
    kind: str = ""
    kota: str = ""
    status: str = ""  # "" | "active" | "inactive"

    def args(self) -> dict[str, str]:
        return {k: v for k, v in (("kind", self.kind), ("kota", self.kota), ("status", self.status)) if v}


def partners_page(filters: PartnerFilters, page: int = 1) -> Page:
    """One page of partners by name; a page past the end shows the last one."""
    query = sa.select(Partner)
    if filters.kind:
        query = query.where(Partner.kind == filters.kind)
    if filters.kota:
        query = query.where(Partner.kota == filters.kota)
    if filters.status == "active":
        query = query.where(Partner.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(Partner.active.is_(False))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = clamp_page(page, total, PER_PAGE)
    items = list(db.session.scalars(query.order_by(Partner.name, Partner.id)
                                    .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return Page(items=items, page=page, per_page=PER_PAGE, total=total)


def get_partner(partner_id: int) -> Partner | None:
    return db.session.get(Partner, partner_id)
