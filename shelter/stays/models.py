from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility
from shelter.residents.models import Resident


class DischargeOutcome(enum.StrEnum):
    REUNIFIED = "reunified"
    RETURNED_HOME_REGION = "returned_home_region"
    REFERRED = "referred"
    MOVED_FACILITY = "moved_facility"
    INDEPENDENT = "independent"
    LEFT_WITHOUT_NOTICE = "left_without_notice"
    DIED = "died"
    OTHER = "other"


class Stay(db.Model):
    """One episode of a resident in one facility. At most one open stay per resident (DB index)."""

    __tablename__ = "stays"
    __table_args__ = (
        sa.Index("uq_stays_one_open_per_resident", "resident_id", unique=True,
                 sqlite_where=sa.text("discharged_at IS NULL"),
                 postgresql_where=sa.text("discharged_at IS NULL")),
        # Open stays only: a small index however long the history grows (board, API, alerts).
        sa.Index("ix_stays_open_by_facility", "facility_id", "id",
                 sqlite_where=sa.text("discharged_at IS NULL"),
                 postgresql_where=sa.text("discharged_at IS NULL")),
        # Reports: the stays touching a period, and the stay continuing a transferred one (0020).
        sa.Index("ix_stays_admitted_at", "admitted_at"),
        sa.Index("ix_stays_discharged_at", "discharged_at"),
        sa.Index("ix_stays_previous_stay_id", "previous_stay_id"),
        sa.CheckConstraint("discharged_at IS NULL OR discharged_at >= admitted_at", name="discharge_after_admission"),
        sa.CheckConstraint(
            "discharge_outcome IS NULL OR discharge_outcome IN ("
            + ", ".join(f"'{o.value}'" for o in DischargeOutcome) + ")",
            name="discharge_outcome_allowed",
        ),
        sa.CheckConstraint("(discharged_at IS NULL) = (discharge_outcome IS NULL)", name="discharge_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="RESTRICT"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    admitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    admitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    over_capacity: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discharged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    discharge_outcome: Mapped[str | None] = mapped_column(sa.String(32))
    discharge_note: Mapped[str] = mapped_column(Encrypted("stays.discharge_note"), default="")
    # The pekerja sosial responsible for this stay (assessments, plan, follow-ups after discharge).
    caseworker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The stay this one continues (a transfer to another facility closes one stay and opens the next).
    previous_stay_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stays.id", ondelete="SET NULL"))

    resident: Mapped[Resident] = relationship()
    facility: Mapped[Facility] = relationship()
    assignments: Mapped[list["BedAssignment"]] = relationship(
        back_populates="stay", order_by="BedAssignment.started_at"
    )

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None


class BedAssignment(db.Model):
    """A stay's occupation of one bed for a period. At most one open assignment per bed (DB index)."""

    __tablename__ = "bed_assignments"
    __table_args__ = (
        sa.Index("uq_bed_assignments_one_open_per_bed", "bed_id", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
        sa.Index("uq_bed_assignments_one_open_per_stay", "stay_id", unique=True,
                 sqlite_where=sa.text("ended_at IS NULL"), postgresql_where=sa.text("ended_at IS NULL")),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        sa.Index("ix_bed_assignments_ended_at", "ended_at"),  # reports: the assignments of a period (0020)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"), index=True)
    bed_id: Mapped[int] = mapped_column(sa.ForeignKey("beds.id", ondelete="RESTRICT"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stay: Mapped[Stay] = relationship(back_populates="assignments")
    bed: Mapped[Bed] = relationship()


class BedHold(db.Model):
    """A bed kept free for an expected arrival. Expired holds no longer count (and are released)."""

    __tablename__ = "bed_holds"
    __table_args__ = (
        sa.Index("uq_bed_holds_one_active_per_bed", "bed_id", unique=True,
                 sqlite_where=sa.text("released_at IS NULL"), postgresql_where=sa.text("released_at IS NULL")),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bed_id: Mapped[int] = mapped_column(sa.ForeignKey("beds.id", ondelete="RESTRICT"), index=True)
    held_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(sa.String(32))  # used | cancelled | expired

    bed: Mapped[Bed] = relationship()
