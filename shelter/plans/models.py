"""Rehabilitation plans (rencana rehabilitasi) of a stay, their goals, and their versions.

A stay has at most one *active* plan (draft, submitted or approved) — a partial unique index says so
on SQLite and PostgreSQL alike. The plan's goals are live rows; every approval and every review
freezes the whole plan into a ``PlanVersion`` (a JSON snapshot of the goals and the progress notes),
so the history ("version 1, approved …", "version 2, review …") stays readable whatever changes
later. Nothing is ever deleted: a goal that is given up is *dropped*, not removed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"           # being written (or changed after an approval: needs approval again)
    SUBMITTED = "submitted"   # waiting for a case manager
    APPROVED = "approved"     # in force; reviewed on a schedule
    CLOSED = "closed"         # ended (stay over, or replaced by a new plan); read only


ACTIVE_STATUSES = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.APPROVED)


class GoalDomain(enum.StrEnum):
    """The ATENSI components (Asistensi Rehabilitasi Sosial, Kemensos), plus legal aid and education,
    which the shelters' residents (victims of violence, children) need often enough to name."""

    FAMILY = "family"              # dukungan keluarga dan reunifikasi
    VOCATIONAL = "vocational"      # pelatihan vokasional dan pembinaan kewirausahaan
    THERAPY = "therapy"            # terapi (fisik, psikososial, mental spiritual)
    SOCIAL_CARE = "social_care"    # perawatan sosial dan/atau pengasuhan
    ASSISTIVE_AID = "assistive_aid"  # bantuan dan asistensi sosial (alat bantu)
    BASIC_NEEDS = "basic_needs"    # pemenuhan kebutuhan hidup layak
    LEGAL = "legal"                # pendampingan hukum
    EDUCATION = "education"        # pendidikan


class GoalStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class VersionKind(enum.StrEnum):
    APPROVAL = "approval"
    REVIEW = "review"


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


ACTIVE_WHERE = _in("status", ACTIVE_STATUSES)


class RehabilitationPlan(db.Model):
    __tablename__ = "rehabilitation_plans"
    __table_args__ = (
        sa.Index("uq_rehabilitation_plans_one_active_per_stay", "stay_id", unique=True,
                 sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE)),
        sa.CheckConstraint(_in("status", PlanStatus), name="status_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=PlanStatus.DRAFT.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The latest approval (a plan changed after an approval is approved again).
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The day (WIB) the review schedule counts from: the latest approval or review.
    schedule_from: Mapped[date | None] = mapped_column(sa.Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A case manager who sends a submitted plan back says why (shown to the caseworker).
    returned_note: Mapped[str] = mapped_column(sa.Text, default="")

    goals: Mapped[list["PlanGoal"]] = relationship(back_populates="plan", order_by="PlanGoal.position")
    versions: Mapped[list["PlanVersion"]] = relationship(back_populates="plan", order_by="PlanVersion.number")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class PlanGoal(db.Model):
    __tablename__ = "plan_goals"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "position"),
        sa.CheckConstraint(_in("domain", GoalDomain), name="domain_allowed"),
        sa.CheckConstraint(_in("status", GoalStatus), name="status_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("rehabilitation_plans.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column()
    domain: Mapped[str] = mapped_column(sa.String(32))
    description: Mapped[str] = mapped_column(sa.Text)
    interventions: Mapped[str] = mapped_column(sa.Text, default="")
    responsible_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    target_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default=GoalStatus.PLANNED.value)
    # The latest progress note (from the latest review); earlier ones live in the versions.
    progress_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[RehabilitationPlan] = relationship(back_populates="goals")


class PlanVersion(db.Model):
    """The plan as approved, or as reviewed: a snapshot that never changes afterwards."""

    __tablename__ = "plan_versions"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number"),
        sa.CheckConstraint(_in("kind", VersionKind), name="kind_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("rehabilitation_plans.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(16))
    # The approval's or review's day (WIB); a review's date is the one the caseworker gave.
    effective_on: Mapped[date] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # {"goals": [{"id", "position", "domain", "description", "interventions", "responsible_id",
    #             "responsible_name", "target_date", "status", "note"}, …]}
    snapshot: Mapped[dict] = mapped_column(sa.JSON)

    plan: Mapped[RehabilitationPlan] = relationship(back_populates="versions")
