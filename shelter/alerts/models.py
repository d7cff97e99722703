"""Capacity rules and the alerts they raise.

A rule's state (``is_low``, ``state_changed_at``, ``alert_pending``, ``last_alert_at``) lives on the
rule row itself: evaluation is a state machine that locks the row, counts free beds and moves the
state, so a crossing is seen, alerted and recorded once however many transactions cross it at the
same moment. A rule goes low at its alert threshold and back to normal only at its separate
recovery threshold (free beds ≥ ``recovery_free_beds``, occupancy ≤ ``recovery_occupancy_percent``),
and alerts at most once per ``min_interval_minutes``: one bed taken and freed again does not text
anyone twice (issue 9: five hold/release cycles had queued 30 SMS).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db

# The board's categories (shelter.stays.queries.CATEGORIES); a rule without one counts every bed.
RULE_CATEGORIES = ("women", "girls", "boys", "mothers_with_children", "men")
DEFAULT_INTERVAL_MINUTES = 60
MAX_INTERVAL_MINUTES = 1440  # a day


class AlertKind(enum.StrEnum):
    LOW = "low"
    RECOVERED = "recovered"


capacity_rule_recipients = sa.Table(
    "capacity_rule_recipients",
    db.metadata,
    sa.Column("rule_id", sa.ForeignKey("capacity_rules.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CapacityRule(db.Model):
    """Alert when free beds ≤ ``max_free_beds`` and/or occupancy ≥ ``min_occupancy_percent``."""

    __tablename__ = "capacity_rules"
    __table_args__ = (
        sa.CheckConstraint(
            "category IS NULL OR category IN (" + ", ".join(f"'{c}'" for c in RULE_CATEGORIES) + ")",
            name="category_allowed",
        ),
        sa.CheckConstraint("max_free_beds IS NULL OR max_free_beds >= 0", name="max_free_beds_range"),
        sa.CheckConstraint("min_occupancy_percent IS NULL OR (min_occupancy_percent BETWEEN 1 AND 100)",
                           name="min_occupancy_percent_range"),
        sa.CheckConstraint("max_free_beds IS NOT NULL OR min_occupancy_percent IS NOT NULL",
                           name="has_threshold"),
        # Recovery thresholds beyond the alert thresholds (empty: the defaults of shelter.alerts.thresholds).
        sa.CheckConstraint("recovery_free_beds IS NULL OR "
                           "(max_free_beds IS NOT NULL AND recovery_free_beds > max_free_beds)",
                           name="recovery_free_beds_above"),
        sa.CheckConstraint("recovery_occupancy_percent IS NULL OR (min_occupancy_percent IS NOT NULL "
                           "AND recovery_occupancy_percent >= 0 AND recovery_occupancy_percent < min_occupancy_percent)",
                           name="recovery_occupancy_below"),
        sa.CheckConstraint(f"min_interval_minutes BETWEEN 0 AND {MAX_INTERVAL_MINUTES}",
                           name="min_interval_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed: evaluate_facility runs on every admission and starts with this one lookup.
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"), index=True)
    category: Mapped[str | None] = mapped_column(sa.String(32))
    max_free_beds: Mapped[int | None] = mapped_column()
    min_occupancy_percent: Mapped[int | None] = mapped_column()
    # Back to normal only when free beds ≥ this (> max_free_beds) and occupancy ≤ the next (< min_…).
    recovery_free_beds: Mapped[int | None] = mapped_column()
    recovery_occupancy_percent: Mapped[int | None] = mapped_column()
    # At most one "low" alert (and its SMS) per this many minutes; a low that outlasts it is alerted then.
    min_interval_minutes: Mapped[int] = mapped_column(default=DEFAULT_INTERVAL_MINUTES,
                                                      server_default=str(DEFAULT_INTERVAL_MINUTES))
    notify_recovery: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    is_low: Mapped[bool] = mapped_column(default=False)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last "low" alert, and whether the current low is still waiting for the minimum interval.
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    facility = relationship("Facility")
    recipients = relationship("User", secondary=capacity_rule_recipients, lazy="selectin",
                              order_by="User.full_name")

    def __repr__(self) -> str:
        return f"<CapacityRule {self.id}>"


class CapacityAlert(db.Model):
    """One crossing of a rule (into low, or back to normal): the facility's alert history."""

    __tablename__ = "capacity_alerts"
    __table_args__ = (
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k.value}'" for k in AlertKind) + ")", name="kind_allowed"),
        sa.Index("ix_capacity_alerts_facility_created", "facility_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(sa.ForeignKey("capacity_rules.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id"))
    category: Mapped[str | None] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(16))
    free_beds: Mapped[int] = mapped_column()
    total_beds: Mapped[int] = mapped_column()  # beds in service (the category's, for a category rule)
    occupancy_percent: Mapped[int] = mapped_column()
    sms_count: Mapped[int] = mapped_column(default=0)  # messages queued: recipients with a phone, not opted out
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rule: Mapped[CapacityRule] = relationship()

    def __repr__(self) -> str:
        return f"<CapacityAlert {self.id} {self.kind}>"
