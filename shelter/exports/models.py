"""An export of a list: who asked, which list with which filter (ids, codes and dates only, never a
name), how far its file is written, and when that file goes (24 hours after it was asked for).

The URL names an export by ``token`` (random, unguessable), never by its id; the file on disk has a
random name of its own under ``instance/exports`` (0700; the files 0600).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class ExportJob(db.Model):
    __tablename__ = "export_jobs"
    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s.value}'" for s in ExportStatus) + ")",
                           name="status_allowed"),
        sa.CheckConstraint("format IN ('csv', 'xlsx')", name="format_allowed"),
        sa.Index("ix_export_jobs_owner_created", "owner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    format: Mapped[str] = mapped_column(sa.String(8))
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    include_personal: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default=ExportStatus.QUEUED.value, index=True)
    total_rows: Mapped[int] = mapped_column(default=0)
    done_rows: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While running: when the runner last wrote a batch. A job running with no sign of life for
    # ``service.STALE_AFTER`` was left by a runner that died; the next run takes it again.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ExportStatus.DONE.value else 0
        return min(100, self.done_rows * 100 // self.total_rows)
