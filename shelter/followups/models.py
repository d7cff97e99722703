"""Reunification plans, the follow-up policy and the follow-ups after a resident goes home.

A discharge to family or to the home region creates one ``FollowUp`` per step of the policy, each due on
a WIB calendar day (``due_on``) counted from the discharge day. ``UNIQUE (stay_id, step)`` makes the
schedule exist once however often it is asked for.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted
from shelter.extensions import db


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    MISSED = "missed"


class FollowUpMethod(enum.StrEnum):
    PHONE_CALL = "phone_call"
    HOME_VISIT = "home_visit"
    OFFICE_VISIT = "office_visit"
    VIDEO_CALL = "video_call"


class FollowUpOutcome(enum.StrEnum):
    STABLE = "stable"
    CONCERNS = "concerns"
    RE_REFERRAL_NEEDED = "re_referral_needed"


# Outcomes that alert the facility's case managers.
FLAGGING_OUTCOMES = (FollowUpOutcome.CONCERNS.value, FollowUpOutcome.RE_REFERRAL_NEEDED.value)


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


class FollowUpPolicyStep(db.Model):
    """One step of the follow-up policy: this many days after the discharge, by this method.

    Admins edit the steps; a schedule copies them when it is created, so later edits never move the
    follow-ups already planned.
    """

    __tablename__ = "followup_policy_steps"
    __table_args__ = (
        sa.CheckConstraint("offset_days BETWEEN 1 AND 730", name="offset_range"),
        sa.CheckConstraint(_in("method", FollowUpMethod), name="method_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_days: Mapped[int] = mapped_column(sa.SmallInteger, unique=True)
    method: Mapped[str] = mapped_column(sa.String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class ReunificationPlan(db.Model):
    """Where and to whom a resident is to go home. One per resident; edits bump ``version`` and are audited
    (field names only)."""

    __tablename__ = "reunification_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"), unique=True)
    # Who: one of the resident's family contacts, or a relation described in words.
    family_contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("family_contacts.id", ondelete="SET NULL"), index=True)
    relation: Mapped[str] = mapped_column(sa.String(120), default="")
    # Where: the kota or kabupaten (a home region may be outside Jakarta).
    destination: Mapped[str] = mapped_column(sa.String(120), default="")
    family_assessment: Mapped[str] = mapped_column(Encrypted("reunification_plans.family_assessment"), default="")
    planned_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    family_contact = relationship("FamilyContact")


class FollowUp(db.Model):
    """One planned check on a resident after they went home."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.UniqueConstraint("stay_id", "step"),
        sa.CheckConstraint(_in("status", FollowUpStatus), name="status_allowed"),
        sa.CheckConstraint(_in("planned_method", FollowUpMethod), name="planned_method_allowed"),
        sa.CheckConstraint("method IS NULL OR " + _in("method", FollowUpMethod), name="method_allowed"),
        sa.CheckConstraint("outcome IS NULL OR " + _in("outcome", FollowUpOutcome), name="outcome_allowed"),
        # Recorded together: an open follow-up has no record, a closed one has its date, who and when.
        sa.CheckConstraint(
            "(status = 'open') = (done_on IS NULL AND recorded_at IS NULL)", name="record_complete"),
        sa.CheckConstraint("status <> 'done' OR (outcome IS NOT NULL AND method IS NOT NULL)",
                           name="done_has_outcome"),
        sa.Index("ix_follow_ups_facility_due", "facility_id", "status", "due_on"),
        sa.Index("ix_follow_ups_caseworker_due", "caseworker_id", "status", "due_on"),
        sa.Index("ix_follow_ups_due_on", "due_on"),  # reports: the follow-ups due in a period (0020)
        # Open ones only, by due day: the morning reminders (due today; overdue) skip the closed history.
        sa.Index("ix_follow_ups_open_due", "due_on", "caseworker_id",
                 sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"))
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="RESTRICT"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"))
    step: Mapped[int] = mapped_column(sa.SmallInteger)
    offset_days: Mapped[int] = mapped_column(sa.SmallInteger)
    caseworker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(sa.Date)  # a WIB calendar day
    planned_method: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(8), default=FollowUpStatus.OPEN.value)
    done_on: Mapped[date | None] = mapped_column(sa.Date)  # the day it was done (or attempted, if missed)
    method: Mapped[str | None] = mapped_column(sa.String(16))
    outcome: Mapped[str | None] = mapped_column(sa.String(24))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the outcome was "concerns" or "re-referral needed": the case managers must look.
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the overdue escalation went out, so it goes out once (even after a scheduler outage).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stay = relationship("Stay")
    resident = relationship("Resident")
    facility = relationship("Facility")
    caseworker = relationship("User", foreign_keys=[caseworker_id])

    @property
    def is_open(self) -> bool:
        return self.status == FollowUpStatus.OPEN.value

    @property
    def needs_acknowledgement(self) -> bool:
        return self.flagged_at is not None and self.acknowledged_at is None

    def __repr__(self) -> str:
        return f"<FollowUp {self.id}>"
