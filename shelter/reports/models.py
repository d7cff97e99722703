"""Signed monthly reports: who signed which month's report for which scope, when, and exactly what.

A sign-off freezes the report as it was shown (``snapshot``: the whole ``Report`` as JSON, see
``reports.snapshot``), so the signed version reads and downloads the same however the records change
later. Signing again after the figures changed (a late discharge entered, a correction) adds the next
version; nothing is ever updated or deleted, and every version stays readable.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db


class ReportSignoff(db.Model):
    __tablename__ = "report_signoffs"
    __table_args__ = (
        sa.UniqueConstraint("scope_key", "month", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # ReportScope.key: "facility-12" or "province" (ids and codes only, never a name).
    scope_key: Mapped[str] = mapped_column(sa.String(64))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    month: Mapped[date] = mapped_column(sa.Date)  # the month's first day (WIB)
    version: Mapped[int] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    signed_by_name: Mapped[str] = mapped_column(sa.String(120))  # as it was when signed
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sha256 of the snapshot without its generation time: tells whether today's figures differ.
    digest: Mapped[str] = mapped_column(sa.String(64))
    snapshot: Mapped[dict] = mapped_column(sa.JSON)
