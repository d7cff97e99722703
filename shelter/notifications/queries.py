"""The query behind notifications/_outbox_table.html."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from shelter.extensions import db
from shelter.notifications.models import OutboundMessage
from shelter.pagination import Page, clamp_page

PER_PAGE = 50


@dataclass(frozen=True)
class OutboxFilters:
    status: str = ""
    purpose: str = ""


def purposes() -> list[str]:
    return list(db.session.scalars(sa.select(OutboundMessage.purpose).distinct().order_by(OutboundMessage.purpose)))


def outbox_page(filters: OutboxFilters, page: int = 1) -> Page:
    """Newest first. Three statements however many rows: a count, the page, and which of them
    were resent already (so the table can say so instead of offering the button again)."""
    query = sa.select(OutboundMessage)
    if filters.status:
        query = query.where(OutboundMessage.status == filters.status)
    if filters.purpose:
        query = query.where(OutboundMessage.purpose == filters.purpose)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = clamp_page(page, total, PER_PAGE)
    items = list(db.session.scalars(
        query.order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ))
    return Page(items=items, page=page, per_page=PER_PAGE, total=total)


def resends_of(messages) -> dict[int, int]:
    """original id → id of its resend, for these messages."""
    ids = [m.id for m in messages]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(OutboundMessage.resend_of_id, OutboundMessage.id).where(OutboundMessage.resend_of_id.in_(ids))
    )
    return {original: copy for original, copy in rows}
