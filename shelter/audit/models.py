from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AuditEvent(db.Model):
    """Append-only: the database refuses UPDATE and DELETE (triggers in the migration).

    ``detail`` holds ids and field names, never a resident's name, NIK or a safe-house address.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(sa.String(32))
    target_id: Mapped[int | None] = mapped_column(sa.Integer)
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor = relationship("User", lazy="raise")
    facility = relationship("Facility", lazy="raise")
